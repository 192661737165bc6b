// Contract between the policy engine (pure: compiles XML into steps) and the gateway (runs them).
// The gateway builds a PolicyContext per request and runs the four sections of a compiled Pipeline;
// everything with I/O (counters, cache, HTTP, loggers) comes in through PolicyServices.
import type { Clock } from "../core/clock.js";
import type { Diagnostic } from "../core/errors.js";

export type Section = "inbound" | "backend" | "outbound" | "on-error";
export type PolicyScope = "global" | "workspace" | "product" | "api" | "operation" | "fragment";

/** Header map with lower-cased names; values keep their order. */
export type HeaderMap = Map<string, string[]>;

/** A message body: streamed by default, buffered when a policy needs it. */
export interface MessageBody {
  /** True when the body is held in memory (policies may read or replace it). */
  readonly buffered: boolean;
  /** The buffered bytes (undefined when streamed and not yet read). */
  bytes: Buffer | undefined;
  /** The raw stream when not buffered (the gateway pipes it through). */
  stream?: NodeJS.ReadableStream;
}

export interface RequestUrl {
  scheme: string;
  host: string;
  port: number;
  /** Path without query, starting with "/". */
  path: string;
  /** Query parameters in order; names keep their case. */
  query: Map<string, string[]>;
}

export interface PolicyRequest {
  method: string;
  url: RequestUrl;
  /** URL as the client sent it. */
  readonly originalUrl: RequestUrl;
  headers: HeaderMap;
  body: MessageBody;
  readonly ipAddress: string;
  /** Template parameters from the matched operation. */
  readonly matchedParameters: ReadonlyMap<string, string>;
}

export interface PolicyResponse {
  statusCode: number;
  statusReason: string;
  headers: HeaderMap;
  body: MessageBody;
}

export interface LastError {
  source: string;
  reason: string;
  message: string;
  scope: string;
  section: string;
  path: string;
  policyId: string;
}

/** Read-only views of the matched entities, shaped like APIM's context.Api, context.Product, … */
export interface ApiInfo {
  id: string;
  name: string;
  path: string;
  protocols: string[];
  serviceUrl: string | undefined;
  subscriptionKeyParameterNames: { header: string; query: string };
  isCurrentRevision: boolean;
  revision: string;
  version: string;
}
export interface OperationInfo {
  id: string;
  name: string;
  method: string;
  urlTemplate: string;
}
export interface ProductInfo {
  id: string;
  name: string;
  approvalRequired: boolean;
  subscriptionRequired: boolean;
  subscriptionLimit: number | undefined;
  state: string;
  groups: Array<{ id: string; name: string }>;
  apis: Array<{ id: string; name: string }>;
}
export interface SubscriptionInfo {
  id: string;
  name: string;
  key: string;
  primaryKey: string;
  secondaryKey: string;
  createdDate: string | undefined;
  startDate: string | undefined;
  endDate: string | undefined;
}
export interface UserInfo {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  note: string | undefined;
  registrationDate: string | undefined;
  groups: Array<{ id: string; name: string }>;
}
export interface DeploymentInfo {
  gatewayId: string;
  region: string;
  serviceName: string;
}

export interface PolicyContext {
  readonly requestId: string;
  /** Epoch ms when the gateway received the request. */
  readonly timestamp: number;
  readonly request: PolicyRequest;
  /** Set once the backend answered (or a policy built a response). */
  response: PolicyResponse | undefined;
  readonly variables: Map<string, unknown>;
  readonly api: ApiInfo | undefined;
  readonly operation: OperationInfo | undefined;
  readonly product: ProductInfo | undefined;
  readonly subscription: SubscriptionInfo | undefined;
  readonly user: UserInfo | undefined;
  readonly deployment: DeploymentInfo;
  lastError: LastError | undefined;
  /** Backend chosen for forward-request: base URL and optional backend entity id. */
  backend: {
    url: string;
    backendId?: string;
    /** authentication-certificate: client certificate for the backend call. */
    clientCertificate?: OutgoingHttpRequest["clientCertificate"];
    /** proxy: HTTP proxy for the backend call. */
    proxy?: { url: string; username?: string; password?: string };
  };
  tracing: boolean;
  readonly trace: Array<{ source: string; message: string }>;
  readonly services: PolicyServices;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /**
   * Owned by the expression engine: the request's `context` view, built on the first expression and
   * reused by the next ones. A plain slot (not a WeakMap) so it dies with the request in a minor GC.
   * Builders of a PolicyContext may initialise it to undefined (keeps one object shape).
   */
  expressionView?: unknown;
}

/** What a step tells the runner: go on, or stop the section and send this response. */
export type Outcome = { kind: "continue" } | { kind: "respond" };
export const CONTINUE: Outcome = Object.freeze({ kind: "continue" });
export const RESPOND: Outcome = Object.freeze({ kind: "respond" });

/** A compiled policy statement. Returns synchronously when it can: the runner awaits only promises. */
export type Step = (ctx: PolicyContext) => Outcome | Promise<Outcome>;

/** Thrown by steps for runtime failures; the runner routes to on-error with lastError set. */
export class PolicyError extends Error {
  readonly source: string;
  readonly reason: string;
  /** Status code when on-error does not produce a response. */
  readonly statusCode: number;
  constructor(source: string, reason: string, message: string, statusCode = 500, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PolicyError";
    this.source = source;
    this.reason = reason;
    this.statusCode = statusCode;
  }
}

/** The effective, compiled policy of one (api, operation, product) combination. */
export interface Pipeline {
  readonly inbound: Step;
  readonly backend: Step;
  readonly outbound: Step;
  readonly onError: Step;
  /** True when a step reads the request/response body: the gateway buffers it before that section. */
  readonly needsRequestBody: boolean;
  readonly needsResponseBody: boolean;
  /**
   * Set when everything after inbound is a plain `<forward-request/>` (no redirects followed, no
   * fail-on-error-status-code, empty outbound and on-error, response body unread): the gateway may then
   * stream the backend's answer straight to the client instead of running the backend step.
   */
  readonly streamThrough?: ForwardOptions;
  /**
   * The cors statements of inbound, run alone for a CORS preflight (OPTIONS with
   * Access-Control-Request-Method) when the API defines no OPTIONS operation; undefined without cors.
   */
  readonly preflight?: Step;
}

// ---- ports: implemented by the gateway (in memory) and the scale-out layer (Redis) ----

export interface RateLimitResult {
  allowed: boolean;
  /** Calls counted in the current window, including this one when allowed. */
  count: number;
  /** Remaining calls in the window. */
  remaining: number;
  /** Milliseconds until the window frees a call (for Retry-After). */
  retryAfterMs: number;
}

export interface CounterStore {
  /** Count one call against `limit` calls per `windowMs` for `key` (sliding or fixed window). */
  hit(key: string, limit: number, windowMs: number, increment?: number): Promise<RateLimitResult> | RateLimitResult;
  /**
   * Quota: calls and/or kilobytes per renewal period. `periodMs` windows are aligned to `firstPeriodStartMs`.
   * `calls`/`kilobytes` undefined = not limited on that axis.
   */
  quota(
    key: string,
    limits: { calls?: number; kilobytes?: number; periodMs: number; firstPeriodStartMs?: number },
    usage: { calls: number; kilobytes: number },
  ): Promise<RateLimitResult> | RateLimitResult;
  /** Acquire one of `max` concurrent slots; resolves false when full. */
  acquire(key: string, max: number): Promise<boolean> | boolean;
  release(key: string): void | Promise<void>;
}

export interface CachedResponse {
  statusCode: number;
  statusReason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined> | CachedResponse | undefined;
  set(key: string, value: CachedResponse, ttlSeconds: number): Promise<void> | void;
}

export interface ValueCache {
  get(key: string): Promise<unknown> | unknown;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

export interface OutgoingHttpRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: Buffer | string;
  timeoutMs: number;
  /** Validate TLS certificates (default true). */
  rejectUnauthorized?: boolean;
  clientCertificate?:
    | { cert: string | Buffer; key: string | Buffer; passphrase?: string }
    | { pfx: Buffer; passphrase?: string };
}

export interface OutgoingHttpResponse {
  statusCode: number;
  statusReason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** Everything with I/O that steps may use. */
export interface PolicyServices {
  readonly clock: Clock;
  readonly counters: CounterStore;
  readonly responseCache: ResponseCache;
  readonly valueCache: ValueCache;
  /** Performs the backend call for forward-request: sets ctx.response (throws PolicyError on failure). */
  forward(ctx: PolicyContext, options: ForwardOptions): Promise<void>;
  /** send-request / send-one-way-request / validate-jwt key fetch: an HTTP call through the gateway's pools. */
  http(request: OutgoingHttpRequest): Promise<OutgoingHttpResponse>;
  /** log-to-eventhub: deliver to a logger entity (HTTP sink, broker …). */
  log(loggerId: string, message: string, partitionId?: string): void;
  /** emit-metric: record a custom metric. */
  metric(name: string, value: number, dimensions: Record<string, string>, namespace?: string): void;
  /** Look up a certificate by id (authentication-certificate, validate-jwt). */
  certificate(id: string): { pfx?: Buffer; cert?: string; key?: string; passphrase?: string } | undefined;
}

export interface ForwardOptions {
  timeoutMs: number;
  followRedirects: boolean;
  bufferRequestBody: boolean;
  bufferResponse: boolean;
  failOnErrorStatusCode: boolean;
}

// ---- compile-time inputs ----

/** What the compiler needs to resolve references in a document. */
export interface PolicyEnvironment {
  /** Named values by displayName (and by id): value used for {{name}} substitution. */
  namedValues: ReadonlyMap<string, string>;
  /** Policy fragments by id: their XML (already validated when stored). */
  fragments: ReadonlyMap<string, string>;
  /** Known backend entity ids (set-backend-service backend-id). */
  backendIds: ReadonlySet<string>;
  /** Known logger ids (log-to-eventhub). */
  loggerIds: ReadonlySet<string>;
  /**
   * authentication-managed-identity: token endpoint speaking the Azure IMDS protocol
   * (default http://169.254.169.254/metadata/identity/oauth2/token, reachable on Azure VMs and AKS).
   */
  managedIdentityEndpoint?: string;
  /**
   * Schema documents of the API the pipeline is compiled for, by schema id ("apis/{a}/schemas/{id}"
   * `document`: `{ components: { schemas } }` or `{ definitions }`). validate-content checks bodies against them.
   */
  apiSchemas?: ReadonlyMap<string, unknown>;
  /**
   * Service-level schemas by id ("schemas/{id}"), for validate-content `schema-id` when the API has no
   * schema of that id: a json schema's `document` (object), an xml schema's `value` (the XSD text).
   */
  schemas?: ReadonlyMap<string, unknown>;
  /** The operation the pipeline is compiled for, as the API definition declares it (validate-*, mock-response). */
  operationContract?: OperationContract;
}

/** A parameter or header as an API operation declares it (the part of APIM's ParameterContract the engine reads). */
export interface DeclaredParameter {
  name: string;
  type?: string;
  required?: boolean;
  /** Allowed values (enum); empty = any. */
  values?: readonly string[];
  schemaId?: string;
  typeName?: string;
}

/** A request or response body representation: content type, schema reference and examples. */
export interface DeclaredRepresentation {
  contentType: string;
  schemaId?: string;
  typeName?: string;
  /** APIM's examples map: { name: { value, summary, description } }. */
  examples?: Record<string, { value?: unknown }>;
  /** Older APIM representations carry a text sample instead of examples. */
  sample?: string;
}

/** What the pipeline's operation declares: parameters, request body types and responses. */
export interface OperationContract {
  templateParameters?: readonly DeclaredParameter[];
  request?: {
    queryParameters?: readonly DeclaredParameter[];
    headers?: readonly DeclaredParameter[];
    representations?: readonly DeclaredRepresentation[];
  };
  responses?: ReadonlyArray<{
    statusCode: number;
    headers?: readonly DeclaredParameter[];
    representations?: readonly DeclaredRepresentation[];
  }>;
}

export interface PolicyDocuments {
  global?: string;
  product?: string;
  api?: string;
  operation?: string;
}

export interface CompileResult {
  pipeline: Pipeline | undefined;
  diagnostics: Diagnostic[];
}
