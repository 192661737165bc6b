// CounterStore on Redis, "fast" mode: rate limits are decided locally, without a round trip, and
// the local counts are pushed to (and the cluster's counts pulled from) Redis every syncIntervalMs.
//
// Each key keeps what Redis last said (window start, previous, current) plus this unit's calls not
// yet pushed. A key's first call on a unit awaits one load from Redis (batched with the other new
// keys of the same event-loop turn), so a fresh unit starts from the cluster's count instead of
// from zero; every later call is synchronous. Calls being pushed keep counting locally until Redis's
// reply (which includes them) arrives, and a key never moves back a window (locally or in Lua) when
// a unit's clock or script is behind another's: so one unit alone never admits past the limit.
//
// Overshoot bound: a unit sees other units' calls only at sync time, so with N units sharing a key
// each can admit up to the allowance it last saw during one sync period T (syncIntervalMs plus the
// Redis round trip). Calls admitted in any window ≤ limit + (N − 1) × min(limit, r × T), r being the
// per-unit call rate. With a single unit the answers are exact (the shared contract suite runs on
// it). redis-fast-counters.test.ts measures the two-unit case; bench/limits.ts prints it under load.
//
// Quotas and concurrency slots are not hot enough to trade exactness for speed: they go straight
// to the exact store's scripts.
import type { Redis } from "ioredis";
import type { Clock } from "../core/clock.js";
import type { CounterStore, RateLimitResult } from "../policy/types.js";
import { checkRateArguments, slidingWindowHit, type WindowState } from "./algorithms.js";
import { createRedisCounterStore } from "./redis-counters.js";
import { createHealthTracker, type RedisFailureOptions } from "./redis-health.js";
import { runScript, SYNC_SCRIPT } from "./redis-scripts.js";

/** Keys pushed per script call: large enough to amortise the round trip, small enough not to stall Redis. */
const SYNC_BATCH = 256;

export interface FastRedisCounterOptions extends RedisFailureOptions {
  client: Redis;
  clock: Clock;
  prefix?: string;
  /** Push/pull period (default 50 ms); 0 = no timer, the owner calls sync() (tests). */
  syncIntervalMs?: number;
  slotLeaseMs?: number;
  /** Called after each sync round with its duration (for metrics, and for measuring the overshoot bound). */
  onSynced?: (durationMs: number, keys: number) => void;
}

export interface FastRedisCounterStore extends CounterStore {
  /** Pushes pending counts and pulls the cluster's; resolves when done (never rejects). */
  sync(): Promise<void>;
  /** Stops the timer after a last sync. */
  close(): Promise<void>;
  isHealthy(): boolean;
}

interface Entry {
  readonly redisKey: string;
  readonly windowMs: number;
  windowStart: number;
  /** Counts Redis reported (including this unit's pushed calls). */
  previous: number;
  current: number;
  /** This unit's calls not yet pushed, for windowStart − windowMs and windowStart. */
  pendingPrevious: number;
  pendingCurrent: number;
  /**
   * Calls pushed by the sync script now in flight (window start, previous, current): no longer
   * pending, not yet in Redis's reply, but still this unit's calls, so decisions keep counting them.
   */
  flightStart: number;
  flightPrevious: number;
  flightCurrent: number;
  lastUsed: number;
  loaded: Promise<void> | undefined;
}

export function createFastRedisCounterStore(options: FastRedisCounterOptions): FastRedisCounterStore {
  const { client, clock } = options;
  const prefix = options.prefix ?? "moat:";
  const health = createHealthTracker(options);
  const failOpen = (options.failMode ?? "open") === "open";
  const exact = createRedisCounterStore(options);
  const tables = new Map<number, Map<string, Entry>>();
  const scratch: WindowState = { windowStart: 0, previous: 0, current: 0 };
  let syncing: Promise<void> | undefined;

  function advance(entry: Entry, now: number): void {
    const start = now - (now % entry.windowMs);
    // Behind the entry (Redis already moved the key to the next window: another unit's clock or
    // script got there first): never go back, that would drop both buckets. decide() judges at
    // the window's start instead.
    if (start <= entry.windowStart) return;
    if (start === entry.windowStart + entry.windowMs) {
      entry.previous = entry.current;
      entry.pendingPrevious = entry.pendingCurrent;
    } else {
      // Calls older than two windows no longer weigh anywhere: nothing to push.
      entry.previous = 0;
      entry.pendingPrevious = 0;
    }
    entry.current = 0;
    entry.pendingCurrent = 0;
    entry.windowStart = start;
  }

  function decide(entry: Entry, limit: number, increment: number): RateLimitResult {
    const now = clock.now();
    entry.lastUsed = now;
    // Redis unreachable: "closed" refuses; "open" keeps counting locally, so each unit still holds
    // its own calls to the limit (the cluster total may reach N × limit until Redis is back).
    if (!health.isUp() && !failOpen) return health.rateFallback(limit);
    advance(entry, now);
    const at = Math.max(now, entry.windowStart);
    scratch.windowStart = entry.windowStart;
    scratch.previous = entry.previous + entry.pendingPrevious;
    scratch.current = entry.current + entry.pendingCurrent;
    if (entry.flightStart === entry.windowStart) {
      scratch.previous += entry.flightPrevious;
      scratch.current += entry.flightCurrent;
    } else if (entry.flightStart + entry.windowMs === entry.windowStart) {
      scratch.previous += entry.flightCurrent;
    }
    const result = slidingWindowHit(scratch, at, limit, entry.windowMs, increment);
    if (result.allowed) entry.pendingCurrent += increment;
    return result;
  }

  /** One SYNC_SCRIPT round trip for a batch of entries: push their pending calls, adopt Redis's counts. */
  async function syncBatch(entries: Entry[]): Promise<void> {
    const keys: string[] = [];
    const args: number[] = [clock.now()];
    const sent: number[] = [];
    for (const entry of entries) {
      keys.push(entry.redisKey);
      args.push(entry.windowMs, entry.windowStart, entry.pendingPrevious, entry.pendingCurrent);
      sent.push(entry.windowStart, entry.pendingPrevious, entry.pendingCurrent);
      entry.flightStart = entry.windowStart;
      entry.flightPrevious = entry.pendingPrevious;
      entry.flightCurrent = entry.pendingCurrent;
      entry.pendingPrevious = 0;
      entry.pendingCurrent = 0;
    }
    try {
      const reply = (await runScript(client, SYNC_SCRIPT, keys, args)) as number[];
      health.ok();
      entries.forEach((entry, i) => {
        landed(entry);
        adopt(entry, Number(reply[3 * i]), Number(reply[3 * i + 1]), Number(reply[3 * i + 2]));
      });
    } catch (error) {
      health.failed(error);
      // Keep the unsent calls for the next attempt, in whichever bucket they now belong to.
      entries.forEach((entry, i) => {
        landed(entry);
        const sentStart = sent[3 * i] ?? 0;
        const sentPrevious = sent[3 * i + 1] ?? 0;
        const sentCurrent = sent[3 * i + 2] ?? 0;
        if (entry.windowStart === sentStart) {
          entry.pendingPrevious += sentPrevious;
          entry.pendingCurrent += sentCurrent;
        } else if (entry.windowStart === sentStart + entry.windowMs) {
          entry.pendingPrevious += sentCurrent;
        }
      });
    }
  }

  /** The script answered (its reply counts the pushed calls) or failed (they go back to pending). */
  function landed(entry: Entry): void {
    entry.flightPrevious = 0;
    entry.flightCurrent = 0;
  }

  /** Merge Redis's view (window start ws) with calls made locally while the script ran. */
  function adopt(entry: Entry, ws: number, previous: number, current: number): void {
    const w = entry.windowMs;
    if (ws === entry.windowStart) {
      entry.previous = previous;
      entry.current = current;
    } else if (ws === entry.windowStart + w) {
      entry.windowStart = ws;
      entry.previous = previous;
      entry.current = current;
      entry.pendingPrevious = entry.pendingCurrent;
      entry.pendingCurrent = 0;
    } else if (ws + w === entry.windowStart) {
      // This unit moved on while the script ran: Redis's current window is our previous one.
      entry.previous = current;
    } else if (ws > entry.windowStart) {
      entry.windowStart = ws;
      entry.previous = previous;
      entry.current = current;
      entry.pendingPrevious = 0;
      entry.pendingCurrent = 0;
    }
  }

  async function runSync(): Promise<void> {
    const started = performance.now();
    const now = clock.now();
    const work: Array<Promise<void>> = [];
    let batch: Entry[] = [];
    for (const [windowMs, table] of tables) {
      for (const [key, entry] of table) {
        // A key still loading is neither idle nor syncable: dropping it would leave its waiting
        // calls counted on an orphan that is never pushed, and the next call would load it again.
        if (entry.loaded !== undefined) continue;
        const idle = now - entry.lastUsed >= 2 * windowMs;
        const pending = entry.pendingPrevious + entry.pendingCurrent > 0;
        if (idle && !pending) {
          table.delete(key);
          continue;
        }
        batch.push(entry);
        if (batch.length === SYNC_BATCH) {
          work.push(syncBatch(batch));
          batch = [];
        }
      }
      if (table.size === 0) tables.delete(windowMs);
    }
    if (batch.length > 0) work.push(syncBatch(batch));
    await Promise.all(work);
    options.onSynced?.(performance.now() - started, work.length);
  }

  /**
   * First calls of new keys within one event-loop turn share one load: a cold unit facing many
   * clients at once costs one Redis call per SYNC_BATCH keys, not one per key.
   */
  let loadQueue: Entry[] = [];
  let loadBatch: Promise<void> | undefined;
  function load(entry: Entry): Promise<void> {
    loadQueue.push(entry);
    loadBatch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const queued = loadQueue;
      loadQueue = [];
      loadBatch = undefined;
      const work: Array<Promise<void>> = [];
      for (let i = 0; i < queued.length; i += SYNC_BATCH) work.push(syncBatch(queued.slice(i, i + SYNC_BATCH)));
      await Promise.all(work);
      for (const loaded of queued) loaded.loaded = undefined;
    });
    return loadBatch;
  }

  function sync(): Promise<void> {
    // One sync at a time: a slow Redis must not pile up overlapping rounds.
    syncing ??= runSync().finally(() => {
      syncing = undefined;
    });
    return syncing;
  }

  const timer =
    (options.syncIntervalMs ?? 50) > 0
      ? setInterval(() => {
          void sync();
        }, options.syncIntervalMs ?? 50)
      : undefined;
  timer?.unref();

  return {
    hit(key, limit, windowMs, increment = 1) {
      checkRateArguments(limit, windowMs, increment);
      let table = tables.get(windowMs);
      if (!table) {
        table = new Map();
        tables.set(windowMs, table);
      }
      let entry = table.get(key);
      if (!entry) {
        const now = clock.now();
        const created: Entry = {
          redisKey: `${prefix}rl:{${key}}:${windowMs}`,
          windowMs,
          windowStart: now - (now % windowMs),
          previous: 0,
          current: 0,
          pendingPrevious: 0,
          pendingCurrent: 0,
          flightStart: 0,
          flightPrevious: 0,
          flightCurrent: 0,
          lastUsed: now,
          loaded: undefined,
        };
        created.loaded = load(created);
        table.set(key, created);
        entry = created;
      }
      const loading = entry.loaded;
      if (loading) {
        const waiting = entry;
        return loading.then(() => decide(waiting, limit, increment));
      }
      return decide(entry, limit, increment);
    },
    quota: (key, limits, usage) => exact.quota(key, limits, usage),
    acquire: (key, max) => exact.acquire(key, max),
    release: (key) => exact.release(key),
    sync,
    async close() {
      if (timer) clearInterval(timer);
      await sync();
    },
    isHealthy: () => health.isUp() && exact.isHealthy(),
  };
}
