// WebSocket pass-through for ws/wss APIs: the upgrade request is matched and authorised like any
// request, then re-sent to the backend on a fresh TCP/TLS connection and the two sockets are
// piped together. The backend's handshake answer (101 or a refusal) reaches the client unchanged.
import type { IncomingMessage } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import type { BackendBase } from "../config/types.js";
import type { ErrorAnswer } from "../errors.js";
import { BACKEND_CONNECTION_FAILURE, BACKEND_TIMEOUT } from "../errors.js";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  500: "Internal Server Error",
  502: "Bad Gateway",
  504: "Gateway Timeout",
};

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function rejectUpgrade(socket: Duplex, answer: ErrorAnswer, extraHeaders: readonly string[]): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  let head = `HTTP/1.1 ${answer.statusCode} ${REASONS[answer.statusCode] ?? "Error"}\r\n`;
  for (let i = 0; i < extraHeaders.length; i += 2) head += `${extraHeaders[i]}: ${extraHeaders[i + 1]}\r\n`;
  head += `content-type: application/json\r\ncontent-length: ${answer.body.length}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, "latin1"), answer.body]));
}

export interface TunnelOptions {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly backend: BackendBase;
  /** Backend request path with query. */
  readonly path: string;
  /** Request headers to send (hop-by-hop removed; Upgrade/Connection are re-added here). */
  readonly headers: readonly string[];
  readonly connectTimeoutMs: number;
  readonly rejectUnauthorized: boolean;
  readonly done: (status: number, err?: Error) => void;
}

export function tunnelWebSocket(o: TunnelOptions): void {
  const { req, socket, backend } = o;
  const secure = backend.scheme === "https";
  const upstream: Socket = secure
    ? tlsConnect({
        host: backend.host,
        port: backend.port,
        servername: backend.host,
        rejectUnauthorized: o.rejectUnauthorized,
      })
    : netConnect({ host: backend.host, port: backend.port });
  let connected = false;
  let settled = false;
  const settle = (status: number, err?: Error) => {
    if (settled) return;
    settled = true;
    o.done(status, err);
  };
  const timer = setTimeout(
    () => upstream.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })),
    o.connectTimeoutMs,
  );
  upstream.once(secure ? "secureConnect" : "connect", () => {
    clearTimeout(timer);
    connected = true;
    let text = `${req.method} ${o.path} HTTP/1.1\r\n`;
    for (let i = 0; i < o.headers.length; i += 2) text += `${o.headers[i]}: ${o.headers[i + 1]}\r\n`;
    text += `connection: Upgrade\r\nupgrade: ${req.headers.upgrade ?? "websocket"}\r\n\r\n`;
    upstream.write(text);
    if (o.head.length > 0) upstream.write(o.head);
    upstream.pipe(socket);
    socket.pipe(upstream);
    settle(101);
  });
  upstream.on("error", (err: Error & { code?: string }) => {
    clearTimeout(timer);
    if (!connected) rejectUpgrade(socket, err.code === "ETIMEDOUT" ? BACKEND_TIMEOUT : BACKEND_CONNECTION_FAILURE, []);
    else socket.destroy();
    settle(connected ? 101 : err.code === "ETIMEDOUT" ? 504 : 502, err);
  });
  upstream.on("close", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
  socket.on("close", () => upstream.destroy());
}
