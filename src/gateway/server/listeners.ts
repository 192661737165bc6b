// HTTP/HTTPS listeners of the gateway. rebind() opens the new addresses first, then closes the old
// ones gracefully: they stop accepting, idle keep-alive connections close, in-flight requests finish
// (or are cut after a grace period). Malformed requests get a JSON 400/408/431 from clientError.
// Listeners serve through the lean front (http1/lean-front.ts; over TLS once the handshake is done),
// which hands a connection to node:http at the first request it does not take.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { fromNodeRequest } from "./client.js";
import type { RequestHandler } from "./handler.js";
import { createLeanFront, type LeanFront } from "./http1/lean-front.js";

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

async function closeGracefully(entry: Entry, drainTimeoutMs: number): Promise<void> {
  const { server, lean } = entry;
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      lean?.destroyAll();
    }, drainTimeoutMs);
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
    lean?.drain();
  });
}

interface Entry {
  readonly server: Server;
  /** The listener's lean front (absent only on a Node whose http.Server is not built as expected). */
  readonly lean: LeanFront | undefined;
  readonly bound: BoundAddress;
  readonly address: ListenAddress;
  /** Client filter, replaceable when a rebind keeps this listener. */
  readonly filter: { allow?: (remoteAddress: string) => boolean };
  /** Open client connections, so a stricter filter can end the ones it no longer allows. */
  readonly sockets: Set<Duplex & { remoteAddress?: string }>;
}

type ClientSocket = Duplex & { remoteAddress?: string; _httpMessage?: ServerResponse };

/** Applies a new filter to a kept listener: refused clients leave after their in-flight response. */
function refilter(entry: Entry, allow: ((remoteAddress: string) => boolean) | undefined): void {
  entry.filter.allow = allow;
  if (!allow) return;
  for (const socket of entry.sockets as Set<ClientSocket>) {
    if (allow(socket.remoteAddress ?? "")) continue;
    if (entry.lean?.endAfterResponse(socket as unknown as Socket)) continue;
    const inFlight = socket._httpMessage;
    if (inFlight && !inFlight.writableFinished) inFlight.once("finish", () => socket.destroy());
    else socket.destroy();
  }
}

const isWildcard = (host: string) => host === "0.0.0.0" || host === "::" || host === "";
/** Two addresses that cannot listen at once (same port, same host or a wildcard on either side). */
const conflicts = (a: ListenAddress, b: ListenAddress) =>
  a.port !== 0 && a.port === b.port && (a.host === b.host || isWildcard(a.host) || isWildcard(b.host));
const samePem = (a: string | Buffer, b: string | Buffer) => a === b || Buffer.from(a).equals(Buffer.from(b));
const sameListener = (a: ListenAddress, b: ListenAddress) =>
  a.port !== 0 &&
  a.host === b.host &&
  a.port === b.port &&
  (a.tls === undefined
    ? b.tls === undefined
    : b.tls !== undefined && samePem(a.tls.cert, b.tls.cert) && samePem(a.tls.key, b.tls.key));

/**
 * `leanHttp` (default true) serves through the lean HTTP/1.1 front; false leaves every connection to
 * node:http (an escape hatch, and the benchmark's comparison).
 */
export function createListeners(
  handler: RequestHandler,
  onUpgrade: UpgradeHandler,
  limits: ServerLimits,
  leanHttp = true,
): Listeners {
  let servers: Entry[] = [];

  const open = (address: ListenAddress): Promise<Entry> => {
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
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => handler(fromNodeRequest(req), res);
    const server: Server = address.tls
      ? (createHttpsServer(
          { ...options, cert: address.tls.cert, key: address.tls.key },
          onRequest,
        ) as unknown as Server)
      : createHttpServer(options, onRequest);
    server.on("clientError", onClientError);
    let lean: LeanFront | undefined;
    // node:http's own listener sets up its parser on a socket (on "connection", or "secureConnection"
    // once TLS is up); the lean front calls it when it hands a connection over, instead of on every
    // connection. A Node whose servers are built differently simply keeps node:http for everything.
    const event = secure ? "secureConnection" : "connection";
    const nodeListeners = server.listeners(event);
    const nodeConnection = nodeListeners[0] as ((socket: Socket) => void) | undefined;
    if (leanHttp && nodeListeners.length === 1 && nodeConnection?.name === "connectionListener") {
      server.off(event, nodeConnection);
      const front = createLeanFront({
        handler,
        handOff: (socket) => nodeConnection.call(server, socket),
        secure,
        keepAliveTimeoutMs: limits.keepAliveTimeoutMs,
        headersTimeoutMs: limits.headersTimeoutMs,
        requestTimeoutMs: limits.requestTimeoutMs,
        maxHeaderSize: limits.maxHeaderSize,
      });
      if (secure) server.on("secureConnection", (socket: Socket) => front.accept(socket));
      lean = front;
    }
    const filter: Entry["filter"] = { ...(address.allow ? { allow: address.allow } : {}) };
    const sockets: Entry["sockets"] = new Set();
    server.on("connection", (socket: Duplex & { remoteAddress?: string }) => {
      const allow = filter.allow;
      if (allow && !allow(socket.remoteAddress ?? "")) {
        socket.destroy();
        return;
      }
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      if (!secure) lean?.accept(socket as Socket);
    });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head, secure));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(address.port, address.host, () => {
        server.off("error", reject);
        const info = server.address() as AddressInfo;
        resolve({ server, lean, bound: { host: address.host, port: info.port, secure }, address, filter, sockets });
      });
    });
  };

  return {
    async bind(addresses) {
      const old = servers;
      const kept = new Set<Entry>();
      const released: Entry[] = [];
      const opened: Entry[] = [];
      const next: Entry[] = [];
      // A port freed by a listener stopped just before is released asynchronously: retry briefly.
      const openFreed = async (a: ListenAddress): Promise<Entry> => {
        for (let attempt = 0; ; attempt++)
          try {
            return await open(a);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || released.length === 0 || attempt >= 50)
              throw err;
            await new Promise((r) => setTimeout(r, 20));
          }
      };
      try {
        for (const a of addresses) {
          // The same address again (a mode change that keeps it): keep the listener, swap its filter.
          const same = old.find((o) => !kept.has(o) && sameListener(o.address, a));
          if (same) {
            refilter(same, a.allow);
            kept.add(same);
            next.push(same);
            continue;
          }
          // A wildcard and a specific address cannot listen on one port together: the old listener
          // stops accepting first (its in-flight requests still finish while it drains below).
          for (const o of old)
            if (!kept.has(o) && !released.includes(o) && conflicts(o.address, a)) {
              o.server.close();
              released.push(o);
            }
          const entry = await openFreed(a);
          opened.push(entry);
          next.push(entry);
        }
      } catch (err) {
        await Promise.all(opened.map((o) => closeGracefully(o, 0)));
        // Nothing half-applied: listeners stopped for this attempt listen again.
        for (const o of released) {
          const i = servers.indexOf(o);
          const again = await open(o.address).catch(() => undefined);
          if (i >= 0 && again) servers[i] = again;
          void closeGracefully(o, limits.drainTimeoutMs);
        }
        throw err;
      }
      servers = next;
      await Promise.all(old.filter((o) => !kept.has(o)).map((o) => closeGracefully(o, limits.drainTimeoutMs)));
      return next.map((o) => o.bound);
    },
    async close() {
      const old = servers;
      servers = [];
      await Promise.all(old.map((o) => closeGracefully(o, limits.drainTimeoutMs)));
    },
    addresses() {
      return servers.map((s) => s.bound);
    },
  };
}
