// One undici Pool per backend origin (and TLS settings), created on first use and kept across
// configuration revisions: connections stay warm when the config changes.
import type { LookupFunction } from "node:net";
import { buildConnector, Pool } from "undici";

export interface UpstreamOptions {
  readonly rejectUnauthorized: boolean;
  readonly checkServerName: boolean;
  readonly clientCertificate?: { cert?: string | Buffer; key?: string | Buffer; pfx?: Buffer; passphrase?: string };
}

/**
 * How backend sockets are opened inside a virtual network: host names resolved through the
 * network's DNS servers (`lookup`), connections made from the private address (`localAddress`,
 * read per connection so a mode change applies without new pools).
 */
export interface BackendSocketOptions {
  readonly lookup?: LookupFunction;
  readonly localAddress?: () => string | undefined;
}

export interface Upstreams {
  pool(origin: string, options?: UpstreamOptions): Pool;
  close(): Promise<void>;
}

const DEFAULT_OPTIONS: UpstreamOptions = { rejectUnauthorized: true, checkServerName: true };

export function createUpstreams(settings: {
  connectTimeoutMs: number;
  connections: number;
  socket?: BackendSocketOptions;
}): Upstreams {
  const pools = new Map<string, Pool>();
  return {
    pool(origin, options = DEFAULT_OPTIONS) {
      const key =
        options === DEFAULT_OPTIONS
          ? origin
          : `${origin}|${options.rejectUnauthorized}|${options.checkServerName}|${options.clientCertificate ? "c" : ""}`;
      let pool = pools.get(key);
      if (pool === undefined) {
        const cc = options.clientCertificate;
        const connect = {
          timeout: settings.connectTimeoutMs,
          rejectUnauthorized: options.rejectUnauthorized,
          ...(options.checkServerName ? {} : { checkServerIdentity: () => undefined }),
          ...(cc ? { cert: cc.cert, key: cc.key, pfx: cc.pfx, passphrase: cc.passphrase } : {}),
        };
        const socket = settings.socket;
        pool = new Pool(origin, {
          connections: settings.connections,
          pipelining: 1,
          keepAliveTimeout: 60_000,
          connect: socket ? networkConnector(connect, socket) : connect,
        });
        pools.set(key, pool);
      }
      return pool;
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.close().catch(() => p.destroy())));
    },
  };
}

function networkConnector(base: buildConnector.BuildOptions, socket: BackendSocketOptions): buildConnector.connector {
  const connector = buildConnector({ ...base, ...(socket.lookup ? { lookup: socket.lookup } : {}) });
  const localAddress = socket.localAddress;
  if (!localAddress) return connector;
  return (options, callback) => {
    const from = localAddress();
    connector(from ? { ...options, localAddress: from } : options, callback);
  };
}
