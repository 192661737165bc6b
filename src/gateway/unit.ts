// One gateway unit as `moat serve` starts it: the real policy engine, in-memory counters and caches
// unless given (Redis-backed ones come from scale-out), a JSON logger with secrets redacted, HTTP
// and HTTPS listeners on one host.
import { pino } from "pino";
import type { CounterStore, ResponseCache, ValueCache } from "../policy/types.js";
import type { ConfigStore } from "../store/contract.js";
import { apimPolicyEngine } from "./default-engine.js";
import { createGateway, type Gateway } from "./gateway.js";
import { REDACT_PATHS } from "./observability/access-log.js";
import type { BackendSocketOptions } from "./proxy/upstreams.js";
import type { BoundAddress, ListenAddress } from "./server/listeners.js";

export interface GatewayUnitOptions {
  readonly store: ConfigStore;
  readonly host: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  /** PEM material of the HTTPS listener; without it only HTTP is served. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly portalOrigins: readonly string[];
  readonly serviceName: string;
  readonly location: string;
  readonly logLevel: string;
  /** Internal Prometheus listener (`GET /metrics`); omitted: no metrics listener. */
  readonly metrics?: { readonly host: string; readonly port: number };
  readonly counters?: CounterStore;
  readonly responseCache?: ResponseCache;
  readonly valueCache?: ValueCache;
  /** Listener addresses instead of host/httpPort/httpsPort (virtual-network modes bind per address). */
  readonly addresses?: readonly ListenAddress[];
  readonly backendSocket?: BackendSocketOptions;
  /** Lean HTTP/1.1 front (default true); false: node:http for every connection. */
  readonly leanHttp?: boolean;
}

export interface GatewayUnit {
  readonly name: "gateway";
  readonly gateway: Gateway;
  readonly addresses: readonly BoundAddress[];
  close(): Promise<void>;
}

export async function startGatewayUnit(o: GatewayUnitOptions): Promise<GatewayUnit> {
  const logger = pino({ level: o.logLevel, redact: REDACT_PATHS, base: { component: "gateway" } });
  const addresses: ListenAddress[] = o.addresses ? [...o.addresses] : [{ host: o.host, port: o.httpPort }];
  if (o.tls && !o.addresses) addresses.push({ host: o.host, port: o.httpsPort, tls: o.tls });
  const gateway = createGateway({
    store: o.store,
    engine: apimPolicyEngine,
    logger,
    addresses,
    portalOrigins: o.portalOrigins,
    deployment: { serviceName: o.serviceName, region: o.location },
    ...(o.metrics ? { metricsAddress: o.metrics } : {}),
    ...(o.counters ? { counters: o.counters } : {}),
    ...(o.responseCache ? { responseCache: o.responseCache } : {}),
    ...(o.valueCache ? { valueCache: o.valueCache } : {}),
    ...(o.backendSocket ? { backendSocket: o.backendSocket } : {}),
    ...(o.leanHttp === false ? { leanHttp: false } : {}),
  });
  const bound = await gateway.listen();
  return { name: "gateway", gateway, addresses: bound, close: () => gateway.close() };
}
