// APIM's default error answers, serialised once. Status mapping for faults happens here and nowhere else.
export interface ErrorAnswer {
  readonly statusCode: number;
  readonly body: Buffer;
}

const answer = (statusCode: number, message: string): ErrorAnswer =>
  Object.freeze({ statusCode, body: Buffer.from(JSON.stringify({ statusCode, message })) });

export const NOT_FOUND = answer(404, "Resource not found");
export const MISSING_KEY = answer(
  401,
  "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
);
export const INVALID_KEY = answer(
  401,
  "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
);
export const BACKEND_CONNECTION_FAILURE = answer(
  502,
  "BackendConnectionFailure: the backend connection could not be established or was closed before a response was received.",
);
export const BACKEND_TIMEOUT = answer(504, "Timeout: the backend did not respond within the forward-request timeout.");
export const BACKEND_BAD_RESPONSE = answer(502, "BackendConnectionFailure: the backend returned a malformed response.");
export const BACKEND_CIRCUIT_OPEN = answer(503, "Service unavailable: the backend circuit breaker is open.");
export const BAD_REQUEST = answer(400, "Bad request");
export const PAYLOAD_TOO_LARGE = answer(413, "Request entity too large");
export const INTERNAL_ERROR = answer(500, "Internal server error");

/** Classifies an undici/socket error into the APIM answer for the client. */
export function backendErrorAnswer(err: unknown): ErrorAnswer {
  const code = (err as { code?: string } | undefined)?.code ?? "";
  switch (code) {
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return BACKEND_TIMEOUT;
    case "HPE_INVALID_CONSTANT":
    case "HPE_INVALID_STATUS":
    case "HPE_INVALID_VERSION":
    case "HPE_INVALID_HEADER_TOKEN":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
    case "HPE_INVALID_CHUNK_SIZE":
    case "UND_ERR_INFO":
      return BACKEND_BAD_RESPONSE;
    default:
      return BACKEND_CONNECTION_FAILURE;
  }
}

/** Error reason recorded in metrics and LastError for a backend fault. */
export function backendErrorReason(err: unknown): "Timeout" | "BackendConnectionFailure" {
  return backendErrorAnswer(err) === BACKEND_TIMEOUT ? "Timeout" : "BackendConnectionFailure";
}
