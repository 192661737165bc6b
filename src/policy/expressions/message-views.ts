// Views of the request and response messages: context.Request, context.Response (and send-request
// results), their URL, headers, query and body. Each part's view is kept while the part is the same object.
import type { HeaderMap, MessageBody, PolicyRequest, PolicyResponse, RequestUrl } from "../types.js";
import { CsException, invalidCast, keyNotFound } from "./runtime/errors.js";
import { JArray, JObject, KeyValue, parseJson } from "./runtime/json.js";
import { parseXDocument } from "./runtime/xml.js";

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
