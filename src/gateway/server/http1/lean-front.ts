// The gateway's lean HTTP/1.1 front (plain HTTP, or HTTPS once the TLS handshake is done). node:http
// spends more CPU per request than the rest of the proxy put together (IncomingMessage and ServerResponse streams, per-header
// callbacks, corked writev); this front reads a request head with request-head.ts, hands the
// request to the gateway's handler as a ClientRequest, and writes the answer straight to the socket.
// It serves what it fully understands — complete HTTP/1.1 heads, with no body or a Content-Length
// body (streamed to the handler with back-pressure) — and hands the connection, with every byte read
// so far, to node:http at the first request it does not (chunked bodies, an upgrade, Expect,
// HTTP/1.0, a malformed or incomplete head). node:http then serves that connection to its end, with
// its own limits and error answers.
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import type { ClientRequest } from "../client.js";
import type { RequestHandler } from "../handler.js";
import { LeanResponse, type ResponseOwner } from "./lean-response.js";
import { INCOMPLETE, parseRequestHead, type RequestHead, UNSUPPORTED } from "./request-head.js";

export interface LeanFrontOptions {
  readonly handler: RequestHandler;
  /** node:http's connection handling: takes over the socket (bytes already read are unshifted first). */
  readonly handOff: (socket: Socket) => void;
  /** The sockets are TLS sockets (their handshake done): requests are https. */
  readonly secure: boolean;
  readonly keepAliveTimeoutMs: number;
  /** A connection that has not sent a request within this time is closed. */
  readonly headersTimeoutMs: number;
  /** A request body still arriving after this time (from its head) is abandoned: the socket closes. */
  readonly requestTimeoutMs: number;
  readonly maxHeaderSize: number;
}

export interface LeanFront {
  accept(socket: Socket): void;
  /**
   * Ends the connection after its in-flight response; false when the socket is not the lean front's.
   * `socket` may be the TCP socket under a TLS connection (matched by its remote address and port).
   */
  endAfterResponse(socket: Socket): boolean;
  /** From now on no connection is kept alive: idle ones end now, busy ones after their response. */
  drain(): void;
  destroyAll(): void;
}

/** A Content-Length request body: fed by the connection, pulled by whoever reads the request. */
class LeanBody extends Readable {
  constructor(private readonly conn: LeanConnection) {
    super();
  }
  override _read(): void {
    this.conn.bodyWanted();
  }
}

class LeanRequest implements ClientRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly remoteAddress: string | undefined;
  readonly secure: boolean;
  readonly body: LeanBody | undefined;
  constructor(
    head: RequestHead,
    remoteAddress: string | undefined,
    private readonly conn: LeanConnection,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.rawHeaders = head.rawHeaders;
    this.remoteAddress = remoteAddress;
    this.secure = conn.secure;
    this.body = head.contentLength > 0 ? new LeanBody(conn) : undefined;
  }
  get complete(): boolean {
    return this.body === undefined || this.conn.bodyDone(this.body);
  }
  discardBody(): void {
    if (this.body !== undefined) this.conn.discard(this.body);
  }
}

const noop = (): void => {};
const serveLater = (conn: LeanConnection): void => conn.serveNext();

class LeanConnection implements ResponseOwner {
  readonly keepAliveLine: string;
  readonly secure: boolean;
  private buffered: Buffer | undefined = undefined;
  private current: LeanResponse | undefined = undefined;
  /** The body being received, its bytes still to come, and whether they are thrown away. */
  private body: LeanBody | undefined = undefined;
  private bodyRemaining = 0;
  private discarding = false;
  private wantsKeepAlive = true;
  private ending = false;
  /** Reading stopped: a client sending ahead of its answers, or a body reader that is full. */
  private paused = false;
  private readonly remoteAddress: string | undefined;
  /** When the connection last became idle, or its current request began (monotonic ms). */
  since: number;
  served = 0;

  constructor(
    readonly socket: Socket,
    private readonly front: Front,
  ) {
    this.keepAliveLine = front.keepAliveLine;
    this.secure = front.options.secure;
    this.remoteAddress = socket.remoteAddress;
    this.since = performance.now();
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onClose);
    socket.on("error", noop);
  }

  /** A response is being written or a body is still arriving. */
  get busy(): boolean {
    return this.current !== undefined || this.bodyRemaining > 0;
  }

  get receivingBody(): boolean {
    return this.bodyRemaining > 0;
  }

  keepAlive(): boolean {
    return this.wantsKeepAlive && !this.ending && !this.front.draining;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.bodyRemaining > 0) {
      const rest = this.feedBody(chunk);
      if (rest === undefined) return;
      chunk = rest;
    }
    this.buffered = this.buffered === undefined ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.current === undefined) this.serveNext();
    else if (this.buffered.length > this.front.options.maxHeaderSize) this.pause();
  };

  /** Gives the body its bytes; returns what follows it (the next request), if any. */
  private feedBody(chunk: Buffer): Buffer | undefined {
    const take = Math.min(chunk.length, this.bodyRemaining);
    this.bodyRemaining -= take;
    const part = take === chunk.length ? chunk : chunk.subarray(0, take);
    const body = this.body as LeanBody;
    if (!this.discarding && !body.push(part)) this.pause();
    if (this.bodyRemaining === 0) {
      if (!this.discarding) body.push(null);
      this.body = undefined;
      this.discarding = false;
      // The answer went out before the body was in: now the next request may be read.
      if (this.current === undefined && !this.keepAlive()) this.socket.destroySoon();
    }
    return take === chunk.length ? undefined : chunk.subarray(take);
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  bodyWanted(): void {
    if (this.current !== undefined || this.bodyRemaining > 0) this.resume();
  }

  bodyDone(body: LeanBody): boolean {
    return this.body !== body;
  }

  /** The rest of this body is read and dropped (node's req.resume()); its reader has given up. */
  discard(body: LeanBody): void {
    if (this.body !== body || this.discarding) return;
    this.discarding = true;
    body.destroy();
    this.resume();
  }

  private readonly onEnd = (): void => {
    // The client sent FIN. Like node:http (without httpAllowHalfOpen), a request in flight is
    // abandoned (its abort signal fires); a complete request already read is still answered.
    this.ending = true;
    if (this.busy) this.socket.destroy();
    else if (this.buffered !== undefined) this.serveNext();
    else this.socket.destroySoon();
  };

  private readonly onClose = (): void => {
    this.front.connections.delete(this.socket);
    const body = this.body;
    if (body !== undefined && this.bodyRemaining > 0 && !this.discarding) {
      // As node:http's IncomingMessage: the error goes to a reader that listens for one; a body
      // nobody reads yet (a policy still waiting on a side call) is just destroyed — an 'error'
      // without listeners would bring the process down.
      const aborted = Object.assign(new Error("aborted: the client closed the connection mid-body"), {
        code: "ECONNRESET",
      });
      if (body.listenerCount("error") > 0) body.destroy(aborted);
      else body.destroy();
    }
    this.body = undefined;
    this.bodyRemaining = 0;
    this.current?.socketClosed();
    this.current = undefined;
  };

  serveNext(): void {
    const buf = this.buffered;
    if (buf === undefined || this.busy || this.socket.destroyed) return;
    const head = parseRequestHead(buf, 0, this.front.options.maxHeaderSize);
    if (head === INCOMPLETE || head === UNSUPPORTED) {
      this.handOff();
      return;
    }
    this.buffered = head.end === buf.length ? undefined : buf.subarray(head.end);
    this.wantsKeepAlive = head.keepAlive;
    this.since = performance.now();
    const req = new LeanRequest(head, this.remoteAddress, this);
    if (req.body !== undefined) {
      this.body = req.body;
      this.bodyRemaining = head.contentLength;
      const rest = this.buffered;
      this.buffered = undefined;
      if (rest !== undefined) this.buffered = this.feedBody(rest);
    }
    const res = new LeanResponse(this, head.method);
    this.current = res;
    this.served++;
    this.front.options.handler(req, res);
  }

  responseFinished(res: LeanResponse): void {
    if (this.current !== res) return;
    this.current = undefined;
    // An answer sent before its request body was read (401, 404, …): the rest is read and dropped.
    if (this.body !== undefined) this.discard(this.body);
    if (!this.keepAlive()) {
      if (this.bodyRemaining === 0) this.socket.destroySoon();
      else this.resume();
      return;
    }
    this.since = performance.now();
    this.resume();
    // Pipelined requests: served on the next tick (no recursion through the handler).
    if (this.buffered !== undefined) process.nextTick(serveLater, this);
  }

  endAfterResponse(): void {
    this.ending = true;
    if (!this.busy) this.socket.destroySoon();
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
      const o = this.options;
      const every = Math.max(50, Math.min(1_000, o.keepAliveTimeoutMs / 4, o.headersTimeoutMs / 4));
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref();
    }
  }

  /**
   * Closes connections idle past the keep-alive timeout (or silent past the headers timeout), and
   * those whose request body is still arriving past the request timeout (a slow upload).
   */
  private sweep(): void {
    if (this.connections.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      return;
    }
    const now = performance.now();
    const o = this.options;
    for (const conn of this.connections.values()) {
      if (conn.receivingBody) {
        if (now - conn.since >= o.requestTimeoutMs) conn.socket.destroy();
        continue;
      }
      if (conn.busy) continue;
      const limit = conn.served === 0 ? o.headersTimeoutMs : o.keepAliveTimeoutMs;
      if (now - conn.since >= limit) conn.socket.destroySoon();
    }
  }

  endAfterResponse(socket: Socket): boolean {
    let conn = this.connections.get(socket);
    if (conn === undefined)
      for (const [s, c] of this.connections)
        if (s.remotePort === socket.remotePort && s.remoteAddress === socket.remoteAddress) conn = c;
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
