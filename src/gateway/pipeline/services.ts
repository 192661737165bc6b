// PolicyServices of one gateway: the backend call of forward-request, outgoing HTTP for send-request
// and key fetches, logger sinks, custom metrics and certificates. Everything goes through the shared
// undici pools; configuration (backends, loggers, certificates) is read from the current snapshot.
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.js";
import {
  type CounterStore,
  type ForwardOptions,
  type MessageBody,
  type OutgoingHttpRequest,
  type OutgoingHttpResponse,
  type PolicyContext,
  PolicyError,
  type PolicyServices,
  type ResponseCache,
  type ValueCache,
} from "../../policy/types.js";
import type { BackendRoute } from "../config/backends.js";
import type { GatewaySnapshot } from "../config/types.js";
import { backendErrorAnswer, backendErrorReason } from "../errors.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import { captureExchange } from "../proxy/capture-exchange.js";
import type { CircuitBreakers } from "../proxy/circuit-breaker.js";
import type { Upstreams } from "../proxy/upstreams.js";
import { type BackendBase, backendHeaders, backendTarget, cachedBase } from "./backend-target.js";
import { GatewayContext } from "./context.js";

export interface ServicesDeps {
  readonly clock: Clock;
  readonly counters: CounterStore;
  readonly responseCache: ResponseCache;
  readonly valueCache: ValueCache;
  readonly upstreams: Upstreams;
  readonly breakers: CircuitBreakers;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly snapshot: () => GatewaySnapshot;
  /** Largest response body buffered for policies or send-request. */
  readonly maxBufferedBodyBytes: number;
}

const answerMessage = (answer: { body: Buffer }): string =>
  (JSON.parse(answer.body.toString()) as { message: string }).message;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

async function readLimited(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new PolicyError("forward-request", "ResponseTooLarge", `response body exceeds ${limit} bytes`, 502);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drains a redirect's body so its connection can be reused. */
async function discard(body: MessageBody): Promise<void> {
  const stream = body.stream as Readable | undefined;
  if (body.buffered || stream === undefined) return;
  await new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("error", () => resolve());
    stream.resume();
  });
}

export function createPolicyServices(deps: ServicesDeps): PolicyServices {
  const { clock, upstreams, breakers, metrics, logger } = deps;

  const forward = async (ctx: PolicyContext, options: ForwardOptions): Promise<void> => {
    const snap = deps.snapshot();
    let entity: BackendRoute | undefined;
    if (ctx.backend.backendId !== undefined) {
      entity = snap.backends.get(ctx.backend.backendId);
      if (entity === undefined)
        throw new PolicyError(
          "forward-request",
          "BackendNotFound",
          `backend "${ctx.backend.backendId}" does not exist`,
          500,
        );
      if (!breakers.allows(entity))
        throw new PolicyError("forward-request", "CircuitBreakerOpen", `backend "${entity.name}" is unavailable`, 503);
    }
    // ctx.request.url.path is the API-relative path (what rewrite-uri rewrites); the base URL comes
    // from set-backend-service (a backend entity or base-url) or the API's serviceUrl.
    const baseUrl = entity?.url ?? ctx.backend.url;
    if (baseUrl === "")
      throw new PolicyError("forward-request", "NoBackend", "the API has no backend service URL", 500);
    let base: BackendBase;
    try {
      base = cachedBase(baseUrl);
    } catch {
      throw new PolicyError("forward-request", "InvalidBackendUrl", `backend URL "${baseUrl}" is not a URL`, 500);
    }
    const origin = base.origin;
    let target = backendTarget(base, ctx);
    if (entity)
      for (const [k, v] of entity.query)
        target += `${target.includes("?") ? "&" : "?"}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
    const headers = backendHeaders(ctx, base.hostHeader);
    if (entity) {
      for (const [k, v] of entity.headers) headers.push(k, v);
      if (entity.authorization) headers.push("authorization", entity.authorization);
    }
    const reqBody = ctx.request.body;
    const body: Buffer | Readable | null = reqBody.buffered
      ? (reqBody.bytes ?? null)
      : ((reqBody.stream as Readable | undefined) ?? null);
    const pool = upstreams.pool(
      origin,
      entity ? { rejectUnauthorized: entity.rejectUnauthorized, checkServerName: entity.checkServerName } : undefined,
    );
    const started = clock.monotonic();
    let method = ctx.request.method;
    try {
      // buffer-response defaults to true in APIM; the bytes are the same either way, so the body is
      // only held in memory when a policy reads it (or the context cannot tell).
      const buffered = ctx instanceof GatewayContext ? ctx.needsResponseBody : options.bufferResponse;
      for (let hop = 0; ; hop++) {
        const r = await captureExchange(
          pool,
          {
            origin,
            path: target,
            method: method as "GET",
            headers,
            body: method === "GET" || method === "HEAD" ? null : body,
            headersTimeout: options.timeoutMs,
            bodyTimeout: options.timeoutMs,
          },
          buffered,
          deps.maxBufferedBodyBytes,
        );
        const location = r.headers.get("location")?.[0];
        if (options.followRedirects && REDIRECTS.has(r.statusCode) && location !== undefined && hop < MAX_REDIRECTS) {
          const next = new URL(location, `${origin}${target}`);
          if (next.origin === origin) {
            await discard(r.body);
            target = next.pathname + next.search;
            if (r.statusCode === 303) method = "GET";
            continue;
          }
          // Cross-origin redirects are returned to the client.
        }
        if (entity) breakers.record(entity, r.statusCode, Number(r.headers.get("retry-after")?.[0]) || undefined);
        ctx.response = r;
        if (ctx instanceof GatewayContext) ctx.backendMs = clock.monotonic() - started;
        return;
      }
    } catch (err) {
      if (err instanceof PolicyError) throw err;
      const reason = backendErrorReason(err);
      if (entity) breakers.record(entity, reason);
      metrics.upstreamError(ctx.api?.id ?? "", reason);
      const answer = backendErrorAnswer(err);
      // The client sees APIM's message; the socket-level detail stays in the cause (logs).
      throw new PolicyError("forward-request", reason, answerMessage(answer), answer.statusCode, { cause: err });
    }
  };

  const http = async (request: OutgoingHttpRequest): Promise<OutgoingHttpResponse> => {
    const u = new URL(request.url);
    const cc = request.clientCertificate;
    const pool = upstreams.pool(u.origin, {
      rejectUnauthorized: request.rejectUnauthorized !== false,
      checkServerName: request.rejectUnauthorized !== false,
      ...(cc ? { clientCertificate: cc } : {}),
    });
    const flat: string[] = [];
    for (const [k, v] of request.headers) flat.push(k, v);
    const r = await pool.request({
      origin: u.origin,
      path: u.pathname + u.search,
      method: request.method as "GET",
      headers: flat,
      body: request.body ?? null,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
    const body = await readLimited(r.body, deps.maxBufferedBodyBytes);
    const headers: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(r.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one]);
    }
    return { statusCode: r.statusCode, statusReason: "", headers, body };
  };

  return {
    clock,
    counters: deps.counters,
    responseCache: deps.responseCache,
    valueCache: deps.valueCache,
    forward,
    http,
    log(loggerId, message, partitionId) {
      const sink = deps.snapshot().loggers.get(loggerId);
      if (sink?.url === undefined) {
        logger.warn({ loggerId }, "log-to-eventhub: logger has no HTTP sink; event dropped");
        return;
      }
      const headers: Array<[string, string]> = [["content-type", "text/plain; charset=utf-8"], ...sink.headers];
      if (partitionId !== undefined) headers.push(["x-moat-partition-id", partitionId]);
      // Fire and forget, as Event Hubs delivery is in APIM: the request never waits for the sink.
      http({ url: sink.url, method: "POST", headers, body: message, timeoutMs: 10_000 }).then(
        (r) => {
          if (r.statusCode >= 300) logger.warn({ loggerId, status: r.statusCode }, "logger sink refused an event");
        },
        (err: Error) => logger.warn({ loggerId, err: err.message }, "logger sink unreachable; event dropped"),
      );
    },
    metric(name, value, dimensions, namespace) {
      metrics.custom(name, value, dimensions, namespace);
    },
    certificate(id) {
      return deps.snapshot().certificates.get(id);
    },
  };
}
