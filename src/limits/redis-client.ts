// An ioredis client configured for the data plane: commands fail fast while disconnected (so a
// Redis outage turns into the stores' fail mode at once, instead of requests queueing), every
// command has a deadline, and the connection keeps retrying in the background until Redis returns.
import { Redis, type RedisOptions } from "ioredis";

export interface RedisClientOptions {
  /** redis://[:password@]host:port[/db] */
  url: string;
  /** Deadline per command (default 250 ms). */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts (default 2000 ms). */
  maxReconnectDelayMs?: number;
  /** Extra ioredis options (TLS, username, …). */
  extra?: RedisOptions;
}

export function createRedisClient(options: RedisClientOptions): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), maxDelay),
    // Pipeline the many small commands of concurrent requests into fewer writes. (The exact store's
    // rate hits are batched by the store itself and bypass this: see runScript's `direct`.)
    enableAutoPipelining: true,
    ...options.extra,
  });
  // Connection errors surface through the stores' onStateChange; an unhandled 'error' event would crash.
  client.on("error", () => undefined);
  return client;
}
