// Backend name resolution through the virtual network's DNS servers (the VNet's dhcpOptions
// snapshot, spec network.md §13), not the host's resolver. Plugged into undici's connector as the
// socket `lookup`, so every backend connection — the fast path and forward-request alike — uses it.
// Answers are cached for their TTL; a failure names the server and the reason.
import { lookup as hostLookup } from "node:dns";
import { Resolver } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import type { Clock } from "../core/clock.js";

export class NetworkDnsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "NetworkDnsError";
    this.code = code;
  }
}

export interface NetworkResolver {
  /** Resolves an IPv4 address for `host` through the current servers (host resolver when none). */
  resolve(host: string): Promise<string[]>;
  /** The same as a node:net lookup for sockets. */
  readonly lookup: LookupFunction;
  /** Replaces the servers (after applying network configuration); clears the cache. */
  setServers(servers: readonly string[]): void;
  servers(): readonly string[];
}

export interface NetworkResolverOptions {
  readonly clock: Clock;
  readonly servers?: readonly string[];
  readonly timeoutMs?: number;
  /** Upper bound on cached answers, whatever their TTL. */
  readonly maxTtlMs?: number;
}

const reasons: Record<string, string> = {
  ENOTFOUND: "name not found (NXDOMAIN)",
  ENODATA: "no A record",
  ETIMEOUT: "no answer (timed out)",
  ECONNREFUSED: "refused on udp/53",
  ESERVFAIL: "server failure",
  EREFUSED: "query refused",
};

export function createNetworkResolver(options: NetworkResolverOptions): NetworkResolver {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxTtlMs = options.maxTtlMs ?? 60_000;
  let servers: string[] = [...(options.servers ?? [])];
  let resolver: Resolver | undefined;
  const cache = new Map<string, { addresses: string[]; expires: number }>();

  const make = () => {
    if (servers.length === 0) return undefined;
    // One try per server and a short timeout: a dead DNS server must not hold a request for long.
    const r = new Resolver({ timeout: Math.max(100, Math.floor(timeoutMs / servers.length)), tries: 1 });
    r.setServers(servers);
    return r;
  };
  resolver = make();

  async function resolve(host: string): Promise<string[]> {
    const now = options.clock.now();
    const hit = cache.get(host);
    if (hit && hit.expires > now) return hit.addresses;
    const r = resolver;
    if (!r)
      return new Promise((ok, fail) =>
        hostLookup(host, { family: 4, all: true }, (err, list) => (err ? fail(err) : ok(list.map((a) => a.address)))),
      );
    try {
      const answers = await r.resolve4(host, { ttl: true });
      const addresses = answers.map((a) => a.address);
      const ttlMs = Math.min(maxTtlMs, Math.min(...answers.map((a) => a.ttl)) * 1000);
      if (ttlMs > 0) cache.set(host, { addresses, expires: now + ttlMs });
      return addresses;
    } catch (err) {
      const code = (err as { code?: string }).code ?? "EDNS";
      throw new NetworkDnsError(
        code,
        `DNS ${servers.join(", ")} could not resolve ${host}: ${reasons[code] ?? code.toLowerCase()}`,
      );
    }
  }

  const lookup = ((host: string, opts: unknown, callback: unknown) => {
    const cb = (typeof opts === "function" ? opts : callback) as (
      err: NodeJS.ErrnoException | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void;
    // Outside a network (no servers) the host's resolver answers exactly as node:net would ask it.
    if (!resolver) {
      (hostLookup as (h: string, o: object, c: typeof cb) => void)(
        host,
        typeof opts === "object" && opts ? opts : {},
        cb,
      );
      return;
    }
    const all = typeof opts === "object" && opts !== null && (opts as { all?: boolean }).all === true;
    resolve(host).then(
      (addresses) => {
        const first = addresses[0];
        if (first === undefined) {
          cb(
            new NetworkDnsError("ENODATA", `DNS ${servers.join(", ") || "(host)"} returned no address for ${host}`),
            "",
          );
          return;
        }
        if (all)
          cb(
            null,
            addresses.map((address) => ({ address, family: 4 })),
          );
        else cb(null, first, 4);
      },
      (err: NodeJS.ErrnoException) => cb(err, ""),
    );
  }) as LookupFunction;

  return {
    resolve,
    lookup,
    setServers(next) {
      servers = [...next];
      resolver = make();
      cache.clear();
    },
    servers: () => servers,
  };
}
