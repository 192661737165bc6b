// A shared PostgreSQL schema and Redis key prefix per test run, each behind a TCP proxy the test can
// cut and restore (the machine's servers are shared: they are never stopped), plus small clients
// for the management API and the gateway units.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Agent, fetch as undiciFetch } from "undici";
import { openApi } from "../../gateway/testing/harness.js";
import { createRedisClient } from "../../limits/redis-client.js";
import { type CuttableProxy, createCuttableProxy, deleteByPrefix, REDIS_URL } from "../../limits/test-support/redis.js";
import { quit } from "../limits-backend.js";

export const POSTGRES_URL = process.env.MOAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const ADMIN_KEY = "scale-test-admin-key-0123456789";
const API_VERSION = "2022-08-01";

export interface ClusterEnv {
  readonly schema: string;
  readonly keyPrefix: string;
  readonly pgProxy: CuttableProxy;
  readonly redisProxy: CuttableProxy;
  /** Store URL through the PostgreSQL proxy. */
  readonly storeUrl: string;
  /** Redis URL through the Redis proxy. */
  readonly redisUrl: string;
  tempDir(): string;
  close(): Promise<void>;
}

export async function createClusterEnv(tag: string): Promise<ClusterEnv> {
  const id = `${process.pid}_${randomUUID().slice(0, 8)}`;
  const schema = `moat_${tag}_${id}`.toLowerCase();
  const keyPrefix = `moat-test:${tag}:${id}:`;
  const pgTarget = new URL(POSTGRES_URL);
  const redisTarget = new URL(REDIS_URL);
  const pgProxy = await createCuttableProxy(Number(pgTarget.port || 5432), pgTarget.hostname);
  const redisProxy = await createCuttableProxy(Number(redisTarget.port || 6379), redisTarget.hostname);
  const storeUrl = new URL(POSTGRES_URL);
  storeUrl.host = `127.0.0.1:${pgProxy.port}`;
  storeUrl.searchParams.set("schema", schema);
  const redisUrl = new URL(REDIS_URL);
  redisUrl.host = `127.0.0.1:${redisProxy.port}`;
  const dirs: string[] = [];
  return {
    schema,
    keyPrefix,
    pgProxy,
    redisProxy,
    storeUrl: storeUrl.toString(),
    redisUrl: redisUrl.toString(),
    tempDir() {
      const dir = mkdtempSync(join(tmpdir(), "moat-scale-"));
      dirs.push(dir);
      return dir;
    },
    async close() {
      await pgProxy.close();
      await redisProxy.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await client.end();
      const redis = createRedisClient({ url: REDIS_URL, commandTimeoutMs: 2000 });
      await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
      await deleteByPrefix(redis, keyPrefix);
      await quit(redis);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ManagementClient {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export function managementClient(baseUrl: string): ManagementClient {
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  return {
    async call(method, path, body) {
      const sep = path.includes("?") ? "&" : "?";
      const res = await undiciFetch(`${baseUrl}${path}${sep}api-version=${API_VERSION}`, {
        method,
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed };
    },
    close: () => agent.close(),
  };
}

/** One GET through a gateway unit: status and one response header. */
export async function gatewayGet(
  port: number,
  path: string,
  header = "x-config",
): Promise<{ status: number; header: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  return { status: res.status, header: res.headers.get(header) };
}

export const policyXml = (inbound: string, outbound = "") =>
  `<policies><inbound><base />${inbound}</inbound><backend><base /></backend><outbound><base />${outbound}</outbound><on-error><base /></on-error></policies>`;

/** PUT body of an API on `serviceUrl` at path `name` that needs no subscription. */
export const openApiBody = (name: string, serviceUrl: string) => ({ properties: openApi(name, serviceUrl) });

/** PUT body of an operation answering every GET under its API. */
export const anyGetOperation = { properties: { displayName: "any", method: "GET", urlTemplate: "/*" } };
