// The request lifecycle (docs in src/gateway/README.md):
//   health / CORS preflight → API by path → operation by method+template → subscription key →
//   pipeline for (api, operation, product) → fast path (stream straight to the backend) or policy
//   pipeline (inbound → backend → outbound, on-error) → answer → metrics + access log.
// Everything configuration-derived comes from the current GatewaySnapshot; per request there is no
// parsing of configuration, only a few map lookups.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.js";
import { CONTINUE, type Pipeline, type PolicyServices, type Step } from "../../policy/types.js";
import { decideAccess } from "../config/access.js";
import type { OperationMatch } from "../config/operation-matcher.js";
import { splitPath } from "../config/route-table.js";
import type { AccessGranted, ApiRoute, GatewaySnapshot, OperationRoute } from "../config/types.js";
import { INTERNAL_ERROR, INVALID_KEY, MISSING_KEY, NOT_FOUND } from "../errors.js";
import { redactUrl, writeAccessLog } from "../observability/access-log.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import { parseQuery } from "../pipeline/context.js";
import { type PipelineRun, runPolicyPipeline } from "../pipeline/run.js";
import type { PolicyEngine } from "../policy-engine.js";
import { forwardRequestHeaders } from "../proxy/headers.js";
import { type ExchangeResult, streamExchange } from "../proxy/stream-exchange.js";
import type { Upstreams } from "../proxy/upstreams.js";
import type { ClientRequest, ClientResponse } from "./client.js";
import { type PortalCors, rawHeader } from "./cors.js";
import { sendEmpty, sendError } from "./respond.js";

const NOOP_STEP: Step = () => CONTINUE;

export const HEALTH_PATH = "/status-0123456789abcdef";

export interface HandlerDeps {
  readonly snapshot: () => GatewaySnapshot;
  readonly engine: PolicyEngine;
  readonly services: PolicyServices;
  readonly upstreams: Upstreams;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly cors: PortalCors;
  /** forward-request timeout of the fast path (APIM's default is 300 s). */
  readonly backendTimeoutMs: number;
  readonly maxBufferedBodyBytes: number;
  readonly accessLog: boolean;
}

const EMPTY_QUERY: ReadonlyMap<string, string[]> = new Map();

/** What matching found for a request: shared by HTTP requests and WebSocket upgrades. */
export interface Resolved {
  readonly api: ApiRoute;
  readonly operation: OperationMatch<OperationRoute>;
  readonly access: AccessGranted;
  readonly query: ReadonlyMap<string, string[]>;
  readonly path: string;
  /** Request path after the API's own segments ("/users/1", or "" for the API root). */
  readonly remainder: string;
}

/** Skips `n` non-empty segments of `path` and returns the rest (starts with "/" or is ""). */
export function pathAfterSegments(path: string, n: number): string {
  let i = 0;
  for (let seen = 0; seen < n; ) {
    while (i < path.length && path.charCodeAt(i) === 47) i++;
    while (i < path.length && path.charCodeAt(i) !== 47) i++;
    seen++;
  }
  return path.slice(i);
}

/** A preflight carries no subscription key: it is answered by the cors statements alone, as anonymous. */
const PREFLIGHT_ACCESS: AccessGranted = Object.freeze({
  ok: true,
  product: undefined,
  subscription: undefined,
  user: undefined,
  allowTracing: false,
});

/** What matching reads of a request (a ClientRequest, or node's IncomingMessage of an upgrade). */
export interface RequestLine {
  readonly method?: string;
  readonly url?: string;
  readonly rawHeaders: string[];
}

/**
 * APIM matches a CORS preflight (OPTIONS with Access-Control-Request-Method) to the operation of the
 * method it announces, unless the API defines OPTIONS itself. Returns undefined when the request is to
 * be handled as a normal one (an OPTIONS operation matches, or nothing does: the usual 404).
 */
export function resolvePreflight(
  snap: GatewaySnapshot,
  req: RequestLine,
  secure: boolean,
  requestedMethod: string,
): Resolved | undefined {
  const resolved = resolveRequest(snap, req, secure, requestedMethod.trim().toUpperCase(), true);
  if (!("api" in resolved)) return undefined;
  const options = resolveRequest(snap, req, secure, "OPTIONS", true);
  return "api" in options ? undefined : resolved;
}

export function resolveRequest(
  snap: GatewaySnapshot,
  req: RequestLine,
  secure: boolean,
  method = req.method as string,
  preflight = false,
): Resolved | typeof NOT_FOUND | typeof MISSING_KEY | typeof INVALID_KEY {
  const url = req.url as string;
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? EMPTY_QUERY : parseQuery(url.slice(q + 1));
  const segments = splitPath(path);
  const raw = req.rawHeaders;
  const found = snap.routes.lookup(segments, query, (name) => rawHeader(raw, name));
  if (found === undefined) return NOT_FOUND;
  const api = found.api;
  if (secure ? !api.allowsHttps : !api.allowsHttp) return NOT_FOUND;
  const opSegments = found.consumed === 0 ? segments : segments.slice(found.consumed);
  const operation = api.operations.match(method, opSegments, query);
  if (operation === undefined) return NOT_FOUND;
  const remainder = pathAfterSegments(path, found.consumed);
  if (preflight) return { api, operation, access: PREFLIGHT_ACCESS, query, path, remainder };
  // The query is consulted only when the header is absent (APIM).
  const key = rawHeader(raw, api.keyHeader) ?? query.get(api.keyQuery)?.[0];
  const access = decideAccess(snap, api, key);
  if (!access.ok) return access.reason === "missing" ? MISSING_KEY : INVALID_KEY;
  return { api, operation, access, query, path, remainder };
}

type Finish = (status: number, backendMs: number | undefined, error: unknown) => void;

/** Runs a policy pipeline for the request and reports its outcome (never rejects). */
function launchPipeline(deps: HandlerDeps, run: PipelineRun, finish: Finish): void {
  runPolicyPipeline(deps, run).then(
    (r) => finish(r.statusCode, r.backendMs, r.error),
    (err: unknown) => {
      deps.logger.error({ requestId: run.requestId, err }, "pipeline failed unexpectedly");
      sendError(run.res, INTERNAL_ERROR, run.extraHeaders);
      finish(500, undefined, err);
    },
  );
}

const preflightPipelines = new WeakMap<Pipeline, Pipeline>();

/** The pipeline of a preflight: the cors statements as inbound, nothing else (no backend call). */
function preflightPipeline(pipeline: Pipeline): Pipeline {
  let p = preflightPipelines.get(pipeline);
  if (p === undefined) {
    p = Object.freeze({
      inbound: pipeline.preflight ?? NOOP_STEP,
      backend: NOOP_STEP,
      outbound: NOOP_STEP,
      onError: pipeline.onError,
      needsRequestBody: false,
      needsResponseBody: false,
    });
    preflightPipelines.set(pipeline, p);
  }
  return p;
}

/** A request carries a body when it declares a non-zero length or a transfer coding. */
export function requestHasBody(raw: readonly string[]): boolean {
  const length = rawHeader(raw, "content-length");
  if (length !== undefined) return length !== "0";
  return rawHeader(raw, "transfer-encoding") !== undefined;
}

export type RequestHandler = (req: ClientRequest, res: ClientResponse) => void;

export function createRequestHandler(deps: HandlerDeps): RequestHandler {
  const { metrics, logger, clock, cors } = deps;

  return function handle(req, res) {
    const started = clock.monotonic();
    const requestId = randomUUID();
    const raw = req.rawHeaders;
    const origin = rawHeader(raw, "origin");
    const extra: string[] =
      origin !== undefined && cors.allows(origin)
        ? ["x-request-id", requestId, "access-control-allow-origin", origin, "vary", "Origin"]
        : ["x-request-id", requestId];

    let api: ApiRoute | undefined;
    let op: OperationRoute | undefined;
    const finish: Finish = (status, backendMs, error) => {
      const seconds = (clock.monotonic() - started) / 1000;
      metrics.request(op, api?.name ?? "", op?.info.id ?? "", status, seconds);
      if (deps.accessLog)
        writeAccessLog(logger, {
          requestId,
          method: req.method,
          url: redactUrl(req.url, api ? [api.keyQuery] : []),
          status,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          backendMs,
          api: api?.name,
          operation: op?.info.id,
          clientIp: req.remoteAddress,
          error: error === undefined ? undefined : String((error as Error).message ?? error),
        });
    };

    const url = req.url;
    if (url.charCodeAt(0) !== 47 /* "/" */) {
      // Absolute-form or asterisk-form targets are not served (we are not a forward proxy).
      sendError(res, NOT_FOUND, extra);
      finish(404, undefined, undefined);
      return;
    }
    if (url === HEALTH_PATH && (req.method === "GET" || req.method === "HEAD")) {
      sendEmpty(res, 200, extra);
      finish(200, undefined, undefined);
      return;
    }
    if (req.method === "OPTIONS" && origin !== undefined && cors.allows(origin)) {
      const requested = rawHeader(raw, "access-control-request-method");
      if (requested !== undefined) {
        const headers = cors.preflightHeaders(origin, requested, rawHeader(raw, "access-control-request-headers"));
        sendEmpty(res, 200, [...headers, "x-request-id", requestId]);
        finish(200, undefined, undefined);
        return;
      }
    }

    const snap = deps.snapshot();
    const secure = req.secure;
    if (req.method === "OPTIONS" && origin !== undefined) {
      const requested = rawHeader(raw, "access-control-request-method");
      const preflight = requested === undefined ? undefined : resolvePreflight(snap, req, secure, requested);
      const entry = preflight && snap.pipelineFor(preflight.api, preflight.operation.value, undefined);
      if (preflight !== undefined && entry?.kind === "pipeline" && entry.pipeline.preflight !== undefined) {
        api = preflight.api;
        op = preflight.operation.value;
        const pipeline = preflightPipeline(entry.pipeline);
        const run: PipelineRun = {
          snap,
          pipeline,
          resolved: preflight,
          req,
          res,
          requestId,
          secure,
          extraHeaders: extra,
        };
        launchPipeline(deps, run, finish);
        return;
      }
    }
    const resolved = resolveRequest(snap, req, secure);
    if (!("api" in resolved)) {
      sendError(res, resolved, extra);
      finish(resolved.statusCode, undefined, undefined);
      req.discardBody();
      return;
    }
    api = resolved.api;
    op = resolved.operation.value;
    const entry = snap.pipelineFor(api, op, resolved.access.product);

    if (entry.kind === "invalid") {
      logger.error(
        { requestId, api: api.name, operation: op.info.id, diagnostics: entry.diagnostics },
        "policy does not compile",
      );
      sendError(res, INTERNAL_ERROR, extra);
      finish(500, undefined, "policy does not compile");
      req.discardBody();
      return;
    }
    if (entry.kind === "forward") {
      const backend = api.backend;
      if (backend === undefined) {
        sendError(res, INTERNAL_ERROR, extra);
        finish(500, undefined, `api ${api.name} has no serviceUrl`);
        req.discardBody();
        return;
      }
      const q = url.indexOf("?");
      const headers = forwardRequestHeaders(raw, backend.hostHeader, {
        clientIp: req.remoteAddress ?? "",
        proto: secure ? "https" : "http",
        host: rawHeader(raw, "host"),
      });
      const hasBody = requestHasBody(raw);
      const backendStarted = clock.monotonic();
      streamExchange({
        dispatcher: deps.upstreams.pool(backend.origin),
        origin: backend.origin,
        path: backend.path + (resolved.remainder === "" ? "/" : resolved.remainder) + (q === -1 ? "" : url.slice(q)),
        method: req.method,
        headers,
        body: hasBody ? (req.body ?? null) : null,
        timeoutMs: deps.backendTimeoutMs,
        req,
        res,
        extraHeaders: extra,
        sendError,
        done: (result: ExchangeResult) => {
          if (result.error !== undefined && result.answer !== undefined)
            metrics.upstreamError(
              api?.name ?? "",
              result.answer.statusCode === 504 ? "Timeout" : "BackendConnectionFailure",
            );
          finish(result.statusCode, clock.monotonic() - backendStarted, result.error);
        },
      });
      return;
    }

    launchPipeline(
      deps,
      { snap, pipeline: entry.pipeline, resolved, req, res, requestId, secure, extraHeaders: extra },
      finish,
    );
  };
}
