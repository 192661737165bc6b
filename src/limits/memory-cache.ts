// In-process ResponseCache and ValueCache: TTL from the injected Clock, least-recently-used
// eviction past maxEntries or maxBytes (a Map's insertion order is the recency list: a hit moves
// the entry to the end).
import type { Clock } from "../core/clock.js";
import type { CachedResponse, ResponseCache, ValueCache } from "../policy/types.js";

export interface MemoryCacheOptions {
  clock: Clock;
  /** Default 10 000 entries. */
  maxEntries?: number;
  /** Approximate bytes held (bodies, headers, serialised values); default 64 MiB. */
  maxBytes?: number;
}

interface Slot<V> {
  value: V;
  expiresAt: number;
  bytes: number;
}

/** The LRU + TTL core both caches share. */
export class LruTtl<V> {
  private readonly map = new Map<string, Slot<V>>();
  private bytes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): V | undefined {
    const slot = this.map.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt <= this.clock.now()) {
      this.remove(key, slot);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, slot);
    return slot.value;
  }

  set(key: string, value: V, ttlSeconds: number, bytes: number): void {
    const old = this.map.get(key);
    if (old) this.remove(key, old);
    // APIM requires a positive duration; anything else (or an entry larger than the cache) is not stored.
    if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds) || bytes > this.maxBytes) return;
    this.map.set(key, { value, expiresAt: this.clock.now() + ttlSeconds * 1000, bytes });
    this.bytes += bytes;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.map.entries().next();
      if (oldest.done) break;
      this.remove(oldest.value[0], oldest.value[1]);
    }
  }

  delete(key: string): void {
    const slot = this.map.get(key);
    if (slot) this.remove(key, slot);
  }

  get size(): number {
    return this.map.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  private remove(key: string, slot: Slot<V>): void {
    this.map.delete(key);
    this.bytes -= slot.bytes;
  }
}

export function responseSize(value: CachedResponse): number {
  let bytes = value.body.length + value.statusReason.length + 64;
  for (const [name, v] of value.headers) bytes += name.length + v.length + 16;
  return bytes;
}

export function createMemoryResponseCache(
  options: MemoryCacheOptions,
): ResponseCache & { get(key: string): CachedResponse | undefined; readonly size: number } {
  const lru = new LruTtl<CachedResponse>(options.clock, options.maxEntries ?? 10_000, options.maxBytes ?? 64 << 20);
  return {
    get: (key) => lru.get(key),
    set(key, value, ttlSeconds) {
      lru.set(key, value, ttlSeconds, responseSize(value));
    },
    get size() {
      return lru.size;
    },
  };
}

/**
 * Values are kept as JSON text: what comes back is a copy (a policy mutating it cannot change the
 * cache), and it is exactly what the Redis cache would return.
 */
export function createMemoryValueCache(options: MemoryCacheOptions): ValueCache & { get(key: string): unknown } {
  const lru = new LruTtl<string>(options.clock, options.maxEntries ?? 10_000, options.maxBytes ?? 64 << 20);
  return {
    get(key) {
      const text = lru.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    set(key, value, ttlSeconds) {
      const text = JSON.stringify(value);
      // undefined (or a function) has no JSON form: storing it is the same as deleting.
      if (text === undefined) lru.delete(key);
      else lru.set(key, text, ttlSeconds, text.length * 2 + key.length + 48);
    },
    delete(key) {
      lru.delete(key);
    },
  };
}
