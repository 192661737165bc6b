// Every failure leaves the management API in Azure's error envelope. Handlers throw ApiError (or let
// MoatError/StoreError bubble); toErrorReply is the one place that maps codes to HTTP statuses.
import type { Diagnostic } from "../core/errors.js";
import { MoatError } from "../core/errors.js";
import { StoreError } from "../store/contract.js";

export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly ErrorDetail[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: readonly ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
}

/** 400 ValidationError with one detail per problem, each naming its field. */
export function validationError(details: readonly ErrorDetail[], message?: string): ApiError {
  const first = details[0];
  return new ApiError(
    400,
    "ValidationError",
    message ??
      (first ? `${first.target ? `${first.target}: ` : ""}${first.message}` : "One or more fields are invalid."),
    { details },
  );
}

export function notFound(what: string): ApiError {
  return new ApiError(404, "ResourceNotFound", `${what} was not found.`);
}

export function diagnosticsToDetails(diagnostics: readonly Diagnostic[], prefix = ""): ErrorDetail[] {
  return diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => {
      const where =
        d.line !== undefined ? ` (line ${d.line}${d.column !== undefined ? `, column ${d.column}` : ""})` : "";
      const target = [prefix, d.path].filter(Boolean).join(prefix && d.path ? "/" : "");
      return { code: d.code, message: `${d.message}${where}`, ...(target ? { target } : {}) };
    });
}

export interface ErrorReply {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when the cause is unexpected and belongs in the log. */
  internal: boolean;
}

const storeStatus: Record<string, number> = {
  STORE_ERR_NOT_FOUND: 404,
  STORE_ERR_PRECONDITION: 412,
  STORE_ERR_CONFLICT: 409,
  STORE_ERR_UNAVAILABLE: 503,
  STORE_ERR_INVALID: 400,
};

const storeCode: Record<string, string> = {
  STORE_ERR_NOT_FOUND: "ResourceNotFound",
  STORE_ERR_PRECONDITION: "PreconditionFailed",
  STORE_ERR_CONFLICT: "Conflict",
  STORE_ERR_UNAVAILABLE: "ServiceUnavailable",
  STORE_ERR_INVALID: "ValidationError",
};

/** Maps any thrown value to a reply. Unknown faults become a terse 500 carrying the request id. */
export function toErrorReply(err: unknown, requestId: string): ErrorReply {
  const make = (
    status: number,
    code: string,
    message: string,
    details: readonly ErrorDetail[] = [],
    internal = false,
  ) => ({
    status,
    body: { error: { code, message, details: [...details] } },
    headers: {},
    internal,
  });
  if (err instanceof ApiError)
    return { ...make(err.status, err.code, err.message, err.details), headers: { ...err.headers } };
  if (err instanceof StoreError) {
    const status = storeStatus[err.code] ?? 500;
    const message =
      err.code === "STORE_ERR_PRECONDITION"
        ? "The entity has been modified since it was read (If-Match / If-None-Match did not hold)."
        : err.message;
    return make(status, storeCode[err.code] ?? "InternalError", message, [], status >= 500);
  }
  if (err instanceof MoatError) {
    const status = moatStatus(err.code);
    return make(
      status,
      status === 400 ? "ValidationError" : err.code,
      err.message,
      diagnosticsToDetails(err.details),
      status >= 500,
    );
  }
  return make(500, "InternalError", `An unexpected error occurred. Request id: ${requestId}.`, [], true);
}

function moatStatus(code: string): number {
  if (/NOT_FOUND/.test(code)) return 404;
  if (/UNAVAILABLE|FETCH/.test(code)) return 502;
  if (/CONFLICT/.test(code)) return 409;
  if (/_ERR_/.test(code)) return 400;
  return 500;
}
