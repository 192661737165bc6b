// In-memory ResponseCache and ValueCache for a single gateway unit (the Redis-backed ones come with
// scale-out). Entries expire by TTL against the injected clock; the oldest entries are evicted when
// the cache is full (Map insertion order), so memory stays bounded.
import type { Clock } from "../core/clock.js";
import type { CachedResponse, ResponseCache, ValueCache } from "../policy/types.js";

interface Entry<V> {
  value: V;
  expiresAt: number;
}

class TtlMap<V> {
  private readonly map = new Map<string, Entry<V>>();
  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
  ) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.clock.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) return;
    this.map.delete(key);
    while (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
    this.map.set(key, { value, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

export function createMemoryResponseCache(clock: Clock, maxEntries = 10_000): ResponseCache {
  const map = new TtlMap<CachedResponse>(clock, maxEntries);
  return { get: (k) => map.get(k), set: (k, v, ttl) => map.set(k, v, ttl) };
}

export function createMemoryValueCache(clock: Clock, maxEntries = 100_000): ValueCache {
  const map = new TtlMap<unknown>(clock, maxEntries);
  return { get: (k) => map.get(k), set: (k, v, ttl) => map.set(k, v, ttl), delete: (k) => map.delete(k) };
}
