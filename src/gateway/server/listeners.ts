// HTTP/HTTPS listeners of the gateway. rebind() opens the new addresses first, then closes the old
// ones gracefully: they stop accepting, idle keep-alive connections close, in-flight requests finish
// (or are cut after a grace period). Malformed requests get a JSON 400/408/431 from clientError.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  /** PEM certificate and key: an HTTPS listener. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Accepts a client by its address; others are closed on connect (Internal mode: network clients only). */
  readonly allow?: (remoteAddress: string) => boolean;
}

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

export interface ServerLimits {
  /** Time allowed to receive the request headers (slow-loris guard). */
  readonly headersTimeoutMs: number;
  /** Time allowed to receive the whole request. */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxHeaderSize: number;
  /** How long closing listeners wait for in-flight requests. */
  readonly drainTimeoutMs: number;
}

export interface Listeners {
  bind(addresses: readonly ListenAddress[]): Promise<BoundAddress[]>;
  close(): Promise<void>;
  addresses(): BoundAddress[];
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean) => void;

const clientErrorBody = (status: number, message: string): string => {
  const body = JSON.stringify({ statusCode: status, message });
  const reason =
    status === 408 ? "Request Timeout" : status === 431 ? "Request Header Fields Too Large" : "Bad Request";
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};
const BAD_REQUEST = clientErrorBody(400, "Bad request");
const HEADERS_TOO_LARGE = clientErrorBody(431, "Request header fields too large");
const TIMEOUT = clientErrorBody(408, "Request timeout");

function onClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const text =
    err.code === "HPE_HEADER_OVERFLOW"
      ? HEADERS_TOO_LARGE
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? TIMEOUT
        : BAD_REQUEST;
  socket.end(text);
}

async function closeGracefully(server: Server, drainTimeoutMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
    deadline.unref();
    // Keep-alive connections become idle when their in-flight request ends: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    sweep.unref();
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export function createListeners(handler: Handler, onUpgrade: UpgradeHandler, limits: ServerLimits): Listeners {
  let servers: Array<{ server: Server; bound: BoundAddress }> = [];

  const open = (address: ListenAddress): Promise<{ server: Server; bound: BoundAddress }> => {
    const options = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderSize,
      // How often node checks headersTimeout/requestTimeout (default 30 s would let slow clients linger).
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
      // Keep Node's strict parser: conflicting Content-Length / Transfer-Encoding is rejected.
      insecureHTTPParser: false,
    };
    const secure = address.tls !== undefined;
    const server: Server = address.tls
      ? (createHttpsServer({ ...options, cert: address.tls.cert, key: address.tls.key }, handler) as unknown as Server)
      : createHttpServer(options, handler);
    server.on("clientError", onClientError);
    const allow = address.allow;
    if (allow)
      server.on("connection", (socket: Duplex & { remoteAddress?: string }) => {
        if (!allow(socket.remoteAddress ?? "")) socket.destroy();
      });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head, secure));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(address.port, address.host, () => {
        server.off("error", reject);
        const info = server.address() as AddressInfo;
        resolve({ server, bound: { host: address.host, port: info.port, secure } });
      });
    });
  };

  return {
    async bind(addresses) {
      const opened: Array<{ server: Server; bound: BoundAddress }> = [];
      try {
        for (const a of addresses) opened.push(await open(a));
      } catch (err) {
        await Promise.all(opened.map((o) => closeGracefully(o.server, 0)));
        throw err;
      }
      const old = servers;
      servers = opened;
      await Promise.all(old.map((o) => closeGracefully(o.server, limits.drainTimeoutMs)));
      return opened.map((o) => o.bound);
    },
    async close() {
      const old = servers;
      servers = [];
      await Promise.all(old.map((o) => closeGracefully(o.server, limits.drainTimeoutMs)));
    },
    addresses() {
      return servers.map((s) => s.bound);
    },
  };
}
