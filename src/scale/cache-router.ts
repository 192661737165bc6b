// Response and value caches of a unit, routed by the `caches` resource: when the store holds an
// external cache for this unit's location (or a "default" one), lookups go to that Redis; otherwise
// to the deployment's own cache. The choice follows changes to the resource without a restart.
import type { StoredEntity } from "../model/resources.js";
import type { ResponseCache, ValueCache } from "../policy/types.js";
import type { ConfigStore } from "../store/contract.js";
import { type CacheChoice, parseCacheConnectionString, selectCacheFor } from "./cache-connection.js";

export interface ConnectedCache {
  readonly responseCache: ResponseCache;
  readonly valueCache: ValueCache;
  close(): Promise<void>;
}

export interface CacheRouterOptions {
  readonly store: ConfigStore;
  readonly location: string;
  /** The deployment's own caches (configured Redis or memory). */
  readonly fallback: { readonly responseCache: ResponseCache; readonly valueCache: ValueCache };
  /** Opens a cache on a redis:// URL (real units: a Redis client with the Redis caches). */
  readonly connect: (url: string) => ConnectedCache;
  readonly log: (level: "info" | "warn", message: string) => void;
  /** Retry period while the store cannot be read (default 1000 ms). */
  readonly retryMs?: number;
}

export interface CacheRouter {
  readonly responseCache: ResponseCache;
  readonly valueCache: ValueCache;
  /** Name of the cache entity in use, or undefined for the deployment's own cache. */
  readonly active: string | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createCacheRouter(options: CacheRouterOptions): CacheRouter {
  let external: { choice: CacheChoice; url: string; cache: ConnectedCache } | undefined;
  let response: ResponseCache = options.fallback.responseCache;
  let value: ValueCache = options.fallback.valueCache;
  let unwatch: (() => void) | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const apply = (caches: readonly StoredEntity[]): void => {
    const choice = selectCacheFor(caches, options.location);
    const parsed = choice ? parseCacheConnectionString(choice.connectionString) : undefined;
    if (choice && parsed && "error" in parsed)
      options.log("warn", `cache "${choice.name}" ignored: ${parsed.error}; using the deployment's own cache`);
    const url = parsed && "url" in parsed ? parsed.url : undefined;
    if (url === external?.url) return;
    const previous = external;
    if (choice && url) {
      external = { choice, url, cache: options.connect(url) };
      response = external.cache.responseCache;
      value = external.cache.valueCache;
      options.log("info", `using external cache "${choice.name}" (useFromLocation "${choice.useFromLocation}")`);
    } else {
      external = undefined;
      response = options.fallback.responseCache;
      value = options.fallback.valueCache;
      if (previous) options.log("info", "external cache removed; using the deployment's own cache");
    }
    previous?.cache.close().catch(() => undefined);
  };

  const reload = async (): Promise<void> => {
    if (closed) return;
    try {
      const { items } = await options.store.list("cache");
      if (!closed) apply(items);
    } catch {
      // Store unreachable: keep the current choice and look again shortly.
      if (retry === undefined && !closed) {
        retry = setTimeout(() => {
          retry = undefined;
          void reload();
        }, options.retryMs ?? 1000);
        retry.unref();
      }
    }
  };

  return {
    responseCache: {
      get: (key) => response.get(key),
      set: (key, v, ttl) => response.set(key, v, ttl),
    },
    valueCache: {
      get: (key) => value.get(key),
      set: (key, v, ttl) => value.set(key, v, ttl),
      delete: (key) => value.delete(key),
    },
    get active() {
      return external?.choice.name;
    },
    async start() {
      const snap = await options.store.snapshot();
      apply(snap.entities.filter((e) => e.kind === "cache"));
      unwatch = options.store.watch(snap.revision, (event) => {
        // "reset": the watcher fell behind the pruned change feed and must reload everything.
        if (event.kind === "cache" || event.op === "reset") void reload();
      });
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      unwatch?.();
      await external?.cache.close();
      external = undefined;
    },
  };
}
