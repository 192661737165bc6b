// Counters and caches of one gateway unit, chosen by configuration: in-memory (this unit only) when
// no Redis is configured, otherwise Redis shared by every unit — "exact" mode (one atomic script per
// call) or "fast" mode (local counting, synced every syncIntervalMs; overshoot bounded, see
// docs/scale-out.md). While Redis is down counters follow failMode and caches are bypassed.
import type { Redis } from "ioredis";
import type { Clock } from "../core/clock.js";
import {
  createFastRedisCounterStore,
  createMemoryCounterStore,
  createMemoryResponseCache,
  createMemoryValueCache,
  createRedisClient,
  createRedisCounterStore,
  createRedisResponseCache,
  createRedisValueCache,
  type FailMode,
} from "../limits/index.js";
import type { CounterStore, ResponseCache, ValueCache } from "../policy/types.js";

export type LimitsMode = "exact" | "fast";

export interface LimitsBackendOptions {
  /** redis://… ; empty or absent = in-memory. */
  readonly redisUrl?: string;
  readonly mode: LimitsMode;
  readonly failMode: FailMode;
  /** Prepended to every Redis key, so several deployments (or test runs) can share one Redis. */
  readonly keyPrefix: string;
  readonly clock: Clock;
  /** Fast mode push/pull period (default 50 ms). */
  readonly syncIntervalMs?: number;
  /**
   * Deadline of one Redis command (default 1000 ms). Past it the call follows failMode; a call that
   * timed out may still have counted in Redis, so a tight deadline on a loaded host costs exactness.
   */
  readonly commandTimeoutMs?: number;
  /** Redis became unreachable / reachable again (reported once per transition). */
  readonly onRedisState?: (state: "up" | "down", error?: unknown) => void;
}

export interface LimitsBackend {
  readonly kind: "memory" | "redis";
  readonly counters: CounterStore;
  readonly responseCache: ResponseCache;
  readonly valueCache: ValueCache;
  /** Redis connected (always true in memory). */
  healthy(): boolean;
  close(): Promise<void>;
}

export function createLimitsBackend(options: LimitsBackendOptions): LimitsBackend {
  const { clock } = options;
  if (!options.redisUrl) {
    return {
      kind: "memory",
      counters: createMemoryCounterStore({ clock }),
      responseCache: createMemoryResponseCache({ clock }),
      valueCache: createMemoryValueCache({ clock }),
      healthy: () => true,
      close: async () => {},
    };
  }
  const client = createRedisClient({ url: options.redisUrl, commandTimeoutMs: options.commandTimeoutMs ?? 1000 });
  // One transition report for the client, whichever store noticed first.
  let up = true;
  let closing = false;
  const onStateChange = (state: "up" | "down", error?: unknown) => {
    // Our own QUIT closes the connection too: that is no outage.
    if (closing || (state === "up") === up) return;
    up = state === "up";
    options.onRedisState?.(state, error);
  };
  client.on("ready", () => onStateChange("up"));
  client.on("close", () => onStateChange("down", new Error("Redis connection closed")));
  const failure = { failMode: options.failMode, onStateChange };
  const fast =
    options.mode === "fast"
      ? createFastRedisCounterStore({
          client,
          clock,
          prefix: options.keyPrefix,
          syncIntervalMs: options.syncIntervalMs ?? 50,
          ...failure,
        })
      : undefined;
  const counters = fast ?? createRedisCounterStore({ client, clock, prefix: options.keyPrefix, ...failure });
  return {
    kind: "redis",
    counters,
    responseCache: createRedisResponseCache({ client, prefix: options.keyPrefix, onStateChange }),
    valueCache: createRedisValueCache({ client, prefix: options.keyPrefix, onStateChange }),
    healthy: () => client.status === "ready",
    async close() {
      await fast?.close();
      closing = true;
      await quit(client);
    },
  };
}

/** QUIT when connected (pending replies arrive first), otherwise drop the reconnecting socket. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === "ready") await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
