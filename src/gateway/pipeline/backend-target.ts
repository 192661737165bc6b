// Where and with which headers the policy path calls the backend: shared by forward-request (the
// backend step) and the stream-through path, so both send exactly the same request.
import type { PolicyContext } from "../../policy/types.js";
import { isRequestHopHeader } from "../proxy/headers.js";
import { formatQuery } from "./context.js";

export interface BackendBase {
  readonly origin: string;
  /** Base path without trailing slash ("" for the root). */
  readonly path: string;
  readonly hostHeader: string;
}

/** Splits "https://h:8443/base" into origin and path ("/base", no trailing slash). Throws on a bad URL. */
export function splitBase(url: string): BackendBase {
  const u = new URL(url);
  // ws/wss bases are reached over http/https.
  const scheme = u.protocol === "wss:" ? "https:" : u.protocol === "ws:" ? "http:" : u.protocol;
  return { origin: `${scheme}//${u.host}`, path: u.pathname.replace(/\/+$/, ""), hostHeader: u.host };
}

// Base URLs come from configuration (a handful per service): parsing one per request is avoided.
const baseCache = new Map<string, BackendBase>();

export function cachedBase(url: string): BackendBase {
  let b = baseCache.get(url);
  if (b === undefined) {
    b = splitBase(url);
    if (baseCache.size > 10_000) baseCache.clear();
    baseCache.set(url, b);
  }
  return b;
}

/** Backend path and query: base path + the (API-relative, possibly rewritten) request path + query. */
export function backendTarget(base: BackendBase, ctx: PolicyContext): string {
  const url = ctx.request.url;
  return base.path + (url.path.startsWith("/") ? url.path : `/${url.path}`) + formatQuery(url.query);
}

/** The request's headers for the backend: Host of the backend, hop-by-hop removed, X-Forwarded-*. */
export function backendHeaders(ctx: PolicyContext, hostHeader: string): string[] {
  const request = ctx.request;
  const headers: string[] = ["host", hostHeader];
  for (const [name, values] of request.headers) {
    if (isRequestHopHeader(name)) continue;
    for (const v of values) headers.push(name, v);
  }
  const priorXff = request.headers.get("x-forwarded-for");
  headers.push(
    "x-forwarded-for",
    priorXff ? `${priorXff.join(", ")}, ${request.ipAddress}` : request.ipAddress,
    "x-forwarded-proto",
    request.originalUrl.scheme,
  );
  const clientHost = request.headers.get("host")?.[0];
  if (clientHost !== undefined) headers.push("x-forwarded-host", clientHost);
  return headers;
}
