// Reads what the running product needs from the store: the service's access mode and subnet for
// this location, its DNS snapshot, the declared network compiled into an index, and the backend
// hosts. Pure apart from the store reads; the runtime decides what to do with a changed state.
import type { StoredEntity } from "../model/resources.js";
import {
  compileNetwork,
  type NetworkIndex,
  parseSubnetId,
  type ServiceTagCatalog,
  sameRegion,
  topologyFromDocument,
} from "../network/index.js";
import type { ConfigStore } from "../store/contract.js";
import type { AccessMode } from "./bindings.js";

export interface NetworkState {
  readonly mode: AccessMode;
  readonly subnetId?: string;
  /** DNS servers snapshotted for this location (empty: host/Azure-provided resolution). */
  readonly dnsServers: readonly string[];
  /** Changes at every deployment into a network and every applynetworkconfigurationupdates. */
  readonly appliedAt: string;
  readonly index: NetworkIndex;
  /** Backend origins of APIs and backend entities ("http://api.corp.internal:8000"). */
  readonly backends: readonly string[];
}

const armTypes = [
  ["virtualNetwork", "Microsoft.Network/virtualNetworks"],
  ["networkSecurityGroup", "Microsoft.Network/networkSecurityGroups"],
  ["routeTable", "Microsoft.Network/routeTables"],
] as const;

type Props = Record<string, unknown>;

function subnetFor(service: Props, location: string): string | undefined {
  if ((service.virtualNetworkType ?? "None") === "None") return undefined;
  const primary = (service.virtualNetworkConfiguration as { subnetResourceId?: string } | undefined)?.subnetResourceId;
  if (sameRegion(String(service.location ?? ""), location)) return primary;
  const extra = ((service.additionalLocations as Props[] | undefined) ?? []).find((l) =>
    sameRegion(String(l.location ?? ""), location),
  );
  return (extra?.virtualNetworkConfiguration as { subnetResourceId?: string } | undefined)?.subnetResourceId ?? primary;
}

function originOf(url: unknown): string | undefined {
  if (typeof url !== "string") return undefined;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

export async function readNetworkState(
  store: ConfigStore,
  location: string,
  catalog: ServiceTagCatalog,
): Promise<NetworkState> {
  const service = ((await store.get("service", ""))?.properties ?? {}) as Props;
  const mode = (service.virtualNetworkType as AccessMode | undefined) ?? "None";
  const subnetId = subnetFor(service, location);
  const snapshot =
    (service.networkSnapshot as { appliedAt?: string; dnsServers?: Record<string, string[]> } | undefined) ?? {};
  const dnsServers = Object.entries(snapshot.dnsServers ?? {}).find(([l]) => sameRegion(l, location))?.[1] ?? [];
  // Network resources live beside the service in the subscription and group the subnet id names.
  const scope = (subnetId && parseSubnetId(subnetId)) || {
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    resourceGroup: "moat",
  };
  const value: unknown[] = [];
  for (const [kind, type] of armTypes)
    for (const e of (await store.list(kind, {})).items) value.push(armResource(e, type, scope));
  const { topology } = topologyFromDocument({ value }, catalog, {
    subscriptionId: scope.subscriptionId,
    resourceGroup: scope.resourceGroup,
  });
  const backends = new Set<string>();
  for (const api of (await store.list("api", {})).items) {
    const o = originOf(api.properties.serviceUrl);
    if (o) backends.add(o);
  }
  for (const b of (await store.list("backend", {})).items) {
    const o = originOf(b.properties.url);
    if (o) backends.add(o);
  }
  return {
    mode,
    ...(subnetId ? { subnetId } : {}),
    dnsServers: mode === "None" ? [] : dnsServers,
    appliedAt: snapshot.appliedAt ?? "",
    index: compileNetwork(topology, catalog),
    backends: [...backends].sort(),
  };
}

function armResource(e: StoredEntity, type: string, scope: { subscriptionId: string; resourceGroup: string }) {
  const p = e.properties as Props;
  return {
    id: `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/${type}/${e.name}`,
    name: e.name,
    type,
    location: p.location ?? "",
    properties: p.properties ?? {},
  };
}
