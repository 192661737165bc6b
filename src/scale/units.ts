// Runs the gateway side of `moat serve --role gateway` / `--units N`: one unit in this process, or N
// cluster workers sharing the ports. Takes the parts of Moat's configuration it needs (structurally,
// so this folder does not depend on the CLI that loads them).
import { startUnitCluster, type UnitInfo } from "./cluster.js";
import { type GatewayRoleSpec, type LogFn, startGatewayRole } from "./gateway-role.js";
import type { LimitsMode } from "./limits-backend.js";

export interface ScaleConfigView {
  readonly serviceName: string;
  readonly location: string;
  readonly dataDir: string;
  readonly store: string;
  readonly redis: string;
  readonly units: number;
  readonly gateway: {
    readonly host: string;
    readonly httpPort: number;
    readonly httpsPort: number;
    readonly leanHttp: boolean;
  };
  readonly log: { readonly level: string };
  readonly limits: {
    readonly mode: LimitsMode;
    readonly failMode: "open" | "closed";
    readonly keyPrefix: string;
    readonly syncIntervalMs: number;
    readonly commandTimeoutMs: number;
  };
  readonly metrics: { readonly enabled: boolean; readonly host: string; readonly port: number };
  readonly network: {
    readonly publicAddress?: string;
    readonly privateAddress?: string;
    readonly serviceTagsFiles?: readonly string[];
  };
  readonly networkStatus: { readonly intervalSeconds: number };
}

export interface UnitsOptions {
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly portalOrigins: readonly string[];
  readonly log: LogFn;
}

export function unitSpec(config: ScaleConfigView, options: UnitsOptions, index: number): GatewayRoleSpec {
  return {
    storeUrl: config.store,
    dataDir: config.dataDir,
    serviceName: config.serviceName,
    location: config.location,
    unitName: `unit-${index + 1}`,
    host: config.gateway.host,
    httpPort: config.gateway.httpPort,
    httpsPort: config.gateway.httpsPort,
    leanHttp: config.gateway.leanHttp,
    ...(options.tls ? { tls: options.tls } : {}),
    portalOrigins: options.portalOrigins,
    logLevel: config.log.level,
    redisUrl: config.redis,
    limits: config.limits,
    network: {
      ...(config.network.publicAddress ? { publicAddress: config.network.publicAddress } : {}),
      ...(config.network.privateAddress ? { privateAddress: config.network.privateAddress } : {}),
      ...(config.network.serviceTagsFiles ? { serviceTagsFiles: config.network.serviceTagsFiles } : {}),
      statusIntervalMs: config.networkStatus.intervalSeconds * 1000,
    },
    ...(config.metrics.enabled
      ? { metrics: { host: config.metrics.host, port: config.metrics.port === 0 ? 0 : config.metrics.port + index } }
      : {}),
  };
}

export interface RunningUnits {
  readonly units: readonly UnitInfo[];
  close(): Promise<void>;
}

/** Starts the units and resolves once each serves; a unit that cannot start rejects (after cleanup). */
export async function startUnits(config: ScaleConfigView, options: UnitsOptions): Promise<RunningUnits> {
  if (config.units <= 1) {
    const role = await startGatewayRole(unitSpec(config, options, 0), options.log);
    return {
      units: [
        {
          index: 0,
          pid: process.pid,
          ports: [...new Set(role.addresses.map((a) => a.port))],
          metricsPort: role.metricsPort,
        },
      ],
      close: () => role.close(),
    };
  }
  const cluster = startUnitCluster({
    units: config.units,
    spec: (index) => unitSpec(config, options, index),
    log: options.log,
  });
  try {
    const units = await cluster.ready;
    return { units, close: () => cluster.close() };
  } catch (error) {
    await cluster.close();
    throw error;
  }
}
