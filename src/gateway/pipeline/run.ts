// The pipeline path of a request: build the PolicyContext, buffer the request body only when a
// policy reads it, run the compiled pipeline, then write whatever response it left in the context.
import type { Readable } from "node:stream";
import { type ForwardOptions, type Pipeline, PolicyError, type RequestUrl } from "../../policy/types.js";
import type { GatewaySnapshot } from "../config/types.js";
import {
  backendErrorAnswer,
  backendErrorReason,
  type ErrorAnswer,
  INTERNAL_ERROR,
  PAYLOAD_TOO_LARGE,
} from "../errors.js";
import { streamExchange } from "../proxy/stream-exchange.js";
import type { ClientRequest, ClientResponse } from "../server/client.js";
import { rawHeader } from "../server/cors.js";
import type { HandlerDeps, Resolved } from "../server/handler.js";
import { requestHasBody } from "../server/handler.js";
import { sendError, sendPolicyResponse } from "../server/respond.js";
import { type BackendBase, backendHeaders, backendTarget, cachedBase } from "./backend-target.js";
import { GatewayContext, headerMapFromRaw } from "./context.js";

export interface PipelineRun {
  snap: GatewaySnapshot;
  pipeline: Pipeline;
  resolved: Resolved;
  req: ClientRequest;
  res: ClientResponse;
  requestId: string;
  secure: boolean;
  extraHeaders: readonly string[];
}

export interface PipelineOutcome {
  statusCode: number;
  backendMs: number | undefined;
  error: unknown;
}

class BodyTooLarge extends Error {}

function readBody(req: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

const errorAnswer = (statusCode: number, message: string): ErrorAnswer => ({
  statusCode,
  body: Buffer.from(JSON.stringify({ statusCode, message })),
});

export async function runPolicyPipeline(deps: HandlerDeps, run: PipelineRun): Promise<PipelineOutcome> {
  const { req, res, resolved, pipeline, snap } = run;
  const raw = req.rawHeaders;
  const stream = requestHasBody(raw) ? req.body : undefined;
  const hasBody = stream !== undefined;
  let bytes: Buffer | undefined;
  if (hasBody && pipeline.needsRequestBody) {
    try {
      bytes = await readBody(stream, deps.maxBufferedBodyBytes);
    } catch (err) {
      const answer =
        err instanceof BodyTooLarge ? PAYLOAD_TOO_LARGE : errorAnswer(400, "Request body could not be read");
      sendError(res, answer, run.extraHeaders);
      return { statusCode: answer.statusCode, backendMs: undefined, error: err };
    }
  }
  const api = resolved.api;
  const backend = api.backend;
  const hostHeader = rawHeader(raw, "host") ?? "";
  const colon = hostHeader.lastIndexOf(":");
  const clientHost = colon > 0 && !hostHeader.endsWith("]") ? hostHeader.slice(0, colon) : hostHeader;
  const clientPort = colon > 0 ? Number(hostHeader.slice(colon + 1)) || (run.secure ? 443 : 80) : run.secure ? 443 : 80;
  const originalUrl: RequestUrl = Object.freeze({
    scheme: run.secure ? "https" : "http",
    host: clientHost,
    port: clientPort,
    path: resolved.path,
    query: new Map(resolved.query),
  });
  const url: RequestUrl = backend
    ? {
        scheme: backend.scheme,
        host: backend.host,
        port: backend.port,
        // API-relative: forward-request appends it to the backend base URL (rewrite-uri rewrites it).
        path: resolved.remainder === "" ? "/" : resolved.remainder,
        query: new Map(resolved.query),
      }
    : { ...originalUrl, query: new Map(resolved.query) };
  const access = resolved.access;
  const ctx = new GatewayContext({
    requestId: run.requestId,
    timestamp: deps.clock.now(),
    req,
    res,
    method: req.method,
    originalUrl,
    url,
    headers: headerMapFromRaw(raw),
    body:
      bytes !== undefined
        ? { buffered: true, bytes }
        : { buffered: false, bytes: undefined, ...(hasBody ? { stream } : {}) },
    ipAddress: req.remoteAddress ?? "",
    matchedParameters: resolved.operation.params,
    api: api.info,
    operation: resolved.operation.value.info,
    product: access.product?.info,
    subscription: access.subscription,
    user: access.user,
    deployment: snap.deployment,
    backendUrl: backend?.url ?? "",
    services: deps.services,
    tracing: false,
    needsResponseBody: pipeline.needsResponseBody,
  });

  const engine = deps.engine;
  try {
    if (pipeline.streamThrough !== undefined && engine.runInbound && engine.runAfterInbound) {
      const inbound = engine.runInbound(pipeline, ctx);
      if (inbound === true || (inbound !== false && (await inbound))) {
        const base = streamableBase(ctx, engine);
        if (base !== undefined) return streamThrough(deps, run, ctx, base, pipeline.streamThrough);
        await engine.runAfterInbound(pipeline, ctx);
      }
    } else {
      const ran = engine.runPipeline(pipeline, ctx);
      if (ran !== undefined) await ran;
    }
  } catch (err) {
    // The engine routes step failures to on-error; what escapes is answered here.
    let answer: ErrorAnswer = INTERNAL_ERROR;
    if (err instanceof PolicyError) {
      answer =
        err.source === "forward-request" && err.cause !== undefined
          ? backendErrorAnswer(err.cause)
          : errorAnswer(err.statusCode, err.statusCode >= 500 ? "Internal server error" : err.message);
    } else deps.logger.error({ requestId: run.requestId, err }, "policy pipeline threw");
    if (hasBody && !req.complete) req.discardBody();
    sendError(res, answer, run.extraHeaders);
    return { statusCode: answer.statusCode, backendMs: ctx.backendMs, error: err };
  }

  const response = ctx.response ?? {
    // No forward-request and no return-response: APIM answers 200 with an empty body.
    statusCode: 200,
    statusReason: "OK",
    headers: new Map(),
    body: { buffered: true, bytes: Buffer.alloc(0) },
  };
  if (hasBody && !req.complete) req.discardBody();
  return new Promise((resolve) => {
    sendPolicyResponse(res, response, run.extraHeaders, (err) => {
      if (err && !res.headersSent) sendError(res, INTERNAL_ERROR, run.extraHeaders);
      else if (err) res.destroy();
      resolve({
        statusCode: err && !res.headersSent ? 500 : response.statusCode,
        backendMs: ctx.backendMs,
        // When on-error answered, the access log still says why (APIM's LastError).
        error: err ?? (ctx.lastError === undefined ? undefined : describeLastError(ctx.lastError)),
      });
    });
  });
}

/**
 * The backend base when the request can be streamed straight through: still aimed at a plain base URL
 * (no backend entity, client certificate or proxy chosen by a policy) with nothing waiting for a
 * PolicyResponse. Otherwise the backend step runs as usual (and reports any problem with the URL).
 */
function streamableBase(ctx: GatewayContext, engine: HandlerDeps["engine"]): BackendBase | undefined {
  const b = ctx.backend;
  if (b.backendId !== undefined || b.clientCertificate !== undefined || b.proxy !== undefined) return undefined;
  if (ctx.response !== undefined || b.url === "" || engine.hasPendingWork?.(ctx) !== false) return undefined;
  try {
    return cachedBase(b.url);
  } catch {
    return undefined;
  }
}

/** forward-request without a PolicyResponse: the backend's answer is piped to the client as it comes. */
function streamThrough(
  deps: HandlerDeps,
  run: PipelineRun,
  ctx: GatewayContext,
  base: BackendBase,
  options: ForwardOptions,
): Promise<PipelineOutcome> {
  const request = ctx.request;
  const method = request.method;
  const body = method === "GET" || method === "HEAD" ? null : request.body;
  const started = deps.clock.monotonic();
  return new Promise((resolve) => {
    streamExchange({
      dispatcher: deps.upstreams.pool(base.origin),
      origin: base.origin,
      path: backendTarget(base, ctx),
      method,
      headers: backendHeaders(ctx, base.hostHeader),
      body:
        body === null ? null : body.buffered ? (body.bytes ?? null) : ((body.stream as Readable | undefined) ?? null),
      timeoutMs: options.timeoutMs,
      req: run.req,
      res: run.res,
      extraHeaders: run.extraHeaders,
      sendError,
      done: (result) => {
        if (result.error !== undefined && result.answer !== undefined)
          deps.metrics.upstreamError(ctx.api.id, backendErrorReason(result.error));
        const backendMs = deps.clock.monotonic() - started;
        resolve({ statusCode: result.statusCode, backendMs, error: result.error });
      },
    });
  });
}

function describeLastError(e: { source: string; reason: string; message: string; section: string }): string {
  return `${e.source}${e.reason ? `/${e.reason}` : ""} in ${e.section}: ${e.message}`;
}
