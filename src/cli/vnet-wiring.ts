// Wires virtual-network integration into `moat serve`: the runtime that follows the service's
// network settings (src/vnet), the service-tag catalog for validation, and the management options
// (host addresses, live NetworkStatus, control-plane source filter).
import { readFileSync } from "node:fs";
import { systemClock } from "../core/clock.js";
import type { ManagementOptions } from "../management/index.js";
import { loadServiceTags, type ServiceTagCatalog } from "../network/index.js";
import type { ConfigStore } from "../store/index.js";
import { createVnetRuntime, type VnetRuntime } from "../vnet/index.js";
import { ConfigError, type MoatConfig } from "./config.js";

const shippedTags = new URL("../../data/service-tags.json", import.meta.url);

export function loadCatalog(config: Readonly<MoatConfig>): ServiceTagCatalog {
  const files = [shippedTags.pathname, ...(config.network.serviceTagsFiles ?? [])];
  const documents = files.map((file) => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as unknown;
    } catch (err) {
      throw new ConfigError(`network.serviceTagsFiles: cannot read ${file}: ${(err as Error).message}`);
    }
  });
  // Placeholders: the shipped sample lacks Storage/Sql ranges; findings say when one was used.
  return loadServiceTags(documents, { placeholders: true }).catalog;
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

/** Management options that come from the network configuration and the runtime. */
export function managementNetworkOptions(
  config: Readonly<MoatConfig>,
  runtime: VnetRuntime,
  catalog: ServiceTagCatalog,
): Pick<ManagementOptions, "network" | "serviceTags" | "allowClient"> {
  const n = config.network;
  // The source filter applies once the host is described as being in a network (or sources are set).
  const filtering = Boolean(n.publicAddress || n.privateAddress || n.managementAllowedSources);
  return {
    serviceTags: catalog,
    network: {
      ...(n.publicAddress ? { publicAddress: n.publicAddress } : {}),
      ...(n.privateAddress ? { privateAddress: n.privateAddress } : {}),
      status: (location) => runtime.status(location),
    },
    ...(filtering ? { allowClient: (ip: string) => runtime.allowManagementClient(ip) } : {}),
  };
}
