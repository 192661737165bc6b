// CounterStore on Redis ("exact" mode): every call runs one atomic Lua script, so all gateway units
// share one count. Keys: `${prefix}rl:{key}:${windowMs}`, `${prefix}q:{key}`, `${prefix}c:{key}`
// (the braces make a key's records share a Redis Cluster slot).
import type { Redis } from "ioredis";
import type { Clock } from "../core/clock.js";
import type { CounterStore, RateLimitResult } from "../policy/types.js";
import { checkQuotaArguments, checkRateArguments, normaliseCalls, normaliseKilobytes } from "./algorithms.js";
import { createHealthTracker, type RedisFailureOptions, toRateResult } from "./redis-health.js";
import { ACQUIRE_SCRIPT, QUOTA_SCRIPT, RATE_SCRIPT, RELEASE_SCRIPT, runScript } from "./redis-scripts.js";

export interface RedisCounterOptions extends RedisFailureOptions {
  client: Redis;
  clock: Clock;
  /** Prepended to every key (default "moat:"). */
  prefix?: string;
  /** Concurrency slots expire this long after their last acquire, should a unit die holding them (default 60 s). */
  slotLeaseMs?: number;
}

export interface RedisCounterStore extends CounterStore {
  hit(key: string, limit: number, windowMs: number, increment?: number): Promise<RateLimitResult>;
  acquire(key: string, max: number): Promise<boolean>;
  release(key: string): Promise<void>;
  isHealthy(): boolean;
}

export function createRedisCounterStore(options: RedisCounterOptions): RedisCounterStore {
  const { client, clock } = options;
  const prefix = options.prefix ?? "moat:";
  const leaseMs = options.slotLeaseMs ?? 60_000;
  const health = createHealthTracker(options);

  return {
    async hit(key, limit, windowMs, increment = 1) {
      checkRateArguments(limit, windowMs, increment);
      try {
        const reply = await runScript(
          client,
          RATE_SCRIPT,
          [`${prefix}rl:{${key}}:${windowMs}`],
          [clock.now(), windowMs, limit, increment],
        );
        health.ok();
        return toRateResult(reply);
      } catch (error) {
        health.failed(error);
        return health.rateFallback(limit);
      }
    },

    async quota(key, limits, usage) {
      checkQuotaArguments(limits);
      try {
        const reply = await runScript(
          client,
          QUOTA_SCRIPT,
          [`${prefix}q:{${key}}`],
          [
            clock.now(),
            limits.periodMs,
            limits.firstPeriodStartMs ?? 0,
            limits.calls ?? -1,
            limits.kilobytes ?? -1,
            normaliseCalls(usage.calls),
            normaliseKilobytes(usage.kilobytes),
          ],
        );
        health.ok();
        return toRateResult(reply);
      } catch (error) {
        health.failed(error);
        return health.rateFallback(limits.calls ?? limits.kilobytes ?? 0);
      }
    },

    async acquire(key, max) {
      try {
        const reply = await runScript(client, ACQUIRE_SCRIPT, [`${prefix}c:{${key}}`], [max, leaseMs]);
        health.ok();
        return reply === 1;
      } catch (error) {
        health.failed(error);
        return health.acquireFallback();
      }
    },

    async release(key) {
      try {
        await runScript(client, RELEASE_SCRIPT, [`${prefix}c:{${key}}`], []);
        health.ok();
      } catch (error) {
        // A lost release is repaired by the slot lease expiring.
        health.failed(error);
      }
    },

    isHealthy: () => health.isUp(),
  };
}
