// Backend call of the policy path (forward-request) on undici's dispatch protocol: resolves when the
// response headers arrive, with a HeaderMap built straight from the raw headers and the body either
// buffered (a policy reads it) or exposed as a Readable fed with back-pressure. Cheaper than
// undici's request() API, which allocates an AsyncResource and a parsed header object per call.
import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { HeaderMap, MessageBody } from "../../policy/types.js";
import { isResponseHopHeader, listedConnectionHeaders } from "./headers.js";

export interface CapturedResponse {
  statusCode: number;
  statusReason: string;
  headers: HeaderMap;
  body: MessageBody;
}

export class ResponseTooLargeError extends Error {
  readonly code = "MOAT_RESPONSE_TOO_LARGE";
}

class CaptureExchange {
  private abort: ((err?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private stream: Readable | undefined;
  private chunks: Buffer[] | undefined;
  private size = 0;
  private statusCode = 0;
  private statusReason = "";
  private headers: HeaderMap | undefined;
  private settled = false;

  constructor(
    private readonly buffer: boolean,
    private readonly maxBytes: number,
    private readonly resolve: (r: CapturedResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    this.resume = resume;
    const headers: HeaderMap = new Map();
    const listed = listedConnectionHeaders(raw);
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as Buffer).toString("latin1").toLowerCase();
      if (isResponseHopHeader(name) || listed?.has(name)) continue;
      const value = (raw[i + 1] as Buffer).toString("latin1");
      const list = headers.get(name);
      if (list) list.push(value);
      else headers.set(name, [value]);
    }
    this.statusCode = statusCode;
    this.statusReason = statusText;
    this.headers = headers;
    if (this.buffer) {
      this.chunks = [];
      return true;
    }
    const stream = new Readable({
      read: () => {
        this.resume?.();
      },
      destroy: (err, cb) => {
        // The consumer went away: stop the backend transfer.
        if (!this.settledBody) this.abort?.(err ?? new Error("response body discarded"));
        cb(err);
      },
    });
    this.stream = stream;
    this.settled = true;
    this.resolve({
      statusCode,
      statusReason: statusText,
      headers,
      body: { buffered: false, bytes: undefined, stream },
    });
    return true;
  }

  private settledBody = false;

  onData(chunk: Buffer): boolean {
    if (this.chunks) {
      this.size += chunk.length;
      if (this.size > this.maxBytes) {
        this.abort?.(new ResponseTooLargeError(`response body exceeds ${this.maxBytes} bytes`));
        return false;
      }
      this.chunks.push(chunk);
      return true;
    }
    return this.stream ? this.stream.push(chunk) : true;
  }

  onComplete(): void {
    this.settledBody = true;
    if (this.chunks) {
      this.settled = true;
      this.resolve({
        statusCode: this.statusCode,
        statusReason: this.statusReason,
        headers: this.headers ?? new Map(),
        body: { buffered: true, bytes: Buffer.concat(this.chunks) },
      });
    } else this.stream?.push(null);
  }

  onError(err: Error): void {
    this.settledBody = true;
    if (!this.settled) {
      this.settled = true;
      this.reject(err);
    } else this.stream?.destroy(err);
  }
}

export function captureExchange(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  buffer: boolean,
  maxBytes: number,
): Promise<CapturedResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(
      options,
      new CaptureExchange(buffer, maxBytes, resolve, reject) as unknown as Dispatcher.DispatchHandler,
    );
  });
}
