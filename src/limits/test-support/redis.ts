// Shared by the Redis tests: a unique key prefix per run, cleanup, and a TCP proxy that can be
// cut and restored to simulate Redis going away and coming back on the same address.
import { randomUUID } from "node:crypto";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Redis } from "ioredis";
import { createRedisClient } from "../redis-client.js";

export const REDIS_URL = process.env.MOAT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function uniquePrefix(): string {
  return `moat-test:${process.pid}:${randomUUID().slice(0, 8)}:`;
}

export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== "0");
}

export function waitForReady(client: Redis): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve) => client.once("ready", () => resolve()));
}

/**
 * Resolves once the client has seen its connection close. After a proxy cut the status stays "ready"
 * until the socket's close event is processed, so waitForReady right after a cut can return early.
 */
export function waitForDisconnect(client: Redis): Promise<void> {
  if (client.status !== "ready") return Promise.resolve();
  return new Promise((resolve) => client.once("close", () => resolve()));
}

/** A client on the test Redis, ready for commands. */
export async function connectTestRedis(): Promise<Redis> {
  const client = createRedisClient({ url: REDIS_URL });
  await waitForReady(client);
  return client;
}

/** Deletes what a test run wrote under its prefix and disconnects. */
export async function cleanupTestRedis(client: Redis, prefix: string): Promise<void> {
  await deleteByPrefix(client, prefix);
  client.disconnect();
}

/**
 * A client that reaches the test Redis through a cuttable proxy, reconnecting quickly (50 ms) so
 * outage tests see recovery soon after `proxy.restore()`. Not yet ready: the test waits as it needs.
 */
export async function createProxiedTestRedis(): Promise<{ proxy: CuttableProxy; client: Redis }> {
  const target = new URL(REDIS_URL);
  const proxy = await createCuttableProxy(Number(target.port || 6379), target.hostname);
  const client = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}`, maxReconnectDelayMs: 50 });
  return { proxy, client };
}

export interface CuttableProxy {
  port: number;
  /** Stops accepting and drops every open connection. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function createCuttableProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection(targetPort, targetHost);
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        const address = s.address();
        if (address && typeof address === "object") port = address.port;
        server = s;
        resolve();
      });
    });
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    const s = server;
    server = undefined;
    if (s) await new Promise((resolve) => s.close(resolve));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: listen,
    close: stop,
  };
}
