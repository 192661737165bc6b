// Fast path: one backend exchange piped straight into the client response with undici's dispatch
// handler protocol. Raw header arrays in and out, body chunks written as they arrive with
// back-pressure (a full client socket pauses the backend read), no promise per request.
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { backendErrorAnswer, type ErrorAnswer } from "../errors.js";
import type { ClientRequest, ClientResponse } from "../server/client.js";
import { responseHeadersFromRaw } from "./headers.js";

export interface ExchangeResult {
  readonly statusCode: number;
  /** Set when the backend failed: what the client got (or would have got before headers were sent). */
  readonly error: unknown;
  readonly answer: ErrorAnswer | undefined;
}

export interface StreamExchangeOptions {
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: string[];
  readonly body: Readable | Buffer | null;
  readonly timeoutMs: number;
  readonly req: ClientRequest;
  readonly res: ClientResponse;
  /** Headers added to every answer (request id, CORS): flat [name, value, …]. */
  readonly extraHeaders: readonly string[];
  readonly done: (result: ExchangeResult) => void;
  /** Writes an error answer to the client (shared with the rest of the gateway). */
  readonly sendError: (res: ClientResponse, answer: ErrorAnswer, extraHeaders: readonly string[]) => void;
}

class StreamExchange {
  private abort: ((err?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private statusCode = 0;
  private finished = false;
  private readonly o: StreamExchangeOptions;

  constructor(o: StreamExchangeOptions) {
    this.o = o;
    o.res.on("close", this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    // The client went away before the backend finished: stop reading from the backend.
    if (!this.finished && this.abort) this.abort(new Error("client closed the connection"));
  };

  private readonly onDrain = (): void => {
    this.resume?.();
  };

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.o.res.destroyed) abort(new Error("client closed the connection"));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx informational: wait for the final answer
    this.resume = resume;
    this.statusCode = statusCode;
    const res = this.o.res;
    try {
      if (res.writeBackendHead !== undefined)
        res.writeBackendHead(statusCode, statusText, rawHeaders, this.o.extraHeaders);
      else
        res.writeHead(
          statusCode,
          statusText || undefined,
          responseHeadersFromRaw(rawHeaders, [...this.o.extraHeaders]),
        );
    } catch (err) {
      // A backend header node refuses to write (bad characters): the answer is malformed.
      this.abort?.(err as Error);
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    const ok = this.o.res.write(chunk);
    if (!ok) this.o.res.once("drain", this.onDrain);
    return ok;
  }

  onComplete(): void {
    this.finished = true;
    this.o.res.end();
    this.o.res.off("close", this.onClientClose);
    this.o.done({ statusCode: this.statusCode, error: undefined, answer: undefined });
  }

  onError(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    const res = this.o.res;
    res.off("close", this.onClientClose);
    let answer: ErrorAnswer | undefined;
    if (!res.headersSent && !res.destroyed) {
      answer = backendErrorAnswer(err);
      if ((err as { code?: string }).code?.startsWith("ERR_INVALID"))
        answer = backendErrorAnswer({ code: "UND_ERR_INFO" });
      this.o.sendError(res, answer, this.o.extraHeaders);
    } else res.destroy();
    // A request body still arriving is no longer wanted.
    if (!this.o.req.complete) this.o.req.discardBody();
    this.o.done({ statusCode: answer?.statusCode ?? this.statusCode, error: err, answer });
  }
}

export function streamExchange(o: StreamExchangeOptions): void {
  o.dispatcher.dispatch(
    {
      origin: o.origin,
      path: o.path,
      method: o.method as Dispatcher.HttpMethod,
      headers: o.headers,
      body: o.body,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    },
    new StreamExchange(o) as unknown as Dispatcher.DispatchHandler,
  );
}
