// The `context` object of policy expressions: PascalCase views over the gateway's PolicyContext.
// Views are created on first access and cached on the root, so unused parts cost nothing per request.
import type { HeaderMap, MessageBody, PolicyContext, PolicyRequest, PolicyResponse, RequestUrl } from "../types.js";
import { CsException, invalidCast } from "./runtime/errors.js";
import { fromJToken, JArray, JObject, JToken, KeyValue, parseJson } from "./runtime/json.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./runtime/time.js";
import { parseXDocument } from "./runtime/xml.js";

const rootCache = new WeakMap<PolicyContext, ContextView>();

export function createExpressionContext(ctx: PolicyContext): ContextView {
  let view = rootCache.get(ctx);
  if (!view) {
    view = new ContextView(ctx);
    rootCache.set(ctx, view);
  }
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

export class ContextView {
  private cache: {
    request?: RequestView;
    response?: ResponseView;
    responseOf?: PolicyResponse;
    variables?: VariablesView;
  } = {};
  constructor(readonly ctx: PolicyContext) {}
  get Api(): ApiView | null {
    return this.ctx.api ? new ApiView(this.ctx.api) : null;
  }
  get Operation(): Record<string, unknown> | null {
    const o = this.ctx.operation;
    return o ? { Id: o.id, Name: o.name, Method: o.method, UrlTemplate: o.urlTemplate } : null;
  }
  get Product(): Record<string, unknown> | null {
    const p = this.ctx.product;
    if (!p) return null;
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
  get Subscription(): Record<string, unknown> | null {
    const s = this.ctx.subscription;
    if (!s) return null;
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
  get User(): Record<string, unknown> | null {
    const u = this.ctx.user;
    if (!u) return null;
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
  get Deployment(): Record<string, unknown> {
    const d = this.ctx.deployment;
    return {
      GatewayId: d.gatewayId,
      Region: d.region,
      ServiceName: d.serviceName,
      Gateway: { Id: d.gatewayId, InstanceId: d.gatewayId, IsManaged: false },
      Certificates: new Map(),
    };
  }
  get LastError(): Record<string, unknown> | null {
    const e = this.ctx.lastError;
    if (!e) return null;
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
  get Request(): RequestView {
    this.cache.request ??= new RequestView(this.ctx.request);
    return this.cache.request;
  }
  get Response(): ResponseView | null {
    const r = this.ctx.response;
    if (!r) return null;
    if (this.cache.responseOf !== r) {
      this.cache.response = new ResponseView(r);
      this.cache.responseOf = r;
    }
    return this.cache.response!;
  }
  get Variables(): VariablesView {
    this.cache.variables ??= new VariablesView(this.ctx.variables);
    return this.cache.variables;
  }
  get RequestId(): CsGuid {
    try {
      return CsGuid.parse(this.ctx.requestId);
    } catch {
      return new CsGuid(this.ctx.requestId);
    }
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
  constructor(private readonly req: PolicyRequest) {}
  get Method(): string {
    return this.req.method;
  }
  get Url(): UrlView {
    return new UrlView(this.req.url);
  }
  get OriginalUrl(): UrlView {
    return new UrlView(this.req.originalUrl);
  }
  get Headers(): HeadersView {
    return new HeadersView(this.req.headers);
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
  constructor(readonly res: PolicyResponse) {}
  get StatusCode(): number {
    return this.res.statusCode;
  }
  get StatusReason(): string {
    return this.res.statusReason;
  }
  get Headers(): HeadersView {
    return new HeadersView(this.res.headers);
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
    return new QueryView(this.url.query);
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
abstract class MultiValueView {
  protected abstract find(name: string): string[] | undefined;
  protected abstract entries(): Iterable<[string, string[]]>;
  GetValueOrDefault(name: string, defaultValue: string | null = null): string | null {
    const v = this.find(name);
    return v === undefined ? defaultValue : v.join(",");
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
  const ok = (() => {
    switch (type) {
      case "string":
        return typeof value === "string";
      case "int":
      case "long":
      case "short":
      case "byte":
        return typeof value === "number" && Number.isInteger(value);
      case "double":
      case "float":
      case "decimal":
        return typeof value === "number";
      case "bool":
        return typeof value === "boolean";
      case "JObject":
        return value instanceof JObject;
      case "JArray":
        return value instanceof JArray;
      case "JToken":
        return value instanceof JToken;
      case "DateTime":
        return value instanceof CsDateTime;
      case "TimeSpan":
        return value instanceof CsTimeSpan;
      case "Guid":
        return value instanceof CsGuid;
      case "byte[]":
        return value instanceof Uint8Array;
      case "IResponse":
        return value instanceof ResponseView || isPolicyResponse(value);
      default:
        return true;
    }
  })();
  if (!ok) {
    if (value instanceof JToken && ["string", "int", "long", "double", "bool"].includes(type))
      return fromJToken(value, type);
    throw invalidCast(value, type);
  }
  if (type === "IResponse" && isPolicyResponse(value)) return new ResponseView(value);
  return value;
}
