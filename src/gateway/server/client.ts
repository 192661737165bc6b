// What the request lifecycle needs of the client's request and response. Two fronts provide it:
// node:http (IncomingMessage / ServerResponse, for requests with bodies, upgrades, TLS and anything
// unusual) and the lean HTTP/1.1 front (http1/, bodyless requests on plain listeners, the hot path).
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";

export interface ClientRequest {
  readonly method: string;
  /** Request target as sent (origin-form starts with "/"). */
  readonly url: string;
  /** [name, value, …] as sent. */
  readonly rawHeaders: string[];
  readonly remoteAddress: string | undefined;
  /** Arrived over TLS. */
  readonly secure: boolean;
  /** The body as a stream; undefined when the front knows there is none. */
  readonly body: Readable | undefined;
  /** The body has been read to its end (always true without a body). */
  readonly complete: boolean;
  /** Reads and discards whatever of the body is still to come. */
  discardBody(): void;
}

/** The subset of ServerResponse the gateway writes answers with (ServerResponse satisfies it). */
export interface ClientResponse {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  /** Throws (like node) when a header name or value has characters HTTP forbids. */
  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): unknown;
  /**
   * Optional fast path for a backend answer's head as undici delivers it (raw name/value bytes, parsed
   * strictly): hop-by-hop headers left out, `extraHeaders` added. Without it, callers convert the raw
   * headers and use writeHead.
   */
  writeBackendHead?(
    statusCode: number,
    statusText: string,
    raw: readonly Buffer[],
    extraHeaders: readonly string[],
  ): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): unknown;
  destroy(error?: Error): unknown;
  on(event: "close" | "drain" | "finish", listener: () => void): unknown;
  once(event: "close" | "drain" | "finish", listener: () => void): unknown;
  off(event: "close" | "drain" | "finish", listener: () => void): unknown;
}

/** node:http's request seen through ClientRequest. */
class NodeClientRequest implements ClientRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly remoteAddress: string | undefined;
  readonly secure: boolean;
  readonly body: Readable;
  constructor(req: IncomingMessage) {
    this.method = req.method as string;
    this.url = req.url as string;
    this.rawHeaders = req.rawHeaders;
    // Read now: node sets req.socket to null once the response has ended.
    this.remoteAddress = req.socket.remoteAddress;
    this.secure = (req.socket as TLSSocket).encrypted === true;
    this.body = req;
  }
  get complete(): boolean {
    const req = this.body as IncomingMessage;
    return req.complete || req.readableEnded;
  }
  discardBody(): void {
    this.body.resume();
  }
}

export const fromNodeRequest = (req: IncomingMessage): ClientRequest => new NodeClientRequest(req);
