// CounterStore on Redis ("exact" mode): every call is judged by an atomic Lua script, so all gateway
// units share one count; the rate hits of one event-loop turn share one script call (see flushHits).
// Keys: `${prefix}rl:{key}:${windowMs}`, `${prefix}q:{key}`, `${prefix}c:{key}` (the braces would
// give a key's records one Redis Cluster slot; a batch of rate hits spans many keys, so this store
// needs a single Redis, as the standalone ioredis client of redis-client.ts connects to).
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
  /** Most rate hits sent in one script call (default 256); more in one event-loop turn go as several calls. */
  maxBatch?: number;
}

interface PendingHit {
  readonly key: string;
  readonly now: number;
  readonly windowMs: number;
  readonly limit: number;
  readonly increment: number;
  readonly resolve: (result: RateLimitResult) => void;
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
  const batchSize = options.maxBatch ?? 256;

  // Rate hits wait for the end of the event-loop turn (setImmediate runs after every socket the
  // turn read), then go to Redis as one script call per `batchSize` hits: one command, one write and
  // one reply for all the requests that arrived together, instead of one each. The script judges
  // them in order, atomically, so the answers are those of single calls run back to back.
  let hits: PendingHit[] = [];
  const flushHits = () => {
    const batch = hits;
    hits = [];
    for (let from = 0; from < batch.length; from += batchSize) void sendHits(batch.slice(from, from + batchSize));
  };
  const sendHits = async (batch: PendingHit[]) => {
    const keys: string[] = new Array(batch.length);
    const args: number[] = new Array(batch.length * 4);
    for (let i = 0; i < batch.length; i++) {
      const h = batch[i] as PendingHit;
      keys[i] = h.key;
      args[i * 4] = h.now;
      args[i * 4 + 1] = h.windowMs;
      args[i * 4 + 2] = h.limit;
      args[i * 4 + 3] = h.increment;
    }
    let reply: unknown;
    try {
      reply = await runScript(client, RATE_SCRIPT, keys, args, true);
      if (!Array.isArray(reply) || reply.length !== batch.length * 4)
        throw new Error(`unexpected rate script reply ${JSON.stringify(reply)}`);
      health.ok();
    } catch (error) {
      health.failed(error);
      for (const h of batch) h.resolve(health.rateFallback(h.limit));
      return;
    }
    const r = reply as unknown[];
    for (let i = 0; i < batch.length; i++) {
      (batch[i] as PendingHit).resolve({
        allowed: r[i * 4] === 1,
        count: Number(r[i * 4 + 1]),
        remaining: Number(r[i * 4 + 2]),
        retryAfterMs: Number(r[i * 4 + 3]),
      });
    }
  };

  return {
    hit(key, limit, windowMs, increment = 1) {
      try {
        checkRateArguments(limit, windowMs, increment);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<RateLimitResult>((resolve) => {
        hits.push({ key: `${prefix}rl:{${key}}:${windowMs}`, now: clock.now(), windowMs, limit, increment, resolve });
        if (hits.length === 1) setImmediate(flushHits);
      });
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
