// CORS for the developer portal's try-it console: preflights from the portal's origins are answered
// by the gateway itself and its answers carry Access-Control-Allow-Origin, even with no cors policy.

export interface PortalCors {
  /** True when `origin` is one of the portal origins. */
  allows(origin: string | undefined): boolean;
  /** Headers for a preflight answer. */
  preflightHeaders(origin: string, requestMethod: string, requestHeaders: string | undefined): string[];
}

export function createPortalCors(origins: readonly string[]): PortalCors {
  const set = new Set(origins.map((o) => o.replace(/\/+$/, "").toLowerCase()));
  return {
    allows(origin) {
      return origin !== undefined && set.has(origin.toLowerCase());
    },
    preflightHeaders(origin, requestMethod, requestHeaders) {
      const out = [
        "access-control-allow-origin",
        origin,
        "access-control-allow-methods",
        requestMethod,
        "access-control-allow-credentials",
        "true",
        "access-control-max-age",
        "600",
        "vary",
        "Origin",
      ];
      if (requestHeaders) out.push("access-control-allow-headers", requestHeaders);
      return out;
    },
  };
}

/** Finds a header value in node's raw header array by lower-case name (no headers object built). */
export function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  const len = lowerName.length;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === len && (name === lowerName || name.toLowerCase() === lowerName)) return raw[i + 1];
  }
  return undefined;
}
