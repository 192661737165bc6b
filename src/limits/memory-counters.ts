// In-process CounterStore for a single gateway unit. hit() allocates nothing but its result: state
// records are mutated in place, keyed by windowMs then key (no string concatenation per call).
// Memory stays bounded: idle records are swept a few at a time as calls arrive (no timers, so the
// injected Clock alone decides expiry), and past `maxKeys` the oldest records are evicted.
import type { Clock } from "../core/clock.js";
import type { CounterStore, RateLimitResult } from "../policy/types.js";
import {
  checkQuotaArguments,
  checkRateArguments,
  type QuotaLimits,
  type QuotaState,
  quotaHit,
  quotaPeriod,
  slidingWindowHit,
  type WindowState,
} from "./algorithms.js";

export interface MemoryCounterOptions {
  clock: Clock;
  /** Most rate-limit + quota records kept (default 1 000 000, ~150 MB worst case). */
  maxKeys?: number;
  /** Records inspected per sweep step (default 32); a step runs every 16 operations, so the sweep
   * visits records twice as fast as new keys can arrive. */
  sweepBatch?: number;
}

export interface MemoryCounterStore extends CounterStore {
  hit(key: string, limit: number, windowMs: number, increment?: number): RateLimitResult;
  quota(key: string, limits: QuotaLimits, usage: { calls: number; kilobytes: number }): RateLimitResult;
  acquire(key: string, max: number): boolean;
  release(key: string): void;
  /** Records currently held (for tests and metrics). */
  size(): number;
}

interface RateRecord extends WindowState {
  expiresAt: number;
}
interface QuotaRecord extends QuotaState {
  expiresAt: number;
}

/** A Map plus a resumable cursor over it, so expiry work is spread across calls. */
class SweptMap<V extends { expiresAt: number }> {
  readonly map = new Map<string, V>();
  private cursor: IterableIterator<[string, V]> | undefined;

  sweep(now: number, batch: number): void {
    for (let i = 0; i < batch; i++) {
      this.cursor ??= this.map.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        return;
      }
      const [key, value] = next.value;
      if (value.expiresAt <= now) this.map.delete(key);
    }
  }

  evictOldest(): void {
    const oldest = this.map.keys().next();
    if (!oldest.done) this.map.delete(oldest.value);
  }
}

export function createMemoryCounterStore(options: MemoryCounterOptions): MemoryCounterStore {
  const { clock } = options;
  const maxKeys = options.maxKeys ?? 1_000_000;
  const sweepBatch = options.sweepBatch ?? 32;
  const rates = new Map<number, SweptMap<RateRecord>>();
  const quotas = new SweptMap<QuotaRecord>();
  const slots = new Map<string, number>();
  let operations = 0;
  let size = 0;

  function housekeeping(now: number): void {
    if ((++operations & 15) !== 0 && size <= maxKeys) return;
    size = quotas.map.size;
    for (const [windowMs, table] of rates) {
      table.sweep(now, sweepBatch);
      if (table.map.size === 0) rates.delete(windowMs);
      size += table.map.size;
    }
    quotas.sweep(now, sweepBatch);
    while (size > maxKeys) {
      let largest: SweptMap<{ expiresAt: number }> = quotas;
      for (const table of rates.values()) if (table.map.size > largest.map.size) largest = table;
      largest.evictOldest();
      size--;
    }
  }

  return {
    hit(key, limit, windowMs, increment = 1) {
      checkRateArguments(limit, windowMs, increment);
      const now = clock.now();
      let table = rates.get(windowMs);
      if (!table) {
        table = new SweptMap();
        rates.set(windowMs, table);
      }
      let record = table.map.get(key);
      if (!record) {
        record = { windowStart: now - (now % windowMs), previous: 0, current: 0, expiresAt: 0 };
        table.map.set(key, record);
        size++;
      }
      const result = slidingWindowHit(record, now, limit, windowMs, increment);
      // Both buckets are irrelevant two windows after the current one started.
      record.expiresAt = record.windowStart + 2 * windowMs;
      housekeeping(now);
      return result;
    },

    quota(key, limits, usage) {
      checkQuotaArguments(limits);
      const now = clock.now();
      let record = quotas.map.get(key);
      if (!record) {
        record = { period: Number.NaN, calls: 0, kilobytes: 0, expiresAt: 0 };
        quotas.map.set(key, record);
        size++;
      }
      const result = quotaHit(record, now, limits, usage);
      record.expiresAt = quotaPeriod(now, limits.periodMs, limits.firstPeriodStartMs ?? 0)[1];
      housekeeping(now);
      return result;
    },

    acquire(key, max) {
      const held = slots.get(key) ?? 0;
      if (held >= max) return false;
      slots.set(key, held + 1);
      return true;
    },

    release(key) {
      const held = slots.get(key) ?? 0;
      // Idle keys hold no memory: a slot count of zero is the same as no record.
      if (held <= 1) slots.delete(key);
      else slots.set(key, held - 1);
    },

    size() {
      let total = quotas.map.size + slots.size;
      for (const table of rates.values()) total += table.map.size;
      return total;
    },
  };
}
