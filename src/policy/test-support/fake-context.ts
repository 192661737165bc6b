// A PolicyContext and PolicyServices for tests without a server: in-memory counters and caches on a
// manual clock, recorded HTTP/log/metric calls, and a configurable backend for forward-request.
import type { Clock, ManualClock } from "../../core/clock.js";
import { createManualClock } from "../../core/clock.js";
import type {
  CachedResponse,
  CounterStore,
  ForwardOptions,
  OutgoingHttpRequest,
  OutgoingHttpResponse,
  PolicyContext,
  PolicyEnvironment,
  PolicyResponse,
  PolicyServices,
  RateLimitResult,
  RequestUrl,
} from "../types.js";

export interface FakeServices extends PolicyServices {
  readonly clock: ManualClock;
  readonly httpCalls: OutgoingHttpRequest[];
  readonly forwardCalls: ForwardOptions[];
  readonly logs: Array<{ loggerId: string; message: string; partitionId?: string }>;
  readonly metrics: Array<{ name: string; value: number; dimensions: Record<string, string>; namespace?: string }>;
  /** Answers send-request and key fetches; default 200 with an empty body. */
  httpHandler: (request: OutgoingHttpRequest) => OutgoingHttpResponse | Promise<OutgoingHttpResponse>;
  /** The backend for forward-request; default 200 "backend". */
  backend: (ctx: PolicyContext, options: ForwardOptions) => PolicyResponse | Promise<PolicyResponse>;
  readonly certificates: Map<string, { pfx?: Buffer; cert?: string; key?: string; passphrase?: string }>;
}

export function createMemoryCounters(clock: Clock): CounterStore {
  const windows = new Map<string, { start: number; count: number }>();
  const quotas = new Map<string, { start: number; calls: number; kilobytes: number }>();
  const slots = new Map<string, number>();
  return {
    hit(key, limit, windowMs, increment = 1): RateLimitResult {
      const now = clock.now();
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      const retryAfterMs = w.start + windowMs - now;
      if (w.count + increment > limit && increment > 0) {
        return { allowed: false, count: w.count, remaining: Math.max(0, limit - w.count), retryAfterMs };
      }
      w.count += increment;
      return { allowed: true, count: w.count, remaining: Math.max(0, limit - w.count), retryAfterMs };
    },
    quota(key, limits, usage): RateLimitResult {
      const now = clock.now();
      const origin = limits.firstPeriodStartMs ?? 0;
      const periodStart = origin + Math.floor((now - origin) / limits.periodMs) * limits.periodMs;
      let q = quotas.get(key);
      if (!q || q.start !== periodStart) {
        q = { start: periodStart, calls: 0, kilobytes: 0 };
        quotas.set(key, q);
      }
      const retryAfterMs = Math.min(periodStart + limits.periodMs - now, Number.MAX_SAFE_INTEGER);
      const overCalls = limits.calls !== undefined && usage.calls > 0 && q.calls + usage.calls > limits.calls;
      const overKb = limits.kilobytes !== undefined && q.kilobytes >= limits.kilobytes && usage.calls > 0;
      if (overCalls || overKb) {
        return { allowed: false, count: q.calls, remaining: Math.max(0, (limits.calls ?? 0) - q.calls), retryAfterMs };
      }
      q.calls += usage.calls;
      q.kilobytes += usage.kilobytes;
      return {
        allowed: true,
        count: q.calls,
        remaining: Math.max(0, (limits.calls ?? Number.MAX_SAFE_INTEGER) - q.calls),
        retryAfterMs,
      };
    },
    acquire(key, max) {
      const used = slots.get(key) ?? 0;
      if (used >= max) return false;
      slots.set(key, used + 1);
      return true;
    },
    release(key) {
      slots.set(key, Math.max(0, (slots.get(key) ?? 0) - 1));
    },
  };
}

export function createFakeServices(startMs = Date.UTC(2026, 0, 1)): FakeServices {
  const clock = createManualClock(startMs);
  const responses = new Map<string, { value: CachedResponse; expires: number }>();
  const values = new Map<string, { value: unknown; expires: number }>();
  const services: FakeServices = {
    clock,
    counters: createMemoryCounters(clock),
    responseCache: {
      get: (key) => {
        const e = responses.get(key);
        return e && e.expires > clock.now() ? e.value : undefined;
      },
      set: (key, value, ttl) => {
        responses.set(key, { value, expires: clock.now() + ttl * 1000 });
      },
    },
    valueCache: {
      get: (key) => {
        const e = values.get(key);
        return e && e.expires > clock.now() ? e.value : undefined;
      },
      set: (key, value, ttl) => {
        values.set(key, { value, expires: clock.now() + ttl * 1000 });
      },
      delete: (key) => {
        values.delete(key);
      },
    },
    httpCalls: [],
    forwardCalls: [],
    logs: [],
    metrics: [],
    certificates: new Map(),
    httpHandler: () => ({ statusCode: 200, statusReason: "OK", headers: [], body: Buffer.alloc(0) }),
    backend: () => ({
      statusCode: 200,
      statusReason: "OK",
      headers: new Map([["content-type", ["text/plain"]]]),
      body: { buffered: true, bytes: Buffer.from("backend") },
    }),
    async forward(ctx, options) {
      services.forwardCalls.push(options);
      ctx.response = await services.backend(ctx, options);
    },
    async http(request) {
      services.httpCalls.push(request);
      return services.httpHandler(request);
    },
    log(loggerId, message, partitionId) {
      services.logs.push({ loggerId, message, partitionId });
    },
    metric(name, value, dimensions, namespace) {
      services.metrics.push({ name, value, dimensions, namespace });
    },
    certificate: (id) => services.certificates.get(id),
  };
  return services;
}

export interface FakeRequest {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  ipAddress?: string;
  matchedParameters?: Record<string, string>;
  /** The request's abort signal (the client going away); default never aborts. */
  signal?: AbortSignal;
}

export function parseRequestUrl(text: string): RequestUrl {
  const u = new URL(text);
  const query = new Map<string, string[]>();
  for (const [k, v] of u.searchParams) query.set(k, [...(query.get(k) ?? []), v]);
  const scheme = u.protocol.replace(":", "");
  return {
    scheme,
    host: u.hostname,
    port: u.port ? Number(u.port) : scheme === "https" ? 443 : 80,
    path: decodeURIComponent(u.pathname),
    query,
  };
}

/** A context for one request; `services` defaults to fresh fakes. */
export function createFakeContext(
  request: FakeRequest = {},
  services: FakeServices = createFakeServices(),
): PolicyContext {
  const headers = new Map<string, string[]>();
  for (const [k, v] of Object.entries(request.headers ?? {})) headers.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  const url = request.url ?? "https://gateway.test/echo/resource";
  const bytes = request.body === undefined ? undefined : Buffer.from(request.body);
  return {
    requestId: "00000000-0000-4000-8000-000000000001",
    timestamp: services.clock.now(),
    request: {
      method: request.method ?? "GET",
      url: parseRequestUrl(url),
      originalUrl: parseRequestUrl(url),
      headers,
      body: { buffered: true, bytes },
      ipAddress: request.ipAddress ?? "10.0.0.5",
      matchedParameters: new Map(Object.entries(request.matchedParameters ?? {})),
    },
    response: undefined,
    variables: new Map(),
    api: {
      id: "echo-api",
      name: "Echo API",
      path: "echo",
      protocols: ["https"],
      serviceUrl: "http://backend.test",
      subscriptionKeyParameterNames: { header: "Ocp-Apim-Subscription-Key", query: "subscription-key" },
      isCurrentRevision: true,
      revision: "1",
      version: "",
    },
    operation: { id: "get-resource", name: "Get resource", method: "GET", urlTemplate: "/resource" },
    product: {
      id: "starter",
      name: "Starter",
      approvalRequired: false,
      subscriptionRequired: true,
      subscriptionLimit: undefined,
      state: "published",
      groups: [],
      apis: [],
    },
    subscription: {
      id: "sub-1",
      name: "Sub 1",
      key: "key-1",
      primaryKey: "key-1",
      secondaryKey: "key-2",
      createdDate: undefined,
      startDate: undefined,
      endDate: undefined,
    },
    user: {
      id: "user-1",
      email: "dev@example.test",
      firstName: "Dev",
      lastName: "Eloper",
      note: undefined,
      registrationDate: undefined,
      groups: [{ id: "developers", name: "Developers" }],
    },
    deployment: { gatewayId: "moat-test", region: "local", serviceName: "moat" },
    lastError: undefined,
    backend: { url: "http://backend.test" },
    tracing: true,
    trace: [],
    services,
    signal: request.signal ?? new AbortController().signal,
  };
}

export function emptyEnvironment(overrides: Partial<PolicyEnvironment> = {}): PolicyEnvironment {
  return { namedValues: new Map(), fragments: new Map(), backendIds: new Set(), loggerIds: new Set(), ...overrides };
}

export function bodyOf(response: PolicyResponse | undefined): string {
  return response?.body.bytes?.toString("utf8") ?? "";
}
