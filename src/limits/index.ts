export * from "./memory-cache.js";
export * from "./memory-counters.js";
export * from "./redis-cache.js";
export * from "./redis-client.js";
export * from "./redis-counters.js";
export * from "./redis-fast-counters.js";
export type { FailMode, RedisFailureOptions } from "./redis-health.js";
