// `moat serve --role gateway`: a gateway unit with no management API. It reads configuration from
// the shared store (PostgreSQL in practice), keeps a local config backup to start from while the
// database is down, shares counters and caches through Redis when configured, and exposes its
// configuration revision and lag as metrics. The options are plain data so a cluster primary can
// hand them to its workers.
import { join } from "node:path";
import { type Clock, systemClock } from "../core/clock.js";
import { createMetricsListener, type MetricsListener } from "../gateway/observability/metrics-listener.js";
import type { BoundAddress } from "../gateway/server/listeners.js";
import { startGatewayUnit } from "../gateway/unit.js";
import { StoreError } from "../store/contract.js";
import { createConfigStore } from "../store/open-store.js";
import { createBackedStore } from "./backed-store.js";
import { checkUnitLocation, describeLocationCheck } from "./location.js";
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
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly portalOrigins: readonly string[];
  readonly logLevel: string;
  readonly redisUrl: string;
  readonly limits: UnitLimitsOptions["limits"];
  /** Internal metrics listener; absent = none. Port 0 picks a free port. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** Pause between attempts while the store is unreachable and no backup exists (default 1000 ms). */
  readonly storeRetryMs?: number;
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

    const unit = await startGatewayUnit({
      store,
      host: spec.host,
      httpPort: spec.httpPort,
      httpsPort: spec.httpsPort,
      ...(spec.tls ? { tls: spec.tls } : {}),
      portalOrigins: spec.portalOrigins,
      serviceName: spec.serviceName,
      location: spec.location,
      logLevel: spec.logLevel,
      counters: limits.counters,
      responseCache: limits.responseCache,
      valueCache: limits.valueCache,
    });
    closers.push(() => unit.close());

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
