// Header rewriting between client and backend on flat raw-header arrays ([name, value, name, value…]),
// which is what node:http gives and what undici and writeHead accept: no objects per request.

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded in either direction. */
const RESPONSE_DROP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
]);

/** Hop-by-hop headers plus the ones the gateway sets itself on the way to the backend. */
const REQUEST_DROP = new Set([
  ...RESPONSE_DROP,
  // node:http already answered "100 Continue" to the client; undici refuses to send Expect upstream.
  "expect",
  "host",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);

export interface ForwardedFor {
  readonly clientIp: string;
  readonly proto: string;
  /** Host header the client sent (X-Forwarded-Host). */
  readonly host: string | undefined;
}

/** Names listed in a Connection header are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(raw: readonly string[] | readonly Buffer[]): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string | Buffer;
    if (name.length !== 10 || name.toString("latin1").toLowerCase() !== "connection") continue;
    for (const t of (raw[i + 1] as string | Buffer).toString("latin1").split(",")) {
      const token = t.trim().toLowerCase();
      if (token === "" || token === "close" || token === "keep-alive") continue;
      out ??= new Set();
      out.add(token);
    }
  }
  return out;
}

/**
 * Header names a backend's answer lists in its Connection header (lower case): hop-by-hop, so they
 * are not passed on. Undefined when there are none (the usual case).
 */
export function listedConnectionHeaders(raw: readonly Buffer[]): Set<string> | undefined {
  return connectionTokens(raw);
}

/** Client request headers → backend request headers. */
export function forwardRequestHeaders(raw: readonly string[], backendHost: string, fwd: ForwardedFor): string[] {
  const out: string[] = ["host", backendHost];
  const extra = connectionTokens(raw);
  let xff: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (REQUEST_DROP.has(lower) || extra?.has(lower)) {
      if (lower === "x-forwarded-for") xff = xff === undefined ? (raw[i + 1] as string) : `${xff}, ${raw[i + 1]}`;
      continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  out.push(
    "x-forwarded-for",
    xff === undefined ? fwd.clientIp : `${xff}, ${fwd.clientIp}`,
    "x-forwarded-proto",
    fwd.proto,
  );
  if (fwd.host !== undefined) out.push("x-forwarded-host", fwd.host);
  return out;
}

/** Backend response headers (undici raw Buffers) → flat string array for writeHead, hop-by-hop removed. */
export function responseHeadersFromRaw(raw: readonly Buffer[], out: string[]): string[] {
  const listed = connectionTokens(raw);
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString("latin1");
    const lower = name.toLowerCase();
    if (RESPONSE_DROP.has(lower) || listed?.has(lower)) continue;
    out.push(name, (raw[i + 1] as Buffer).toString("latin1"));
  }
  return out;
}

export function isResponseHopHeader(lowerName: string): boolean {
  return RESPONSE_DROP.has(lowerName);
}

export function isRequestHopHeader(lowerName: string): boolean {
  return REQUEST_DROP.has(lowerName);
}
