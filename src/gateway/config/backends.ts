// Backend entities compiled once per revision: parsed URL, credentials to add to every forwarded
// request, TLS validation switches and circuit-breaker rules with durations in milliseconds.
import type { BackendProperties } from "../../model/resources.js";

export interface BreakerRule {
  readonly name: string;
  /** Failures within `intervalMs` that trip the breaker (count), or percentage of calls. */
  readonly count: number | undefined;
  readonly percentage: number | undefined;
  readonly intervalMs: number;
  readonly tripDurationMs: number;
  /** Status code ranges that count as failures (none given: 5xx). */
  readonly statusRanges: ReadonlyArray<readonly [number, number]>;
  /** Whether connection failures/timeouts count ("BackendConnectionFailure", "Timeout"). */
  readonly countsErrors: boolean;
  readonly acceptRetryAfter: boolean;
}

export interface BackendRoute {
  readonly name: string;
  /** Base URL without trailing slash. */
  readonly url: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly authorization: string | undefined;
  readonly rejectUnauthorized: boolean;
  readonly checkServerName: boolean;
  readonly certificateIds: readonly string[];
  readonly breaker: readonly BreakerRule[];
}

const isoDuration = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** ISO 8601 duration ("PT1M", "P1DT2H") or .NET TimeSpan ("00:01:00") → ms; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const iso = isoDuration.exec(text);
  if (iso && text.length > 1 && text.toUpperCase() !== "PT") {
    const [, d, h, m, s] = iso;
    return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
  }
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (span) {
    const [, d, h, m, s] = span;
    return ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000;
  }
  return undefined;
}

export function compileBackend(name: string, props: BackendProperties): BackendRoute {
  const creds = props.credentials ?? {};
  const headers: Array<[string, string]> = [];
  for (const [k, values] of Object.entries(creds.header ?? {}))
    for (const v of values) headers.push([k.toLowerCase(), v]);
  const query: Array<[string, string]> = [];
  for (const [k, values] of Object.entries(creds.query ?? {})) for (const v of values) query.push([k, v]);
  const breaker: BreakerRule[] = [];
  for (const rule of props.circuitBreaker?.rules ?? []) {
    const fc = rule.failureCondition;
    breaker.push({
      name: rule.name,
      count: fc.count,
      percentage: fc.percentage,
      intervalMs: parseDurationMs(fc.interval) ?? 60_000,
      tripDurationMs: parseDurationMs(rule.tripDuration) ?? 60_000,
      statusRanges: (fc.statusCodeRanges ?? [{ min: 500, max: 599 }]).map((r) => [r.min, r.max] as const),
      countsErrors: fc.errorReasons === undefined || fc.errorReasons.length > 0,
      acceptRetryAfter: rule.acceptRetryAfter === true,
    });
  }
  return {
    name,
    url: props.url.replace(/\/+$/, ""),
    headers,
    query,
    authorization: creds.authorization ? `${creds.authorization.scheme} ${creds.authorization.parameter}` : undefined,
    rejectUnauthorized: props.tls?.validateCertificateChain !== false,
    checkServerName: props.tls?.validateCertificateName !== false,
    certificateIds: creds.certificateIds ?? [],
    breaker,
  };
}
