// The gateway's lean HTTP/1.1 front for plain-HTTP listeners. node:http spends more CPU per request
// than the rest of the proxy put together (IncomingMessage and ServerResponse streams, per-header
// callbacks, corked writev); this front reads a request head with request-head.ts, hands the
// request to the gateway's handler as a ClientRequest, and writes the answer straight to the socket.
// It serves what it fully understands — complete, bodyless HTTP/1.1 requests — and hands the
// connection, with every byte read so far, to node:http at the first request it does not (a body,
// an upgrade, Expect, HTTP/1.0, a malformed or incomplete head). node:http then serves that
// connection to its end, with its own limits and error answers.
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import type { ClientRequest } from "../client.js";
import type { RequestHandler } from "../handler.js";
import { LeanResponse, type ResponseOwner } from "./lean-response.js";
import { INCOMPLETE, parseRequestHead, type RequestHead, UNSUPPORTED } from "./request-head.js";

export interface LeanFrontOptions {
  readonly handler: RequestHandler;
  /** node:http's connection handling: takes over the socket (bytes already read are unshifted first). */
  readonly handOff: (socket: Socket) => void;
  readonly keepAliveTimeoutMs: number;
  /** A connection that has not sent a request within this time is closed. */
  readonly headersTimeoutMs: number;
  readonly maxHeaderSize: number;
}

export interface LeanFront {
  accept(socket: Socket): void;
  /** Ends the connection after its in-flight response; false when the socket is not the lean front's. */
  endAfterResponse(socket: Socket): boolean;
  /** From now on no connection is kept alive: idle ones end now, busy ones after their response. */
  drain(): void;
  destroyAll(): void;
}

class LeanRequest implements ClientRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly remoteAddress: string | undefined;
  readonly secure = false;
  readonly body: Readable | undefined = undefined;
  readonly complete = true;
  constructor(head: RequestHead, remoteAddress: string | undefined) {
    this.method = head.method;
    this.url = head.url;
    this.rawHeaders = head.rawHeaders;
    this.remoteAddress = remoteAddress;
  }
  discardBody(): void {}
}

const noop = (): void => {};
const serveLater = (conn: LeanConnection): void => conn.serveNext();

class LeanConnection implements ResponseOwner {
  readonly keepAliveLine: string;
  private buffered: Buffer | undefined = undefined;
  private current: LeanResponse | undefined = undefined;
  private wantsKeepAlive = true;
  private ending = false;
  private paused = false;
  private readonly remoteAddress: string | undefined;
  /** When the connection last became idle (monotonic ms), for the keep-alive sweep. */
  idleSince: number;
  served = 0;

  constructor(
    readonly socket: Socket,
    private readonly front: Front,
  ) {
    this.keepAliveLine = front.keepAliveLine;
    this.remoteAddress = socket.remoteAddress;
    this.idleSince = performance.now();
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onClose);
    socket.on("error", noop);
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  keepAlive(): boolean {
    return this.wantsKeepAlive && !this.ending && !this.front.draining;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffered = this.buffered === undefined ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.current === undefined) this.serveNext();
    else if (this.buffered.length > this.front.options.maxHeaderSize && !this.paused) {
      // A client sending ahead of its answers: stop reading until this response is out.
      this.paused = true;
      this.socket.pause();
    }
  };

  private readonly onEnd = (): void => {
    // The client sent FIN. Like node:http (without httpAllowHalfOpen), a request in flight is
    // abandoned (its abort signal fires); a complete request already read is still answered.
    this.ending = true;
    if (this.current !== undefined) this.socket.destroy();
    else if (this.buffered !== undefined) this.serveNext();
    else this.socket.destroySoon();
  };

  private readonly onClose = (): void => {
    this.front.connections.delete(this.socket);
    this.current?.socketClosed();
    this.current = undefined;
  };

  serveNext(): void {
    const buf = this.buffered;
    if (buf === undefined || this.current !== undefined || this.socket.destroyed) return;
    const head = parseRequestHead(buf, 0, this.front.options.maxHeaderSize);
    if (head === INCOMPLETE || head === UNSUPPORTED) {
      this.handOff();
      return;
    }
    this.buffered = head.end === buf.length ? undefined : buf.subarray(head.end);
    this.wantsKeepAlive = head.keepAlive;
    const res = new LeanResponse(this, head.method);
    this.current = res;
    this.served++;
    this.front.options.handler(new LeanRequest(head, this.remoteAddress), res);
  }

  responseFinished(res: LeanResponse): void {
    if (this.current !== res) return;
    this.current = undefined;
    if (!this.keepAlive()) {
      this.socket.destroySoon();
      return;
    }
    this.idleSince = performance.now();
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    // Pipelined requests: served on the next tick (no recursion through the handler).
    if (this.buffered !== undefined) process.nextTick(serveLater, this);
  }

  endAfterResponse(): void {
    this.ending = true;
    if (this.current === undefined) this.socket.destroySoon();
  }

  private handOff(): void {
    const socket = this.socket;
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("close", this.onClose);
    socket.off("error", noop);
    this.front.connections.delete(socket);
    if (socket.readableEnded) {
      // The client already half-closed: node:http cannot take over a finished stream.
      socket.destroy();
      return;
    }
    socket.pause();
    if (this.buffered !== undefined) socket.unshift(this.buffered);
    this.buffered = undefined;
    this.front.options.handOff(socket);
    socket.resume();
  }
}

class Front implements LeanFront {
  readonly connections = new Map<Socket, LeanConnection>();
  readonly keepAliveLine: string;
  draining = false;
  private sweeper: NodeJS.Timeout | undefined = undefined;

  constructor(readonly options: LeanFrontOptions) {
    this.keepAliveLine = `Keep-Alive: timeout=${Math.floor(options.keepAliveTimeoutMs / 1000)}\r\n`;
  }

  accept(socket: Socket): void {
    this.connections.set(socket, new LeanConnection(socket, this));
    if (this.sweeper === undefined) {
      const every = Math.max(
        50,
        Math.min(1_000, this.options.keepAliveTimeoutMs / 4, this.options.headersTimeoutMs / 4),
      );
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref();
    }
  }

  /** Closes connections idle past the keep-alive timeout (or silent past the headers timeout). */
  private sweep(): void {
    if (this.connections.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      return;
    }
    const now = performance.now();
    for (const conn of this.connections.values()) {
      if (conn.busy) continue;
      const limit = conn.served === 0 ? this.options.headersTimeoutMs : this.options.keepAliveTimeoutMs;
      if (now - conn.idleSince >= limit) conn.socket.destroySoon();
    }
  }

  endAfterResponse(socket: Socket): boolean {
    const conn = this.connections.get(socket);
    if (conn === undefined) return false;
    conn.endAfterResponse();
    return true;
  }

  drain(): void {
    this.draining = true;
    for (const conn of this.connections.values()) if (!conn.busy) conn.socket.destroySoon();
  }

  destroyAll(): void {
    for (const socket of this.connections.keys()) socket.destroy();
  }
}

export const createLeanFront = (options: LeanFrontOptions): LeanFront => new Front(options);
