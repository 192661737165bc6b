// Writing answers to the client: APIM error bodies and responses built by the pipeline.
import type { Readable } from "node:stream";
import type { PolicyResponse } from "../../policy/types.js";
import type { ErrorAnswer } from "../errors.js";
import type { ClientResponse } from "./client.js";

export function sendError(res: ClientResponse, answer: ErrorAnswer, extraHeaders: readonly string[]): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const headers = [...extraHeaders, "content-type", "application/json", "content-length", String(answer.body.length)];
  res.writeHead(answer.statusCode, undefined, headers);
  res.end(answer.body);
}

/** Empty 200 (health check) and similar fixed answers. */
export function sendEmpty(res: ClientResponse, statusCode: number, extraHeaders: readonly string[]): void {
  res.writeHead(statusCode, undefined, [...extraHeaders, "content-length", "0"]);
  res.end();
}

/** Writes the pipeline's response; resolves when the body is written (or the client is gone). */
export function sendPolicyResponse(
  res: ClientResponse,
  response: PolicyResponse,
  extraHeaders: readonly string[],
  onDone: (err?: Error) => void,
): void {
  const flat: string[] = [...extraHeaders];
  const body = response.body;
  for (const [name, values] of response.headers) {
    // A buffered body may have been rewritten by a policy: its length is recomputed below.
    if (body.buffered && (name === "content-length" || name === "transfer-encoding")) continue;
    for (const v of values) flat.push(name, v);
  }
  if (body.buffered) flat.push("content-length", String(body.bytes?.length ?? 0));
  try {
    res.writeHead(response.statusCode, response.statusReason || undefined, flat);
  } catch (err) {
    onDone(err as Error);
    return;
  }
  if (body.buffered || body.stream === undefined) {
    res.end(body.bytes);
    onDone();
    return;
  }
  // Copied by hand rather than pipe()d: the lean front's response is not a Writable stream.
  // (stream.pipeline() would also allocate an AbortController and a DOMException per call.)
  const source = body.stream as Readable;
  let settled = false;
  const settle = (err?: Error): void => {
    if (settled) return;
    settled = true;
    source.off("data", onData);
    res.off("drain", onDrain);
    onDone(err);
  };
  const onDrain = (): void => {
    source.resume();
  };
  const onData = (chunk: Buffer): void => {
    if (!res.write(chunk)) {
      source.pause();
      res.once("drain", onDrain);
    }
  };
  source.on("data", onData);
  source.once("end", () => {
    res.end();
    settle();
  });
  source.once("error", (err: Error) => {
    res.destroy(err);
    settle(err);
  });
  res.once("close", () => {
    if (!res.writableFinished) {
      source.destroy();
      settle(new Error("client closed the connection"));
    } else settle();
  });
}
