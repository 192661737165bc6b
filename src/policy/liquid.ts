// Liquid for set-body template="liquid". APIM runs DotLiquid in C# mode, so filters are PascalCase
// (AtLeast, UrlEncode, …) and the data is `body` plus a `context` with PascalCase members.
import type { Template } from "liquidjs";
import { Liquid } from "liquidjs";
import type { PolicyContext } from "./types.js";

const ALIASES: Record<string, string> = {
  Abs: "abs",
  Append: "append",
  AtLeast: "at_least",
  AtMost: "at_most",
  Capitalize: "capitalize",
  Compact: "compact",
  Date: "date",
  Default: "default",
  DividedBy: "divided_by",
  Downcase: "downcase",
  Escape: "escape",
  First: "first",
  H: "escape",
  Join: "join",
  Last: "last",
  Lstrip: "lstrip",
  Map: "map",
  Minus: "minus",
  Modulo: "modulo",
  NewlineToBr: "newline_to_br",
  Plus: "plus",
  Prepend: "prepend",
  Remove: "remove",
  RemoveFirst: "remove_first",
  Replace: "replace",
  ReplaceFirst: "replace_first",
  Round: "round",
  Rstrip: "rstrip",
  Size: "size",
  Slice: "slice",
  Sort: "sort",
  Split: "split",
  Strip: "strip",
  StripHtml: "strip_html",
  StripNewlines: "strip_newlines",
  Times: "times",
  Truncate: "truncate",
  TruncateWords: "truncatewords",
  Uniq: "uniq",
  Upcase: "upcase",
  UrlDecode: "url_decode",
  UrlEncode: "url_encode",
};

function createEngine(): Liquid {
  const engine = new Liquid({ strictFilters: true, jsTruthy: false, outputEscape: undefined });
  for (const [alias, name] of Object.entries(ALIASES)) {
    const filter = engine.filters[name];
    if (filter) engine.registerFilter(alias, filter);
  }
  engine.registerFilter("Currency", (value: unknown) => {
    const n = Number(value);
    return Number.isFinite(n) ? n.toLocaleString("en-US", { style: "currency", currency: "USD" }) : value;
  });
  return engine;
}

// One engine for the process: templates are parsed once at compile time and rendered synchronously.
const engine = createEngine();

export function parseLiquid(text: string): { template: Template[] } | { error: string } {
  try {
    return { template: engine.parse(text) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export function renderLiquid(template: Template[], ctx: PolicyContext, body: unknown): string {
  return engine.renderSync(template, { body, context: liquidContext(ctx) });
}

function headersObject(headers: Map<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) out[k] = v.join(",");
  return out;
}

function urlObject(url: PolicyContext["request"]["url"]) {
  const query: Record<string, string> = {};
  for (const [k, v] of url.query) query[k] = v.join(",");
  const qs = [...url.query]
    .flatMap(([k, vs]) => vs.map((v) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join("&");
  const port = url.port ? `:${url.port}` : "";
  const text = `${url.scheme}://${url.host}${port}${url.path}${qs ? `?${qs}` : ""}`;
  return {
    Scheme: url.scheme,
    Host: url.host,
    Port: url.port,
    Path: url.path,
    Query: query,
    QueryString: qs ? `?${qs}` : "",
    ToUri: text,
    ToString: text,
  };
}

function liquidContext(ctx: PolicyContext) {
  const r = ctx.request;
  return {
    Request: {
      Url: urlObject(r.url),
      OriginalUrl: urlObject(r.originalUrl),
      Method: r.method,
      OriginalMethod: r.method,
      IpAddress: r.ipAddress,
      MatchedParameters: Object.fromEntries(r.matchedParameters),
      HasBody: (r.body.bytes?.length ?? 0) > 0,
      Headers: headersObject(r.headers),
    },
    Response: ctx.response
      ? { StatusCode: ctx.response.statusCode, Headers: headersObject(ctx.response.headers) }
      : undefined,
    Variables: Object.fromEntries(ctx.variables),
    RequestId: ctx.requestId,
  };
}
