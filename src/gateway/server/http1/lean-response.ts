// The lean front's response: a ClientResponse written straight to the socket. The head is kept until
// the first body bytes (or the end) so that a small answer leaves in one write, and is flushed on the
// next tick otherwise (a backend that sends its headers long before its body). Framing follows
// node:http: Content-Length when given, else chunked; no body for HEAD, 1xx, 204 and 304.
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { listedConnectionHeaders } from "../../proxy/headers.js";
import type { ClientResponse } from "../client.js";

type Event = "close" | "drain" | "finish";
type Listener = () => void;

/** What the response tells its connection. */
export interface ResponseOwner {
  readonly socket: Socket;
  /** Keep the connection open after this response (client asked for it and the front is not closing). */
  keepAlive(): boolean;
  /** `Keep-Alive: timeout=…` header line, or "" (computed once per front). */
  readonly keepAliveLine: string;
  responseFinished(res: LeanResponse): void;
}

const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;

let dateText = "";
let dateUntil = 0;
/** The Date header value, formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  if (now >= dateUntil) {
    dateText = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return dateText;
}

const CHUNK_END = Buffer.from("\r\n");

const KEEP = 0;
const HOP = 1;
const LENGTH = 2;
const DATE = 3;
/** ASCII case-insensitive: `name` (bytes) equals `lower` (lower-case text). */
function sameName(name: Buffer, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if (((name[i] as number) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}
/** Hop-by-hop response headers (RFC 9110 §7.6.1, as proxy/headers.ts) are not forwarded; framing is ours. */
function isHopByHop(name: Buffer): typeof KEEP | typeof HOP | typeof LENGTH | typeof DATE {
  switch (name.length) {
    case 2:
      return sameName(name, "te") ? HOP : KEEP;
    case 4:
      return sameName(name, "date") ? DATE : KEEP;
    case 7:
      return sameName(name, "trailer") || sameName(name, "upgrade") ? HOP : KEEP;
    case 10:
      return sameName(name, "connection") || sameName(name, "keep-alive") ? HOP : KEEP;
    case 14:
      return sameName(name, "content-length") ? LENGTH : KEEP;
    case 16:
      return sameName(name, "proxy-connection") ? HOP : KEEP;
    case 17:
      return sameName(name, "transfer-encoding") ? HOP : KEEP;
    case 18:
      return sameName(name, "proxy-authenticate") ? HOP : KEEP;
    case 19:
      return sameName(name, "proxy-authorization") ? HOP : KEEP;
    default:
      return KEEP;
  }
}

const LAST_CHUNK = Buffer.from("0\r\n\r\n");

function flushPending(res: LeanResponse): void {
  res.flushHead();
}

export class LeanResponse implements ClientResponse {
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  /** The head, kept until the first body bytes: latin1 text (writeHead) or bytes (writeBackendHead). */
  private head: string | Buffer | undefined = undefined;
  private chunked = false;
  private bodyless: boolean;
  private closeAfter = false;
  private listeners: Array<[Event, Listener, boolean]> | undefined = undefined;
  private waitingDrain = false;

  constructor(
    private readonly owner: ResponseOwner,
    method: string,
  ) {
    this.bodyless = method === "HEAD";
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[]): this {
    if (this.headersSent) throw new Error("headers already sent");
    if (statusMessage !== undefined && INVALID_VALUE.test(statusMessage))
      throw new TypeError("Invalid character in statusMessage");
    let head = `HTTP/1.1 ${statusCode} ${statusMessage ?? STATUS_CODES[statusCode] ?? "unknown"}\r\n`;
    let length = false;
    let date = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      const value = String(headers[i + 1]);
      if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: "${name}"`);
      if (INVALID_VALUE.test(value)) throw new TypeError(`Invalid character in header content ["${name}"]`);
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === "date") date = true;
          break;
        case 10:
          // Connection management is the front's: a Connection header from upstream is not taken.
          if (name.toLowerCase() === "connection") continue;
          break;
        case 14:
          if (name.toLowerCase() === "content-length") length = true;
          break;
        case 17:
          if (name.toLowerCase() === "transfer-encoding") continue; // framing is decided below
          break;
      }
      head += `${name}: ${value}\r\n`;
    }
    this.head = head + this.frame(statusCode, length, date);
    this.headersSent = true;
    process.nextTick(flushPending, this);
    return this;
  }

  /**
   * Decides the framing (body or not, Content-Length or chunked, keep-alive or close) and returns the
   * head's closing lines: Date when the headers had none, Connection, Transfer-Encoding, blank line.
   */
  private frame(statusCode: number, hasLength: boolean, hasDate: boolean): string {
    if (statusCode < 200 || statusCode === 204 || statusCode === 304) this.bodyless = true;
    this.chunked = !this.bodyless && !hasLength;
    this.closeAfter = !this.owner.keepAlive();
    let lines = hasDate ? "" : `Date: ${httpDate()}\r\n`;
    lines += this.closeAfter ? "Connection: close\r\n" : `Connection: keep-alive\r\n${this.owner.keepAliveLine}`;
    if (this.chunked) lines += "Transfer-Encoding: chunked\r\n";
    return `${lines}\r\n`;
  }

  /**
   * The backend's answer head as undici delivers it: raw name and value bytes, already parsed by
   * llhttp's strict parser (token names, no control characters), so they are copied as they are
   * instead of becoming two strings each and being validated again. Hop-by-hop headers are left
   * out; `extraHeaders` (the gateway's own: request id, CORS) come first, as with writeHead.
   */
  writeBackendHead(
    statusCode: number,
    statusText: string,
    raw: readonly Buffer[],
    extraHeaders: readonly string[],
  ): this {
    if (this.headersSent) throw new Error("headers already sent");
    let prefix = `HTTP/1.1 ${statusCode} ${statusText || STATUS_CODES[statusCode] || "unknown"}\r\n`;
    for (let i = 0; i < extraHeaders.length; i += 2) prefix += `${extraHeaders[i]}: ${extraHeaders[i + 1]}\r\n`;
    let length = false;
    let date = false;
    let size = 0;
    let kept = 0;
    const keep = new Uint8Array(raw.length >> 1);
    const listed = listedConnectionHeaders(raw);
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as Buffer;
      const hop = isHopByHop(name);
      if (hop === HOP || listed?.has(name.toString("latin1").toLowerCase())) continue;
      if (hop === LENGTH) length = true;
      else if (hop === DATE) date = true;
      keep[i >> 1] = 1;
      kept++;
      size += name.length + (raw[i + 1] as Buffer).length;
    }
    const suffix = this.frame(statusCode, length, date);
    // prefix and suffix are latin1 text: one byte per character (header text outside latin1 is refused
    // earlier, where the request id and CORS values are made).
    const out = Buffer.allocUnsafe(prefix.length + size + kept * 4 + suffix.length);
    let at = out.write(prefix, 0, "latin1");
    for (let i = 0; i < raw.length; i += 2) {
      if (keep[i >> 1] === 0) continue;
      at += (raw[i] as Buffer).copy(out, at);
      out[at++] = 58; // ":"
      out[at++] = 32; // " "
      at += (raw[i + 1] as Buffer).copy(out, at);
      out[at++] = 13;
      out[at++] = 10;
    }
    out.write(suffix, at, "latin1");
    this.head = out;
    this.headersSent = true;
    process.nextTick(flushPending, this);
    return this;
  }

  /** Writes the head if it is still waiting for body bytes. */
  flushHead(): void {
    const head = this.head;
    if (head === undefined || this.destroyed) return;
    this.head = undefined;
    if (typeof head === "string") this.owner.socket.write(head, "latin1");
    else this.owner.socket.write(head);
  }

  write(chunk: Buffer): boolean {
    if (this.destroyed || this.writableFinished) return false;
    if (!this.headersSent) this.writeHead(200, undefined, []);
    if (this.bodyless || chunk.length === 0) return true;
    return this.send(chunk);
  }

  private send(chunk: Buffer): boolean {
    const socket = this.owner.socket;
    const head = this.head;
    let ok: boolean;
    if (this.chunked) {
      this.head = undefined;
      socket.cork();
      if (head !== undefined) socket.write(head, "latin1");
      socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
      socket.write(chunk);
      ok = socket.write(CHUNK_END);
      socket.uncork();
    } else if (head !== undefined) {
      this.head = undefined;
      const headLength = head.length; // latin1 text: one byte per character
      const out = Buffer.allocUnsafe(headLength + chunk.length);
      if (typeof head === "string") out.write(head, 0, headLength, "latin1");
      else head.copy(out, 0);
      chunk.copy(out, headLength);
      ok = socket.write(out);
    } else ok = socket.write(chunk);
    if (!ok && !this.waitingDrain) {
      this.waitingDrain = true;
      socket.once("drain", () => {
        this.waitingDrain = false;
        this.emit("drain");
      });
    }
    return ok;
  }

  end(chunk?: Buffer): this {
    if (this.writableFinished || this.destroyed) return this;
    if (!this.headersSent) this.writeHead(200, undefined, []);
    if (chunk !== undefined && chunk.length > 0 && !this.bodyless) this.send(chunk);
    if (this.chunked) {
      const head = this.head;
      this.head = undefined;
      if (head !== undefined) this.owner.socket.write(head, "latin1");
      this.owner.socket.write(LAST_CHUNK);
    } else this.flushHead();
    this.writableFinished = true;
    if (this.closeAfter) this.owner.socket.destroySoon();
    this.emit("finish");
    this.emit("close");
    this.owner.responseFinished(this);
    return this;
  }

  destroy(_error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.head = undefined;
    this.owner.socket.destroy();
    return this;
  }

  /** The connection closed: an unfinished response is gone with it. */
  socketClosed(): void {
    if (this.writableFinished) return;
    this.destroyed = true;
    this.emit("close");
  }

  on(event: Event, listener: Listener): this {
    return this.listen(event, listener, false);
  }

  once(event: Event, listener: Listener): this {
    return this.listen(event, listener, true);
  }

  private listen(event: Event, listener: Listener, once: boolean): this {
    if (this.listeners === undefined) this.listeners = [];
    this.listeners.push([event, listener, once]);
    return this;
  }

  off(event: Event, listener: Listener): this {
    const list = this.listeners;
    if (list === undefined) return this;
    const i = list.findIndex((l) => l[0] === event && l[1] === listener);
    if (i !== -1) list.splice(i, 1);
    return this;
  }

  private emit(event: Event): void {
    const list = this.listeners;
    if (list === undefined) return;
    for (const entry of list.slice()) {
      if (entry[0] !== event) continue;
      if (entry[2]) this.off(event, entry[1]);
      entry[1]();
    }
  }
}
