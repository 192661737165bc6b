// A fake PolicyContext for expression tests: a request with headers/query/body, optional response,
// variables, entities and a manual clock. Only what expressions read is real; I/O ports throw.
import { createManualClock } from "../../core/clock.js";
import type { HeaderMap, PolicyContext, PolicyResponse, PolicyServices } from "../types.js";
import { findExpressionEnd } from "./extent.js";

export interface FakeContextOptions {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  response?: { statusCode?: number; statusReason?: string; headers?: Record<string, string | string[]>; body?: string };
  variables?: Record<string, unknown>;
  matchedParameters?: Record<string, string>;
  nowMs?: number;
  timestampMs?: number;
  withEntities?: boolean;
  requestId?: string;
}

export function headerMap(headers: Record<string, string | string[]> = {}): HeaderMap {
  return new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));
}

export function fakeResponse(options: NonNullable<FakeContextOptions["response"]>): PolicyResponse {
  return {
    statusCode: options.statusCode ?? 200,
    statusReason: options.statusReason ?? "OK",
    headers: headerMap(options.headers),
    body: { buffered: true, bytes: options.body === undefined ? undefined : Buffer.from(options.body) },
  };
}

function unavailable(): never {
  throw new Error("not available in expression tests");
}

export function fakeContext(options: FakeContextOptions = {}): PolicyContext {
  const u = new URL(options.url ?? "https://api.contoso.com/echo/resource?param1=value1&a=1&a=2");
  const query = new Map<string, string[]>();
  for (const [k, v] of u.searchParams) query.set(k, [...(query.get(k) ?? []), v]);
  const url = {
    scheme: u.protocol.replace(":", ""),
    host: u.hostname,
    port: u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80,
    path: u.pathname,
    query,
  };
  const clock = createManualClock(options.nowMs ?? Date.UTC(2026, 10, 27, 20, 0, 0, 123));
  const services: PolicyServices = {
    clock,
    counters: { hit: unavailable, quota: unavailable, acquire: unavailable, release: unavailable },
    responseCache: { get: unavailable, set: unavailable },
    valueCache: { get: unavailable, set: unavailable, delete: unavailable },
    forward: unavailable,
    http: unavailable,
    log: unavailable,
    metric: unavailable,
    certificate: unavailable,
  };
  const entities = options.withEntities !== false;
  return {
    requestId: options.requestId ?? "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    timestamp: options.timestampMs ?? Date.UTC(2026, 10, 27, 19, 59, 59, 0),
    request: {
      method: options.method ?? "GET",
      url,
      originalUrl: { ...url, query: new Map(query) },
      headers: headerMap(options.headers),
      body: { buffered: true, bytes: options.body === undefined ? undefined : Buffer.from(options.body) },
      ipAddress: "10.0.0.4",
      matchedParameters: new Map(Object.entries(options.matchedParameters ?? {})),
    },
    response: options.response ? fakeResponse(options.response) : undefined,
    variables: new Map(Object.entries(options.variables ?? {})),
    api: entities
      ? {
          id: "echo-api",
          name: "Echo API",
          path: "echo",
          protocols: ["https"],
          serviceUrl: "http://backend.internal:8080/api",
          subscriptionKeyParameterNames: { header: "Ocp-Apim-Subscription-Key", query: "subscription-key" },
          isCurrentRevision: true,
          revision: "1",
          version: "v1",
        }
      : undefined,
    operation: entities
      ? { id: "get-resource", name: "Get resource", method: "GET", urlTemplate: "/resource" }
      : undefined,
    product: entities
      ? {
          id: "starter",
          name: "Starter",
          approvalRequired: false,
          subscriptionRequired: true,
          subscriptionLimit: 1,
          state: "published",
          groups: [],
          apis: [],
        }
      : undefined,
    subscription: entities
      ? {
          id: "sub-1",
          name: "Subscription 1",
          key: "key-1",
          primaryKey: "key-1",
          secondaryKey: "key-2",
          createdDate: "2026-01-01T00:00:00Z",
          startDate: undefined,
          endDate: undefined,
        }
      : undefined,
    user: entities
      ? {
          id: "user-1",
          email: "ada@contoso.com",
          firstName: "Ada",
          lastName: "Lovelace",
          note: undefined,
          registrationDate: undefined,
          groups: [{ id: "developers", name: "Developers" }],
        }
      : undefined,
    deployment: { gatewayId: "moat-1", region: "West US", serviceName: "moat-apim" },
    lastError: undefined,
    backend: { url: "http://backend.internal:8080/api" },
    tracing: true,
    trace: [],
    services,
    signal: new AbortController().signal,
  };
}

export interface FoundExpression {
  file: string;
  line: number;
  column: number;
  source: string;
}

const ENTITIES: Record<string, string> = { "&quot;": '"', "&apos;": "'", "&lt;": "<", "&gt;": ">", "&amp;": "&" };

/** Expressions start an attribute value (after =" or =') or an element's text (after >). */
export function extractExpressions(file: string, xml: string): FoundExpression[] {
  // Entities never span lines, so line numbers survive decoding; named values become a constant
  // the way the policy compiler substitutes them before compiling expressions.
  const text = xml.replace(/&(quot|apos|lt|gt|amp);/g, (m) => ENTITIES[m]!).replace(/\{\{[^{}]+\}\}/g, "1");
  const found: FoundExpression[] = [];
  const start = /(?:=\s*["']\s*|>\s*)(@[({])/g;
  for (let m = start.exec(text); m !== null; m = start.exec(text)) {
    const at = m.index + m[0].length - 2;
    let end = findExpressionEnd(text, at);
    if (end === undefined) {
      const nl = text.indexOf("\n", at);
      end = nl < 0 ? text.length : nl;
    }
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    found.push({ file, line, column, source: text.slice(at, end) });
  }
  return found;
}
