// What rate-limit, rate-limit-by-key, quota and quota-by-key share: the optional header/variable names
// they report through, and APIM's answers when a limit is hit (429 / 403 with Retry-After).
import { PolicyResponseError } from "../errors.js";
import type { PolicyParser } from "../parser.js";
import { deferResponseHeader } from "../request-state.js";
import type { PolicyContext, RateLimitResult } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import { formatTimeSpan, secondsFrom } from "./common.js";

export interface Reporting {
  retryAfterHeader: string | undefined;
  retryAfterVariable: string | undefined;
  remainingHeader: string | undefined;
  remainingVariable: string | undefined;
  totalHeader: string | undefined;
}

export function parseReporting(el: XmlElement, p: PolicyParser, kind: "calls" | "quota"): Reporting {
  const name = (attr: string) => {
    const d = p.nonEmpty(el, attr, { expression: false });
    return d?.kind === "const" ? d.value.trim() : undefined;
  };
  if (kind === "quota") {
    return {
      retryAfterHeader: undefined,
      retryAfterVariable: undefined,
      remainingHeader: undefined,
      remainingVariable: undefined,
      totalHeader: undefined,
    };
  }
  return {
    retryAfterHeader: name("retry-after-header-name"),
    retryAfterVariable: name("retry-after-variable-name"),
    remainingHeader: name("remaining-calls-header-name"),
    remainingVariable: name("remaining-calls-variable-name"),
    totalHeader: name("total-calls-header-name"),
  };
}

/** Publishes counters (variables now, headers on the final response) and throws 429 when exceeded. */
export function reportRateLimit(
  ctx: PolicyContext,
  r: Reporting,
  result: RateLimitResult,
  limit: number,
  exceeded: boolean,
  source: string,
): void {
  const remaining = Math.max(0, result.remaining);
  if (r.remainingVariable) ctx.variables.set(r.remainingVariable, remaining);
  if (r.remainingHeader) deferResponseHeader(ctx, r.remainingHeader, String(remaining));
  if (r.totalHeader) deferResponseHeader(ctx, r.totalHeader, String(limit));
  if (!exceeded) return;
  const seconds = secondsFrom(result.retryAfterMs);
  if (r.retryAfterVariable) ctx.variables.set(r.retryAfterVariable, seconds);
  const headers: Array<[string, string]> = [[r.retryAfterHeader ?? "Retry-After", String(seconds)]];
  if (r.remainingHeader) headers.push([r.remainingHeader, "0"]);
  if (r.totalHeader) headers.push([r.totalHeader, String(limit)]);
  throw new PolicyResponseError(
    source,
    "RateLimitExceeded",
    `Rate limit is exceeded. Try again in ${seconds} seconds.`,
    429,
    headers,
  );
}

export function quotaExceeded(source: string, result: RateLimitResult, callsExhausted: boolean): PolicyResponseError {
  const what = callsExhausted ? "call volume" : "bandwidth";
  return new PolicyResponseError(
    source,
    "QuotaExceeded",
    `Out of ${what} quota. Quota will be replenished in ${formatTimeSpan(result.retryAfterMs)}.`,
    403,
    [["Retry-After", String(secondsFrom(result.retryAfterMs))]],
  );
}

/** Bytes of request and response, in kilobytes, for bandwidth quotas. */
export function kilobytesOf(ctx: PolicyContext): number {
  const bytes = (ctx.request.body.bytes?.length ?? 0) + (ctx.response?.body.bytes?.length ?? 0);
  return bytes / 1024;
}
