// Wires virtual-network integration into `moat serve`: the runtime that follows the service's
// network settings (src/vnet), the service-tag catalog for validation, and the management options
// (host addresses, live NetworkStatus, control-plane source filter).
import { hostname } from "node:os";
import { systemClock } from "../core/clock.js";
import type { ManagementOptions } from "../management/index.js";
import type { NetworkStatusContract } from "../netstatus/index.js";
import type { ServiceTagCatalog } from "../network/index.js";
import { sameRegion } from "../network/index.js";
import {
  mergeNetworkStatus,
  type NetworkReportReader,
  reportIntervalMs,
  startNetworkReportReader,
} from "../scale/network-reports.js";
import type { ConfigStore } from "../store/index.js";
import { CatalogFileError, createVnetRuntime, loadServiceTagCatalog, type VnetRuntime } from "../vnet/index.js";
import { ConfigError, type MoatConfig } from "./config.js";

export function loadCatalog(config: Readonly<MoatConfig>): ServiceTagCatalog {
  try {
    return loadServiceTagCatalog(config.network.serviceTagsFiles ?? []);
  } catch (err) {
    throw err instanceof CatalogFileError ? new ConfigError(err.message) : err;
  }
}

export async function startVnetRuntime(
  config: Readonly<MoatConfig>,
  store: ConfigStore,
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
): Promise<{ runtime: VnetRuntime; catalog: ServiceTagCatalog }> {
  const catalog = loadCatalog(config);
  const n = config.network;
  const runtime = createVnetRuntime({
    store,
    clock: systemClock,
    location: config.location,
    host: {
      defaultHost: config.gateway.host,
      ...(n.publicAddress ? { publicAddress: n.publicAddress } : {}),
      ...(n.privateAddress ? { privateAddress: n.privateAddress } : {}),
    },
    ...(n.managementAllowedSources ? { managementAllowedSources: n.managementAllowedSources } : {}),
    catalog,
    dependencies: {
      ...(/^postgres/.test(config.store) ? { storeUrl: config.store } : {}),
      ...(config.redis ? { redisUrl: config.redis } : {}),
      ...(config.smtp.host ? { smtp: { host: config.smtp.host, port: config.smtp.port } } : {}),
    },
    networkStatusIntervalMs: config.networkStatus.intervalSeconds * 1000,
    log,
  });
  await runtime.start();
  return { runtime, catalog };
}

/**
 * With Redis configured, the management process reads the NetworkStatus reports of the gateway
 * units (`--role gateway`, `--units N`, on this host or others) to merge them into its answers.
 */
export function startUnitReportReader(
  config: Readonly<MoatConfig>,
  log: { warn(obj: object, msg: string): void },
): NetworkReportReader | undefined {
  if (!config.redis) return undefined;
  return startNetworkReportReader({
    redisUrl: config.redis,
    keyPrefix: config.limits.keyPrefix,
    intervalMs: reportIntervalMs(config.networkStatus.intervalSeconds * 1000),
    clock: systemClock,
    log: (level, message) => (level === "warn" ? log.warn({ component: "networkstatus" }, message) : undefined),
  });
}

/**
 * NetworkStatus of one location: this process's own probes (when it serves that location) merged
 * with the live reports of the units serving it. Without unit reports it is this process's alone,
 * unchanged.
 */
export function locationNetworkStatus(
  config: Readonly<MoatConfig>,
  runtime: VnetRuntime,
  reports: NetworkReportReader | undefined,
  location: string,
): NetworkStatusContract | undefined {
  const own = runtime.status(location);
  const units = reports?.reports(location) ?? [];
  if (units.length === 0) return own;
  const self = own && sameRegion(location, config.location) ? [{ name: managementName(), status: own }] : [];
  return mergeNetworkStatus([...self, ...units.map((r) => ({ name: r.unit, status: r.status }))]);
}

const managementName = () => `management@${hostname()} (pid ${process.pid})`;

/** Management options that come from the network configuration and the runtime. */
export function managementNetworkOptions(
  config: Readonly<MoatConfig>,
  runtime: VnetRuntime,
  catalog: ServiceTagCatalog,
  reports?: NetworkReportReader,
): Pick<ManagementOptions, "network" | "serviceTags" | "allowClient"> {
  const n = config.network;
  // The source filter applies once the host is described as being in a network (or sources are set).
  const filtering = Boolean(n.publicAddress || n.privateAddress || n.managementAllowedSources);
  return {
    serviceTags: catalog,
    network: {
      ...(n.publicAddress ? { publicAddress: n.publicAddress } : {}),
      ...(n.privateAddress ? { privateAddress: n.privateAddress } : {}),
      status: (location) => locationNetworkStatus(config, runtime, reports, location),
    },
    ...(filtering ? { allowClient: (ip: string) => runtime.allowManagementClient(ip) } : {}),
  };
}
