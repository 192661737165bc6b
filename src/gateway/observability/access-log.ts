// Structured access log lines (pino) and the one place secrets are redacted: the Authorization and
// subscription-key headers (when headers are logged) and the subscription-key query value in URLs.
import type { Logger } from "pino";

/** pino `redact` paths for loggers that may carry request headers. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["ocp-apim-subscription-key"]',
  "headers.authorization",
  'headers["ocp-apim-subscription-key"]',
];

/** Replaces the value of every query parameter in `names` (and `subscription-key`) with "[REDACTED]". */
export function redactUrl(url: string, names: readonly string[] = []): string {
  const q = url.indexOf("?");
  if (q === -1) return url;
  const parts = url.slice(q + 1).split("&");
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    const eq = p.indexOf("=");
    const name = (eq === -1 ? p : p.slice(0, eq)).toLowerCase();
    if (name === "subscription-key" || names.some((n) => n.toLowerCase() === name)) {
      parts[i] = `${p.slice(0, eq === -1 ? p.length : eq)}=[REDACTED]`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${parts.join("&")}` : url;
}

export interface AccessLogEntry {
  requestId: string;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  backendMs: number | undefined;
  api: string | undefined;
  operation: string | undefined;
  clientIp: string | undefined;
  error: string | undefined;
}

export function writeAccessLog(logger: Logger, entry: AccessLogEntry): void {
  if (entry.status >= 500) logger.warn(entry, "request");
  else logger.info(entry, "request");
}
