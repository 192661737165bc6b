export { buildGatewaySnapshot } from "./config/build-snapshot.js";
export type { GatewaySnapshot } from "./config/types.js";
export { apimPolicyEngine } from "./default-engine.js";
export { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";
export { createMemoryResponseCache, createMemoryValueCache } from "./memory-caches.js";
export { REDACT_PATHS, redactUrl } from "./observability/access-log.js";
export type { PolicyEngine } from "./policy-engine.js";
export { HEALTH_PATH } from "./server/handler.js";
export type { BoundAddress, ListenAddress } from "./server/listeners.js";
