// PostgreSQL and socket failures mapped onto StoreError codes, in one place, so callers see
// STORE_ERR_UNAVAILABLE (→ 503) whenever the database cannot be reached, whatever layer noticed it.
import { StoreError } from "../contract.js";

const unreachableSocketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

// SQLSTATE: 08 connection exceptions, 57P0x shutdown / cannot connect now, 53 insufficient resources,
// 28 authentication, 3D000 missing database: in every case the store cannot serve.
const unavailableSqlStates = /^(08...|57P0[1-4]|53...|28...|3D000)$/;
const conflictSqlStates = new Set(["40001", "40P01"]);
const unavailableMessages =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed/i;

export function mapPgError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === "string" && conflictSqlStates.has(code)) {
    return new StoreError("STORE_ERR_CONFLICT", `PostgreSQL store: concurrent update (${code}): ${message}`, {
      cause: error,
    });
  }
  if (
    (typeof code === "string" && (unreachableSocketCodes.has(code) || unavailableSqlStates.test(code))) ||
    unavailableMessages.test(message) ||
    (error instanceof AggregateError && error.errors.some((inner) => mapPgError(inner) instanceof StoreError))
  ) {
    return new StoreError("STORE_ERR_UNAVAILABLE", `PostgreSQL store unavailable: ${message || String(code)}`, {
      cause: error,
    });
  }
  return error;
}

/** True for errors after which a pooled connection must not be reused. */
export function isConnectionError(error: unknown): boolean {
  const mapped = mapPgError(error);
  return mapped instanceof StoreError && mapped.code === "STORE_ERR_UNAVAILABLE";
}
