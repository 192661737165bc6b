// One undici Pool per backend origin (and TLS settings), created on first use and kept across
// configuration revisions: connections stay warm when the config changes.
import { Pool } from "undici";

export interface UpstreamOptions {
  readonly rejectUnauthorized: boolean;
  readonly checkServerName: boolean;
  readonly clientCertificate?: { cert?: string | Buffer; key?: string | Buffer; pfx?: Buffer; passphrase?: string };
}

export interface Upstreams {
  pool(origin: string, options?: UpstreamOptions): Pool;
  close(): Promise<void>;
}

const DEFAULT_OPTIONS: UpstreamOptions = { rejectUnauthorized: true, checkServerName: true };

export function createUpstreams(settings: { connectTimeoutMs: number; connections: number }): Upstreams {
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
        pool = new Pool(origin, {
          connections: settings.connections,
          pipelining: 1,
          keepAliveTimeout: 60_000,
          connect: {
            timeout: settings.connectTimeoutMs,
            rejectUnauthorized: options.rejectUnauthorized,
            ...(options.checkServerName ? {} : { checkServerIdentity: () => undefined }),
            ...(cc ? { cert: cc.cert, key: cc.key, pfx: cc.pfx, passphrase: cc.passphrase } : {}),
          },
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
