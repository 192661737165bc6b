// ResponseCache and ValueCache on Redis. Entries expire through Redis (PX), under
// `${prefix}rc:` / `${prefix}vc:`. While Redis is unreachable the caches are bypassed: get answers
// undefined and set does nothing, so the gateway goes to the backend instead of failing.
import type { Redis } from "ioredis";
import type { CachedResponse, ResponseCache, ValueCache } from "../policy/types.js";
import { createHealthTracker, type HealthTracker, type RedisFailureOptions } from "./redis-health.js";

export interface RedisCacheOptions extends Pick<RedisFailureOptions, "onStateChange"> {
  client: Redis;
  prefix?: string;
  /** Largest entry stored, in bytes (default 4 MiB); larger responses are not cached. */
  maxEntryBytes?: number;
}

/**
 * Wire format of a cached response: 4-byte big-endian length of a JSON header
 * `[statusCode, statusReason, headers]`, the header, then the raw body (no base64 inflation).
 */
export function encodeResponse(value: CachedResponse): Buffer {
  const head = Buffer.from(JSON.stringify([value.statusCode, value.statusReason, value.headers]));
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(head.length, 0);
  return Buffer.concat([length, head, value.body]);
}

export function decodeResponse(buffer: Buffer): CachedResponse | undefined {
  if (buffer.length < 4) return undefined;
  const headLength = buffer.readUInt32BE(0);
  if (4 + headLength > buffer.length) return undefined;
  try {
    const head: unknown = JSON.parse(buffer.subarray(4, 4 + headLength).toString("utf8"));
    if (!Array.isArray(head) || typeof head[0] !== "number" || typeof head[1] !== "string" || !Array.isArray(head[2])) {
      return undefined;
    }
    return {
      statusCode: head[0],
      statusReason: head[1],
      headers: head[2] as Array<[string, string]>,
      body: Buffer.from(buffer.subarray(4 + headLength)),
    };
  } catch {
    // Not ours (or corrupted): a miss, never an error on the request path.
    return undefined;
  }
}

function ttlMs(ttlSeconds: number): number | undefined {
  return ttlSeconds > 0 && Number.isFinite(ttlSeconds) ? Math.max(1, Math.round(ttlSeconds * 1000)) : undefined;
}

/**
 * The bypass rule in one place: a Redis call that fails marks Redis down and yields `fallback`; one
 * that succeeds marks it up. Cache calls never throw into the request.
 */
function bypassing(health: HealthTracker) {
  return async <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      const value = await work();
      health.ok();
      return value;
    } catch (error) {
      health.failed(error);
      return fallback;
    }
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not ours (or corrupted): a miss.
    return undefined;
  }
}

export function createRedisResponseCache(options: RedisCacheOptions): ResponseCache & { isHealthy(): boolean } {
  const { client } = options;
  const prefix = `${options.prefix ?? "moat:"}rc:`;
  const maxBytes = options.maxEntryBytes ?? 4 << 20;
  const health = createHealthTracker(options);
  const guard = bypassing(health);
  return {
    async get(key) {
      const buffer = await guard(() => client.getBuffer(prefix + key), null);
      return buffer ? decodeResponse(buffer) : undefined;
    },
    async set(key, value, ttlSeconds) {
      const ms = ttlMs(ttlSeconds);
      const encoded = encodeResponse(value);
      // An entry that cannot be stored still replaces the old one, as in the memory cache.
      await guard<unknown>(
        () =>
          ms === undefined || encoded.length > maxBytes
            ? client.del(prefix + key)
            : client.set(prefix + key, encoded, "PX", ms),
        undefined,
      );
    },
    isHealthy: () => health.isUp(),
  };
}

export function createRedisValueCache(options: RedisCacheOptions): ValueCache & { isHealthy(): boolean } {
  const { client } = options;
  const prefix = `${options.prefix ?? "moat:"}vc:`;
  const maxBytes = options.maxEntryBytes ?? 4 << 20;
  const health = createHealthTracker(options);
  const guard = bypassing(health);
  return {
    async get(key) {
      return parseJson(await guard(() => client.get(prefix + key), null));
    },
    async set(key, value, ttlSeconds) {
      const text = JSON.stringify(value);
      const ms = ttlMs(ttlSeconds);
      const tooBig = text === undefined || ms === undefined || Buffer.byteLength(text) > maxBytes;
      await guard<unknown>(
        () => (tooBig ? client.del(prefix + key) : client.set(prefix + key, text, "PX", ms)),
        undefined,
      );
    },
    async delete(key) {
      await guard(() => client.del(prefix + key), undefined);
    },
    isHealthy: () => health.isUp(),
  };
}
