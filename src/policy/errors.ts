// Runtime failures of policies. A PolicyResponseError is APIM's "predefined error": it routes the run to
// on-error with context.LastError set, and when on-error does not answer, its status, headers and message
// become the response ({ "statusCode": N, "message": "..." }).
import type { StatementOrigin } from "./definition.js";
import { PolicyError } from "./types.js";

export class PolicyResponseError extends PolicyError {
  /** Headers the default error response carries (Retry-After, WWW-Authenticate …). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  constructor(
    source: string,
    reason: string,
    message: string,
    statusCode: number,
    headers: ReadonlyArray<readonly [string, string]> = [],
  ) {
    super(source, reason, message, statusCode);
    this.name = "PolicyResponseError";
    this.headers = headers;
  }
}

// The innermost statement that failed: recorded once, read by the runner to fill LastError.
const origins = new WeakMap<object, StatementOrigin>();

export function recordOrigin(error: unknown, origin: StatementOrigin): void {
  if (typeof error === "object" && error !== null && !origins.has(error)) origins.set(error, origin);
}

export function originOf(error: unknown): StatementOrigin | undefined {
  return typeof error === "object" && error !== null ? origins.get(error) : undefined;
}
