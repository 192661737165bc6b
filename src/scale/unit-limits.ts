// Counters and caches of one unit as the running product wires them: the configured backend (memory
// or Redis, exact or fast) with the response/value caches routed through the `caches` resource.
import type { Clock } from "../core/clock.js";
import { createRedisClient, createRedisResponseCache, createRedisValueCache, type FailMode } from "../limits/index.js";
import type { CounterStore, ResponseCache, ValueCache } from "../policy/types.js";
import type { ConfigStore } from "../store/contract.js";
import { createCacheRouter } from "./cache-router.js";
import { createLimitsBackend, type LimitsMode, quit } from "./limits-backend.js";

export interface UnitLimitsOptions {
  readonly store: ConfigStore;
  readonly location: string;
  readonly redisUrl: string;
  readonly limits: {
    readonly mode: LimitsMode;
    readonly failMode: FailMode;
    readonly keyPrefix: string;
    readonly syncIntervalMs?: number;
    readonly commandTimeoutMs?: number;
  };
  readonly clock: Clock;
  readonly log: (level: "info" | "warn", message: string) => void;
}

export interface UnitLimits {
  readonly kind: "memory" | "redis";
  readonly counters: CounterStore;
  readonly responseCache: ResponseCache;
  readonly valueCache: ValueCache;
  /** Redis connected (always true in memory). */
  healthy(): boolean;
  close(): Promise<void>;
}

export async function startUnitLimits(options: UnitLimitsOptions): Promise<UnitLimits> {
  const { limits: l, log } = options;
  const backend = createLimitsBackend({
    redisUrl: options.redisUrl,
    mode: l.mode,
    failMode: l.failMode,
    keyPrefix: l.keyPrefix,
    clock: options.clock,
    ...(l.syncIntervalMs === undefined ? {} : { syncIntervalMs: l.syncIntervalMs }),
    ...(l.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: l.commandTimeoutMs }),
    onRedisState: (state, error) =>
      state === "down"
        ? log(
            "warn",
            `Redis unreachable (${error instanceof Error ? error.message : String(error)}); counters fail ${l.failMode}, cache bypassed`,
          )
        : log("info", "Redis reachable again"),
  });
  const caches = createCacheRouter({
    store: options.store,
    location: options.location,
    fallback: backend,
    connect(url) {
      const client = createRedisClient({ url, commandTimeoutMs: l.commandTimeoutMs ?? 1000 });
      return {
        responseCache: createRedisResponseCache({ client, prefix: l.keyPrefix }),
        valueCache: createRedisValueCache({ client, prefix: l.keyPrefix }),
        close: () => quit(client),
      };
    },
    log,
  });
  try {
    await caches.start();
  } catch (error) {
    await backend.close();
    throw error;
  }
  return {
    kind: backend.kind,
    counters: backend.counters,
    responseCache: caches.responseCache,
    valueCache: caches.valueCache,
    healthy: () => backend.healthy(),
    async close() {
      await caches.close();
      await backend.close();
    },
  };
}
