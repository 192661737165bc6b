// Request body reading with a hard size limit, and JSON replies. A body over the limit is refused
// before it is buffered whole, so a client cannot make the process hold more than the limit.
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors.js";

export const defaultBodyLimitBytes = 4 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError(413, "RequestEntityTooLarge", `The request body exceeds the limit of ${limitBytes} bytes.`);
}

/** Parses a JSON request body; malformed JSON is a 400 naming the position. Empty body → undefined. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new ApiError(
      400,
      "InvalidRequestContent",
      `The request content is not valid JSON: ${(err as Error).message}`,
      {
        details: [{ code: "InvalidJson", message: (err as Error).message, target: "body" }],
      },
    );
  }
}
