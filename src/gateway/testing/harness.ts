// Test harness for the gateway: a real SQLite store in memory, a real upstream on node:http, the
// gateway on port 0. Used by the gateway's *.test.ts files and the benchmark script.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { ResourceKind } from "../../model/resources.js";
import {
  CONTINUE,
  type CounterStore,
  type Pipeline,
  type PolicyContext,
  type RateLimitResult,
  type ResponseCache,
  type ValueCache,
} from "../../policy/types.js";
import type { ConfigStore } from "../../store/contract.js";
import { createSqliteStore } from "../../store/sqlite/sqlite-store.js";
import { createGateway, type Gateway, type GatewayOptions } from "../gateway.js";
import type { PolicyEngine } from "../policy-engine.js";

export type Seed = ReadonlyArray<readonly [ResourceKind, string, Record<string, unknown>]>;

/** Properties of an API at path `name` on `serviceUrl`, over HTTP, that needs no subscription. */
export const openApi = (name: string, serviceUrl: string, extra: Record<string, unknown> = {}) => ({
  displayName: name,
  path: name,
  serviceUrl,
  protocols: ["http"],
  subscriptionRequired: false,
  ...extra,
});

export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Echoes method, url, headers and body as JSON, unless `handler` answers. */
export async function startUpstream(
  handler?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<Upstream> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (handler) return handler(req, res, body);
      const json = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString() });
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Counters and caches in memory, for tests that do not exercise limits. */
export function createTestCounters(): CounterStore {
  const windows = new Map<string, { start: number; count: number }>();
  const slots = new Map<string, number>();
  return {
    hit(key, limit, windowMs, increment = 1): RateLimitResult {
      const now = Date.now();
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      const allowed = w.count + increment <= limit;
      if (allowed) w.count += increment;
      return {
        allowed,
        count: w.count,
        remaining: Math.max(0, limit - w.count),
        retryAfterMs: w.start + windowMs - now,
      };
    },
    quota(key, limits, usage) {
      return this.hit(key, limits.calls ?? Number.MAX_SAFE_INTEGER, limits.periodMs, usage.calls) as RateLimitResult;
    },
    acquire(key, max) {
      const n = slots.get(key) ?? 0;
      if (n >= max) return false;
      slots.set(key, n + 1);
      return true;
    },
    release(key) {
      slots.set(key, Math.max(0, (slots.get(key) ?? 1) - 1));
    },
  };
}

export function createTestCaches(): { responseCache: ResponseCache; valueCache: ValueCache } {
  const responses = new Map<string, ReturnType<ResponseCache["get"]>>();
  const values = new Map<string, unknown>();
  return {
    responseCache: { get: (k) => responses.get(k) as never, set: (k, v) => void responses.set(k, v) },
    valueCache: {
      get: (k) => values.get(k),
      set: (k, v) => void values.set(k, v),
      delete: (k) => void values.delete(k),
    },
  };
}

/**
 * A tiny policy engine for tests that exercise the gateway's pipeline path without the XML engine:
 * any non-default document compiles to "add x-pipeline to the request, forward, add x-outbound".
 * A document containing "<return-response" answers 299 without calling the backend.
 */
export const testEngine: PolicyEngine = {
  defaultGlobalPolicy: "<policies><inbound /><backend><forward-request /></backend><outbound /><on-error /></policies>",
  compilePipeline(docs) {
    const text = [docs.global, docs.product, docs.api, docs.operation].join("");
    const respond = text.includes("<return-response");
    const pipeline: Pipeline = {
      inbound: (ctx) => {
        ctx.request.headers.set("x-pipeline", [ctx.product?.id ?? "none"]);
        return CONTINUE;
      },
      backend: (ctx) =>
        respond
          ? CONTINUE
          : ctx.services
              .forward(ctx, {
                timeoutMs: 2000,
                followRedirects: false,
                bufferRequestBody: false,
                bufferResponse: false,
                failOnErrorStatusCode: false,
              })
              .then(() => CONTINUE),
      outbound: (ctx) => {
        if (respond)
          ctx.response = {
            statusCode: 299,
            statusReason: "Custom",
            headers: new Map([["content-type", ["text/plain"]]]),
            body: { buffered: true, bytes: Buffer.from("from policy") },
          };
        ctx.response?.headers.set("x-outbound", ["1"]);
        return CONTINUE;
      },
      onError: () => CONTINUE,
      needsRequestBody: false,
      needsResponseBody: false,
    };
    return { pipeline, diagnostics: [] };
  },
  async runPipeline(pipeline: Pipeline, ctx: PolicyContext) {
    await pipeline.inbound(ctx);
    await pipeline.backend(ctx);
    await pipeline.outbound(ctx);
  },
};

export interface TestGateway {
  readonly gateway: Gateway;
  readonly store: ConfigStore;
  /** http://127.0.0.1:port of the first listener. */
  readonly url: string;
  close(): Promise<void>;
}

export async function seedStore(store: ConfigStore, seed: Seed): Promise<void> {
  for (const [kind, id, props] of seed) await store.put(kind, id, props);
}

export async function startTestGateway(seed: Seed, options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const store = await createSqliteStore({ path: ":memory:" });
  await seedStore(store, seed);
  const caches = createTestCaches();
  const gateway = createGateway({
    store,
    engine: testEngine,
    logger: pino({ level: "silent" }),
    counters: createTestCounters(),
    responseCache: caches.responseCache,
    valueCache: caches.valueCache,
    addresses: [{ host: "127.0.0.1", port: 0 }],
    debounceMs: 5,
    ...options,
  });
  const bound = await gateway.listen();
  const first = bound[0];
  if (!first) throw new Error("gateway did not bind");
  return {
    gateway,
    store,
    url: `http://127.0.0.1:${first.port}`,
    async close() {
      await gateway.close();
      await store.close();
    },
  };
}
