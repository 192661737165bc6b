// The `context` object of policy expressions: PascalCase views over the gateway's PolicyContext.
// Views are created on first access and cached on the root, so unused parts cost nothing per request.
import type {
  DeploymentInfo,
  HeaderMap,
  LastError,
  MessageBody,
  PolicyContext,
  PolicyRequest,
  PolicyResponse,
  ProductInfo,
  RequestUrl,
  SubscriptionInfo,
  UserInfo,
} from "../types.js";
import { CsException, invalidCast } from "./runtime/errors.js";
import { fromJToken, JArray, JObject, JProperty, JToken, JValue, KeyValue, parseJson } from "./runtime/json.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./runtime/time.js";
import { parseXDocument } from "./runtime/xml.js";

/**
 * The request's `context` view: kept in the PolicyContext's own slot, so every expression of a request
 * shares it and it dies with the request. (A WeakMap keyed by the context, whose value pointed back at the
 * key, formed an ephemeron cycle that survived minor GCs and made GC the main cost of the request path.)
 */
export function createExpressionContext(ctx: PolicyContext): ContextView {
  const cached = ctx.expressionView;
  // The identity check keeps a context copied with `{ ...ctx }` from reading its original's view.
  if (cached instanceof ContextView && cached.ctx === ctx) return cached;
  const view = new ContextView(ctx);
  ctx.expressionView = view;
  return view;
}

function keyNotFound(key: unknown): CsException {
  return new CsException("KeyNotFoundException", `The given key '${String(key)}' was not present in the dictionary.`);
}

function dateOrNull(text: string | undefined): CsDateTime | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new CsDateTime(ms, "Utc") : null;
}

type InfoRecord = Record<string, unknown>;

function subscriptionRecord(s: SubscriptionInfo): InfoRecord {
  return {
    Id: s.id,
    Name: s.name,
    Key: s.key,
    PrimaryKey: s.primaryKey,
    SecondaryKey: s.secondaryKey,
    CreatedDate: dateOrNull(s.createdDate),
    StartDate: dateOrNull(s.startDate),
    EndDate: dateOrNull(s.endDate),
  };
}

function productRecord(p: ProductInfo): InfoRecord {
  return {
    Id: p.id,
    Name: p.name,
    ApprovalRequired: p.approvalRequired,
    SubscriptionRequired: p.subscriptionRequired,
    SubscriptionLimit: p.subscriptionLimit ?? null,
    State: p.state,
    Groups: p.groups.map((g) => ({ Id: g.id, Name: g.name })),
    Apis: p.apis.map((a) => ({ Id: a.id, Name: a.name })),
  };
}

function userRecord(u: UserInfo): InfoRecord {
  return {
    Id: u.id,
    Email: u.email,
    FirstName: u.firstName,
    LastName: u.lastName,
    Note: u.note ?? null,
    RegistrationDate: dateOrNull(u.registrationDate),
    Groups: u.groups.map((g) => ({ Id: g.id, Name: g.name })),
    Identities: [],
  };
}

function lastErrorRecord(e: LastError): InfoRecord {
  return {
    Source: e.source,
    Reason: e.reason,
    Message: e.message,
    Scope: e.scope,
    Section: e.section,
    Path: e.path,
    PolicyId: e.policyId,
  };
}

/**
 * Views and records are built on first read and kept for the request; each cache remembers the source
 * object it was built from, so a field the pipeline replaces (response, lastError) gets a fresh view.
 * All fields are set in the constructor so that every ContextView has one shape.
 */
export class ContextView {
  private apiOf: PolicyContext["api"] = undefined;
  private api: ApiView | null = null;
  private operationOf: PolicyContext["operation"] = undefined;
  private operation: InfoRecord | null = null;
  private productOf: PolicyContext["product"] = undefined;
  private product: InfoRecord | null = null;
  private subscriptionOf: PolicyContext["subscription"] = undefined;
  private subscription: InfoRecord | null = null;
  private userOf: PolicyContext["user"] = undefined;
  private user: InfoRecord | null = null;
  private deploymentOf: DeploymentInfo | undefined = undefined;
  private deployment: InfoRecord | null = null;
  private lastErrorOf: LastError | undefined = undefined;
  private lastError: InfoRecord | null = null;
  private requestOf: PolicyRequest | undefined = undefined;
  private request: RequestView | null = null;
  private responseOf: PolicyResponse | undefined = undefined;
  private response: ResponseView | null = null;
  private variablesOf: Map<string, unknown> | undefined = undefined;
  private variables: VariablesView | null = null;
  constructor(readonly ctx: PolicyContext) {}
  get Api(): ApiView | null {
    const a = this.ctx.api;
    if (!a) return null;
    if (this.apiOf !== a) {
      this.api = new ApiView(a);
      this.apiOf = a;
    }
    return this.api;
  }
  get Operation(): InfoRecord | null {
    const o = this.ctx.operation;
    if (!o) return null;
    if (this.operationOf !== o) {
      this.operation = { Id: o.id, Name: o.name, Method: o.method, UrlTemplate: o.urlTemplate };
      this.operationOf = o;
    }
    return this.operation;
  }
  get Product(): InfoRecord | null {
    const p = this.ctx.product;
    if (!p) return null;
    if (this.productOf !== p) {
      this.product = productRecord(p);
      this.productOf = p;
    }
    return this.product;
  }
  get Subscription(): InfoRecord | null {
    const s = this.ctx.subscription;
    if (!s) return null;
    if (this.subscriptionOf !== s) {
      this.subscription = subscriptionRecord(s);
      this.subscriptionOf = s;
    }
    return this.subscription;
  }
  get User(): InfoRecord | null {
    const u = this.ctx.user;
    if (!u) return null;
    if (this.userOf !== u) {
      this.user = userRecord(u);
      this.userOf = u;
    }
    return this.user;
  }
  get Deployment(): InfoRecord {
    const d = this.ctx.deployment;
    if (this.deploymentOf !== d || this.deployment === null) {
      this.deployment = {
        GatewayId: d.gatewayId,
        Region: d.region,
        ServiceName: d.serviceName,
        Gateway: { Id: d.gatewayId, InstanceId: d.gatewayId, IsManaged: false },
        Certificates: new Map(),
      };
      this.deploymentOf = d;
    }
    return this.deployment;
  }
  get LastError(): InfoRecord | null {
    const e = this.ctx.lastError;
    if (!e) return null;
    if (this.lastErrorOf !== e) {
      this.lastError = lastErrorRecord(e);
      this.lastErrorOf = e;
    }
    return this.lastError;
  }
  get Request(): RequestView {
    const r = this.ctx.request;
    if (this.requestOf !== r || this.request === null) {
      this.request = new RequestView(r);
      this.requestOf = r;
    }
    return this.request;
  }
  get Response(): ResponseView | null {
    const r = this.ctx.response;
    if (!r) return null;
    if (this.responseOf !== r) {
      this.response = new ResponseView(r);
      this.responseOf = r;
    }
    return this.response;
  }
  get Variables(): VariablesView {
    const v = this.ctx.variables;
    if (this.variablesOf !== v || this.variables === null) {
      this.variables = new VariablesView(v);
      this.variablesOf = v;
    }
    return this.variables;
  }
  get RequestId(): CsGuid {
    return requestGuid(this.ctx.requestId);
  }
  get Timestamp(): CsDateTime {
    return new CsDateTime(this.ctx.timestamp, "Utc");
  }
  get Elapsed(): CsTimeSpan {
    return new CsTimeSpan(this.ctx.services.clock.now() - this.ctx.timestamp);
  }
  get Tracing(): boolean {
    return this.ctx.tracing;
  }
  Trace(message: unknown): void {
    if (this.ctx.tracing) this.ctx.trace.push({ source: "expression", message: String(message ?? "") });
  }
}

// Kept out of the getter: a try/catch there would sit on the path of every context member read.
function requestGuid(id: string): CsGuid {
  try {
    return CsGuid.parse(id);
  } catch {
    return new CsGuid(id);
  }
}

export class ApiView {
  constructor(private readonly api: NonNullable<PolicyContext["api"]>) {}
  get Id(): string {
    return this.api.id;
  }
  get Name(): string {
    return this.api.name;
  }
  get Path(): string {
    return this.api.path;
  }
  get Protocols(): string[] {
    return this.api.protocols;
  }
  get ServiceUrl(): UrlView | null {
    const s = this.api.serviceUrl;
    if (!s) return null;
    try {
      const u = new URL(s);
      const query = new Map<string, string[]>();
      for (const [k, v] of u.searchParams) query.set(k, [...(query.get(k) ?? []), v]);
      const scheme = u.protocol.replace(":", "");
      const port = u.port ? Number(u.port) : scheme === "https" ? 443 : 80;
      return new UrlView({ scheme, host: u.hostname, port, path: decodeURI(u.pathname), query });
    } catch {
      return null;
    }
  }
  get SubscriptionKeyParameterNames(): Record<string, string> {
    return {
      Header: this.api.subscriptionKeyParameterNames.header,
      Query: this.api.subscriptionKeyParameterNames.query,
    };
  }
  get IsCurrentRevision(): boolean {
    return this.api.isCurrentRevision;
  }
  get Revision(): string {
    return this.api.revision;
  }
  get Version(): string {
    return this.api.version;
  }
}

export class RequestView {
  // Views of the request's parts are kept while the part is the same object (rewrite-uri may replace
  // the url, set-header policies may replace the header map).
  private urlOf: RequestUrl | undefined = undefined;
  private url: UrlView | null = null;
  private originalUrl: UrlView | null = null;
  private headersOf: HeaderMap | undefined = undefined;
  private headers: HeadersView | null = null;
  constructor(private readonly req: PolicyRequest) {}
  get Method(): string {
    return this.req.method;
  }
  get Url(): UrlView {
    const u = this.req.url;
    if (this.urlOf !== u || this.url === null) {
      this.url = new UrlView(u);
      this.urlOf = u;
    }
    return this.url;
  }
  get OriginalUrl(): UrlView {
    this.originalUrl ??= new UrlView(this.req.originalUrl);
    return this.originalUrl;
  }
  get Headers(): HeadersView {
    const h = this.req.headers;
    if (this.headersOf !== h || this.headers === null) {
      this.headers = new HeadersView(h);
      this.headersOf = h;
    }
    return this.headers;
  }
  get Body(): BodyView | null {
    return bodyOrNull(this.req.body);
  }
  get IpAddress(): string {
    return this.req.ipAddress;
  }
  get MatchedParameters(): ReadonlyMap<string, string> {
    return this.req.matchedParameters;
  }
  get Certificate(): null {
    return null;
  }
}

/** IResponse: context.Response, and send-request results stored in variables. */
export class ResponseView {
  private headersOf: HeaderMap | undefined = undefined;
  private headers: HeadersView | null = null;
  constructor(readonly res: PolicyResponse) {}
  get StatusCode(): number {
    return this.res.statusCode;
  }
  get StatusReason(): string {
    return this.res.statusReason;
  }
  get Headers(): HeadersView {
    const h = this.res.headers;
    if (this.headersOf !== h || this.headers === null) {
      this.headers = new HeadersView(h);
      this.headersOf = h;
    }
    return this.headers;
  }
  get Body(): BodyView | null {
    return bodyOrNull(this.res.body);
  }
}

function bodyOrNull(body: MessageBody): BodyView | null {
  if (!body.stream && (body.bytes === undefined || body.bytes.length === 0)) return null;
  return new BodyView(body);
}

export function isPolicyResponse(value: unknown): value is PolicyResponse {
  const v = value as Partial<PolicyResponse> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.statusCode === "number" &&
    v.headers instanceof Map &&
    typeof v.body === "object"
  );
}

export class UrlView {
  private queryOf: Map<string, string[]> | undefined = undefined;
  private query: QueryView | null = null;
  constructor(private readonly url: RequestUrl) {}
  get Scheme(): string {
    return this.url.scheme;
  }
  get Host(): string {
    return this.url.host;
  }
  get Port(): number {
    return this.url.port;
  }
  get Path(): string {
    return this.url.path;
  }
  get Query(): QueryView {
    const q = this.url.query;
    if (this.queryOf !== q || this.query === null) {
      this.query = new QueryView(q);
      this.queryOf = q;
    }
    return this.query;
  }
  get QueryString(): string {
    const parts: string[] = [];
    for (const [k, values] of this.url.query)
      for (const v of values) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
    return parts.length > 0 ? `?${parts.join("&")}` : "";
  }
  ToString(): string {
    const defaultPort =
      (this.url.scheme === "https" && this.url.port === 443) || (this.url.scheme === "http" && this.url.port === 80);
    return `${this.url.scheme}://${this.url.host}${defaultPort ? "" : `:${this.url.port}`}${this.url.path}${this.QueryString}`;
  }
}

/** A read-only string → string[] dictionary whose GetValueOrDefault joins values with commas. */
export abstract class MultiValueView {
  protected abstract find(name: string): string[] | undefined;
  protected abstract entries(): Iterable<[string, string[]]>;
  GetValueOrDefault(name: string, defaultValue: string | null = null): string | null {
    const v = this.find(name);
    if (v === undefined) return defaultValue;
    // Most headers have one value: no join (and no new string) for them.
    return v.length === 1 ? v[0]! : v.join(",");
  }
  ContainsKey(name: string): boolean {
    return this.find(name) !== undefined;
  }
  get_Item(name: string): string[] {
    const v = this.find(name);
    if (v === undefined) throw keyNotFound(name);
    return v;
  }
  get Count(): number {
    return [...this.entries()].length;
  }
  get Keys(): string[] {
    return [...this.entries()].map(([k]) => k);
  }
  *[Symbol.iterator](): Iterator<KeyValue> {
    for (const [k, v] of this.entries()) yield new KeyValue(k, v);
  }
}

export class HeadersView extends MultiValueView {
  constructor(private readonly headers: HeaderMap) {
    super();
  }
  protected find(name: string): string[] | undefined {
    return this.headers.get(name.toLowerCase());
  }
  protected entries(): Iterable<[string, string[]]> {
    return this.headers;
  }
}

export class QueryView extends MultiValueView {
  constructor(private readonly query: Map<string, string[]>) {
    super();
  }
  protected find(name: string): string[] | undefined {
    const exact = this.query.get(name);
    if (exact !== undefined) return exact;
    const lower = name.toLowerCase();
    for (const [k, v] of this.query) if (k.toLowerCase() === lower) return v;
    return undefined;
  }
  protected entries(): Iterable<[string, string[]]> {
    return this.query;
  }
}

export class BodyView {
  constructor(private readonly body: MessageBody) {}
  private read(preserveContent: unknown): Buffer {
    const bytes = this.body.bytes;
    if (bytes === undefined)
      throw new CsException(
        "InvalidOperationException",
        "The message body was not buffered; it cannot be read by an expression.",
      );
    // Without preserveContent APIM hands the stream to the reader: the message is left without a body.
    if (preserveContent !== true) this.body.bytes = Buffer.alloc(0);
    return bytes;
  }
  As(type: string, preserveContent: unknown): unknown {
    const bytes = this.read(preserveContent);
    switch (type) {
      case "string":
        return bytes.toString("utf8");
      case "byte[]":
        return new Uint8Array(bytes);
      case "JObject":
      case "JArray":
      case "JToken": {
        const token = parseJson(bytes.toString("utf8"));
        if (type === "JObject" && !(token instanceof JObject)) throw invalidCast(token, "JObject");
        if (type === "JArray" && !(token instanceof JArray)) throw invalidCast(token, "JArray");
        return token;
      }
      case "XDocument":
        return parseXDocument(bytes.toString("utf8"));
      case "XElement":
        return parseXDocument(bytes.toString("utf8")).Root;
    }
    throw new CsException("NotSupportedException", `Body.As<${type}>() is not supported.`);
  }
  AsFormUrlEncodedContent(preserveContent: unknown = false): Map<string, string[]> {
    const form = new Map<string, string[]>();
    for (const [k, v] of new URLSearchParams(this.read(preserveContent).toString("utf8")))
      form.set(k, [...(form.get(k) ?? []), v]);
    return form;
  }
}

/** context.Variables: IReadOnlyDictionary<string, object> with GetValueOrDefault<T>. */
export class VariablesView {
  constructor(private readonly vars: Map<string, unknown>) {}
  get_Item(name: string): unknown {
    if (!this.vars.has(name)) throw keyNotFound(name);
    return this.vars.get(name);
  }
  ContainsKey(name: string): boolean {
    return this.vars.has(name);
  }
  get Count(): number {
    return this.vars.size;
  }
  get Keys(): string[] {
    return [...this.vars.keys()];
  }
  GetValueOrDefault(name: string, defaultValue: unknown = null, type?: string): unknown {
    if (!this.vars.has(name)) return defaultValue;
    const value = this.vars.get(name);
    return type === undefined ? value : checkVariableType(value, type);
  }
  *[Symbol.iterator](): Iterator<KeyValue> {
    for (const [k, v] of this.vars) yield new KeyValue(k, v);
  }
}

/** GetValueOrDefault<T> throws on a type mismatch instead of converting. */
function checkVariableType(value: unknown, type: string): unknown {
  if (value === null || value === undefined || type === "object") return value ?? null;
  if (!isOfType(value, type)) {
    if (value instanceof JToken && ["string", "int", "long", "double", "bool"].includes(type))
      return fromJToken(value, type);
    throw invalidCast(value, type);
  }
  if (type === "IResponse" && isPolicyResponse(value)) return new ResponseView(value);
  return value;
}

/**
 * The run-time type test of `is` / `as` and of GetValueOrDefault<T>. Here because IResponse is one of the
 * views above.
 */
export function isOfType(v: unknown, type: string): boolean {
  if (v === null || v === undefined) return false;
  switch (type) {
    case "int":
    case "long":
    case "short":
    case "byte":
      return typeof v === "number" && Number.isInteger(v);
    case "double":
    case "float":
    case "decimal":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "object":
      return true;
    case "JObject":
      return v instanceof JObject;
    case "JArray":
      return v instanceof JArray;
    case "JValue":
      return v instanceof JValue;
    case "JProperty":
      return v instanceof JProperty;
    case "JToken":
      return v instanceof JToken;
    case "DateTime":
    case "DateTimeOffset":
      return v instanceof CsDateTime;
    case "TimeSpan":
      return v instanceof CsTimeSpan;
    case "Guid":
      return v instanceof CsGuid;
    case "byte[]":
      return v instanceof Uint8Array;
    case "IResponse":
      return v instanceof ResponseView || isPolicyResponse(v);
    default:
      if (type.endsWith("[]")) return Array.isArray(v) || v instanceof Uint8Array;
      // Interfaces and helper types (Jwt, IEnumerable …) are not distinguished at run time.
      return true;
  }
}
