// `moat serve --role gateway`: a gateway unit with no management API. It reads configuration from
// the shared store (PostgreSQL in practice), keeps a local config backup to start from while the
// database is down, shares counters and caches through Redis when configured, and exposes its
// configuration revision and lag as metrics. The options are plain data so a cluster primary can
// hand them to its workers. Each unit runs the virtual-network runtime exactly as `moat serve` does
// (listeners per access mode, backend names through the VNet's DNS, NetworkStatus probes) and
// reports its probe results through Redis for the management API's NetworkStatus.
import { hostname } from "node:os";
import { join } from "node:path";
import { type Clock, systemClock } from "../core/clock.js";
import { createMetricsListener, type MetricsListener } from "../gateway/observability/metrics-listener.js";
import type { BoundAddress } from "../gateway/server/listeners.js";
import { startGatewayUnit } from "../gateway/unit.js";
import { StoreError } from "../store/contract.js";
import { createConfigStore } from "../store/open-store.js";
import { createVnetRuntime, loadServiceTagCatalog, type RebindTarget } from "../vnet/index.js";
import { createBackedStore } from "./backed-store.js";
import { withBackupReads } from "./backup-reads.js";
import { checkUnitLocation, describeLocationCheck } from "./location.js";
import { reportIntervalMs, startNetworkReporter } from "./network-reports.js";
import { startUnitLimits, type UnitLimitsOptions } from "./unit-limits.js";
import { createUnitMetrics, type UnitMetrics } from "./unit-metrics.js";

export type LogFn = (level: "info" | "warn" | "error", message: string) => void;

/** Everything a unit needs, as JSON-serialisable data. */
export interface GatewayRoleSpec {
  readonly storeUrl: string;
  readonly dataDir: string;
  readonly serviceName: string;
  readonly location: string;
  /** Shown in metrics and logs, e.g. "unit-2". */
  readonly unitName: string;
  readonly host: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  /** Lean HTTP/1.1 front (gateway.leanHttp; default true). */
  readonly leanHttp?: boolean;
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly portalOrigins: readonly string[];
  readonly logLevel: string;
  readonly redisUrl: string;
  readonly limits: UnitLimitsOptions["limits"];
  /** Internal metrics listener; absent = none. Port 0 picks a free port. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** Pause between attempts while the store is unreachable and no backup exists (default 1000 ms). */
  readonly storeRetryMs?: number;
  /** This host in the service's network (as `network.*` of the configuration); absent = none. */
  readonly network?: UnitNetworkSpec;
}

export interface UnitNetworkSpec {
  /** Address consumers reach in None/External mode. */
  readonly publicAddress?: string;
  /** This host's address in the service's subnet (Internal mode binds only there). */
  readonly privateAddress?: string;
  readonly serviceTagsFiles?: readonly string[];
  /** NetworkStatus probe period (default 900 s, Azure's 15 minutes). */
  readonly statusIntervalMs?: number;
}

/** How a unit's network reports name it in NetworkStatus errors: unit, host and process. */
export const unitReportName = (unitName: string) => `${unitName}@${hostname()} (pid ${process.pid})`;

export interface GatewayRoleOptions {
  /**
   * Set in cluster workers: asks the primary for a fresh worker. Node's cluster shares one listening
   * socket per address among the workers, keyed by how many times the worker listened there; a
   * listen that fails (a wildcard still held by a sibling) shifts that key for good, and the worker
   * could never share the address again. So a worker whose listeners must move across a wildcard,
   * or whose re-bind failed, is replaced: the new process binds the mode's addresses from the start.
   */
  readonly requestReplacement?: (reason: string) => void;
}

const isWildcard = (host: string) => host === "0.0.0.0" || host === "::" || host === "";

/** Whether moving from `bound` to `next` closes and opens one port across a wildcard address. */
export function crossesWildcard(
  bound: readonly { host: string; port: number }[],
  next: readonly { host: string; port: number }[],
): boolean {
  return next.some((a) =>
    bound.some((b) => b.port === a.port && b.host !== a.host && (isWildcard(a.host) || isWildcard(b.host))),
  );
}

export interface GatewayRole {
  readonly addresses: readonly BoundAddress[];
  readonly metricsPort: number | undefined;
  readonly metrics: UnitMetrics;
  /** Revision the unit serves. */
  readonly revision: number;
  close(): Promise<void>;
}

export async function startGatewayRole(
  spec: GatewayRoleSpec,
  log: LogFn,
  clock: Clock = systemClock,
  signal?: AbortSignal,
  options: GatewayRoleOptions = {},
): Promise<GatewayRole> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    closers.length = 0;
  };
  try {
    const inner = await createConfigStore(spec.storeUrl, { dataDir: spec.dataDir });
    const store = createBackedStore({
      store: inner,
      snapshotPath: join(spec.dataDir, "config-snapshot.json"),
      log: (level, message) => log(level, message),
    });
    closers.push(() => store.close());

    // Wait for a first configuration: from the database, or from the backup file when it is down.
    const takeSnapshot = () =>
      store.snapshot().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    let first = await takeSnapshot();
    for (let attempt = 0; first instanceof Error; attempt++) {
      if (!(first instanceof StoreError) || first.code !== "STORE_ERR_UNAVAILABLE") throw first;
      if (signal?.aborted) throw first;
      // Once, then every 30th attempt: an outage should not flood the log.
      if (attempt % 30 === 0)
        log("warn", `waiting for the configuration store (no local backup yet): ${first.message}`);
      await new Promise((resolve) => setTimeout(resolve, spec.storeRetryMs ?? 1000));
      first = await takeSnapshot();
    }
    const check = checkUnitLocation(
      first.entities.find((e) => e.kind === "service" && e.id === ""),
      spec.location,
    );
    log(check.kind === "primary" || check.kind === "additional" ? "info" : "warn", describeLocationCheck(check));

    const limits = await startUnitLimits({
      store,
      location: spec.location,
      redisUrl: spec.redisUrl,
      limits: spec.limits,
      clock,
      log: (level, message) => log(level, message),
    });
    closers.push(() => limits.close());

    // The network runtime follows the service's network settings as `moat serve` does; while the
    // database is down it reads them from the configuration backup the unit serves.
    const net = spec.network ?? {};
    const statusIntervalMs = net.statusIntervalMs ?? 900_000;
    const vnet = createVnetRuntime({
      store: withBackupReads(store),
      clock,
      location: spec.location,
      host: {
        defaultHost: spec.host,
        ...(net.publicAddress ? { publicAddress: net.publicAddress } : {}),
        ...(net.privateAddress ? { privateAddress: net.privateAddress } : {}),
      },
      catalog: loadServiceTagCatalog(net.serviceTagsFiles ?? []),
      dependencies: {
        ...(/^postgres/.test(spec.storeUrl) ? { storeUrl: spec.storeUrl } : {}),
        ...(spec.redisUrl ? { redisUrl: spec.redisUrl } : {}),
      },
      networkStatusIntervalMs: statusIntervalMs,
      log: {
        info: (obj, msg) => log("info", describe(msg, obj)),
        warn: (obj, msg) => log("warn", describe(msg, obj)),
      },
    });
    closers.push(() => vnet.close());
    await vnet.start();

    const listeners = [{ port: spec.httpPort }, ...(spec.tls ? [{ port: spec.httpsPort, tls: spec.tls }] : [])];
    const unit = await startGatewayUnit({
      store,
      host: spec.host,
      httpPort: spec.httpPort,
      httpsPort: spec.httpsPort,
      ...(spec.leanHttp === false ? { leanHttp: false } : {}),
      ...(spec.tls ? { tls: spec.tls } : {}),
      portalOrigins: spec.portalOrigins,
      serviceName: spec.serviceName,
      location: spec.location,
      logLevel: spec.logLevel,
      counters: limits.counters,
      responseCache: limits.responseCache,
      valueCache: limits.valueCache,
      addresses: vnet.gatewayAddresses(listeners),
      backendSocket: vnet.backendSocket,
    });
    closers.push(() => unit.close());
    // Re-binds keep the ports first bound (port 0 picked one; cluster workers share it).
    const boundPort = (i: number) => unit.addresses[i]?.port ?? listeners[i]?.port ?? 0;
    const requestReplacement = options.requestReplacement;
    let replaced = false;
    const replace = (reason: string) => {
      replaced = true;
      requestReplacement?.(reason);
      return Object.assign(new Error(`unit replaced to bind the network mode's addresses (${reason})`), {
        code: "EUNITREPLACED",
      });
    };
    const target: RebindTarget = requestReplacement
      ? {
          async rebind(addresses) {
            // Releasing is always safe; a unit on its way out binds nothing new.
            if (addresses.length === 0) return unit.gateway.rebind(addresses);
            if (replaced) throw replace("already stopping");
            if (crossesWildcard(unit.gateway.addresses(), addresses))
              throw replace(`the ${addresses.map((a) => `${a.host}:${a.port}`).join(", ")} listeners cross a wildcard`);
            try {
              return await unit.gateway.rebind(addresses);
            } catch (error) {
              throw replace(`re-bind failed: ${(error as Error).message}`);
            }
          },
        }
      : unit.gateway;
    vnet.attach(
      target,
      listeners.map((l, i) => ({ ...l, port: l.port === 0 ? boundPort(i) : l.port })),
    );

    if (spec.redisUrl) {
      const reporter = startNetworkReporter({
        redisUrl: spec.redisUrl,
        keyPrefix: spec.limits.keyPrefix,
        unit: unitReportName(spec.unitName),
        location: spec.location,
        status: () => vnet.status(spec.location),
        intervalMs: reportIntervalMs(statusIntervalMs),
        clock,
        log: (level, message) => log(level, message),
      });
      closers.push(() => reporter.close());
    }

    const metrics = createUnitMetrics({
      store,
      served: () => unit.gateway.snapshotRevision,
      ...(limits.kind === "redis" ? { redisUp: () => limits.healthy() } : {}),
      clock,
      labels: { location: spec.location, unit: spec.unitName },
    });
    closers.push(async () => metrics.stop());
    let server: MetricsListener | undefined;
    if (spec.metrics) {
      server = await createMetricsListener({ ...spec.metrics, exclusive: true }, [
        () => unit.gateway.metrics(),
        () => metrics.registry.metrics(),
      ]);
      closers.push(() => (server as MetricsListener).close());
    }
    return {
      addresses: unit.addresses,
      metricsPort: server?.address.port,
      metrics,
      get revision() {
        return unit.gateway.snapshotRevision;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** One log line from the runtime's structured entries: the message and its short fields. */
function describe(message: string, fields: object): string {
  const parts = Object.entries(fields).flatMap(([k, v]) => {
    if (v instanceof Error) return [`${k}: ${v.message}`];
    if (v === undefined || typeof v === "function") return [];
    return [`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`];
  });
  return parts.length > 0 ? `${message} (${parts.join(", ")})` : message;
}
