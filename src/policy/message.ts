// Small helpers over the message shapes of the contract (headers, bodies, responses).
import { STATUS_CODES } from "node:http";
import type { HeaderMap, MessageBody, PolicyContext, PolicyResponse } from "./types.js";

export function reasonPhrase(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? "";
}

export function bufferedBody(bytes: Buffer | undefined): MessageBody {
  return { buffered: true, bytes };
}

/** A response with an APIM-style JSON body (or empty when `body` is undefined). */
export function newResponse(statusCode: number, body?: unknown): PolicyResponse {
  const headers: HeaderMap = new Map();
  let bytes: Buffer | undefined;
  if (body !== undefined) {
    bytes = Buffer.from(JSON.stringify(body, null, 4));
    headers.set("content-type", ["application/json"]);
  }
  return { statusCode, statusReason: reasonPhrase(statusCode), headers, body: bufferedBody(bytes) };
}

export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const values = headers.get(name);
  return values === undefined ? undefined : values.join(",");
}

/** Reads a body that the gateway buffered (needsRequestBody/needsResponseBody). */
export function bodyText(body: MessageBody): string {
  return body.bytes ? body.bytes.toString("utf8") : "";
}

export function setBodyText(text: string | Buffer, headers?: HeaderMap): MessageBody {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const next: MessageBody = { buffered: true, bytes };
  if (headers) {
    headers.delete("content-length");
    headers.delete("transfer-encoding");
  }
  return next;
}

/** The response a statement in outbound/on-error works on; created (200) when a policy writes to none. */
export function ensureResponse(ctx: PolicyContext): PolicyResponse {
  if (!ctx.response) ctx.response = newResponse(200);
  return ctx.response;
}
