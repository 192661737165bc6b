// Routing (spec §7): system routes per subnet, user-defined routes (CIDR or service tag), BGP
// routes from the VNet gateway, longest-prefix selection with Azure's tie rules, next hop, and
// whether a next hop is a forced tunnel that drops or forwards.
import { type Cidr, cidr, parseCidr, parseIpv4 } from "./ipv4.js";
import type { TunnelPolicy } from "./model.js";
import { regionTagSuffix } from "./regions.js";
import { hostVip, type NetworkIndex } from "./topology-index.js";

export type EffectiveNextHop =
  | "VnetLocal"
  | "Internet"
  | "None"
  | "VirtualAppliance"
  | "VirtualNetworkGateway"
  | "VNetPeering"
  | "VirtualNetworkServiceEndpoint";

export interface EffectiveRoute {
  readonly source: "Default" | "User" | "VirtualNetworkGateway";
  state: "Active" | "Invalid";
  readonly name?: string;
  /** As written: a CIDR or a service tag. */
  readonly addressPrefix: string;
  readonly prefixes: readonly Cidr[];
  readonly nextHopType: EffectiveNextHop;
  readonly nextHopIpAddress?: string;
  /** Exact-tie rank for tag routes: 0 CIDR, 1 regional tag, 2 tag, 3 regional AzureCloud, 4 AzureCloud. */
  readonly tagRank: number;
}

export interface NextHopResult {
  readonly nextHopType: EffectiveNextHop;
  readonly nextHopIpAddress?: string;
  /** Network Watcher reports "System Route" for routes that are not user-defined. */
  readonly routeTableId: string;
  readonly route?: EffectiveRoute;
  readonly matchedPrefix?: string;
}

const reservedPrefixes = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((t) => cidr(t));
const sourceOrder = { User: 0, VirtualNetworkGateway: 1, Default: 2 } as const;
export const serviceEndpointTags: Readonly<Record<string, string>> = {
  "microsoft.storage": "Storage",
  "microsoft.sql": "Sql",
  "microsoft.eventhub": "EventHub",
  "microsoft.servicebus": "ServiceBus",
  "microsoft.keyvault": "AzureKeyVault",
};

function parsedList(texts: readonly string[] | undefined): Cidr[] {
  return (texts ?? []).flatMap((t) => {
    const r = parseCidr(t, false);
    return r.ok ? [r.cidr] : [];
  });
}

/** All routes of a subnet, including Invalid ones, in display order (system, BGP, user). */
export function effectiveRoutes(index: NetworkIndex, subnetId: string): EffectiveRoute[] {
  const entry = index.subnet(subnetId);
  if (!entry) return [];
  const { vnet, subnet } = entry;
  const table = index.routeTable(subnet.routeTable?.id);
  const routes: EffectiveRoute[] = [];
  const sys = (c: Cidr, nextHopType: EffectiveNextHop, addressPrefix = c.text): EffectiveRoute => ({
    source: "Default",
    state: "Active",
    addressPrefix,
    prefixes: [c],
    nextHopType,
    tagRank: 0,
  });
  const spaces = parsedList(vnet.addressSpace.addressPrefixes);
  for (const p of spaces) routes.push(sys(p, "VnetLocal"));
  routes.push(sys(cidr("0.0.0.0/0"), "Internet"));
  for (const r of reservedPrefixes) {
    if (spaces.some((a) => a.first <= r.first && a.last >= r.last)) continue; // equal (already VnetLocal) or strictly wider
    routes.push(sys(r, "None"));
  }
  for (const peering of vnet.virtualNetworkPeerings ?? []) {
    if ((peering.peeringState ?? "Connected") !== "Connected") continue;
    const remote = index.vnet(peering.remoteVirtualNetworkId);
    for (const q of parsedList(remote?.addressSpace.addressPrefixes)) routes.push(sys(q, "VNetPeering"));
  }
  if (vnet.gateway && !table?.disableBgpRoutePropagation) {
    for (const q of [...parsedList(vnet.gateway.localNetworkAddressPrefixes), ...parsedList(vnet.gateway.bgpRoutes)])
      routes.push({
        source: "VirtualNetworkGateway",
        state: "Active",
        addressPrefix: q.text,
        prefixes: [q],
        nextHopType: "VirtualNetworkGateway",
        tagRank: 0,
      });
  }
  for (const se of subnet.serviceEndpoints ?? []) {
    const tag = serviceEndpointTags[se.service.toLowerCase()];
    if (!tag) continue;
    const locations = se.locations && se.locations.length > 0 ? se.locations : [vnet.location];
    for (const loc of locations) {
      const regional = loc === "*" ? undefined : index.catalog.resolve(`${tag}.${regionTagSuffix(loc)}`);
      const top = index.catalog.resolve(tag);
      let prefixes = regional ? index.catalog.prefixes(regional) : [];
      // Fall back to the top-level tag when the regional one has no loaded prefixes [PD §7.2].
      if (prefixes.length === 0 && top) prefixes = index.catalog.prefixes(top);
      for (const q of prefixes) routes.push(sys(q, "VirtualNetworkServiceEndpoint", `${tag} (service endpoint)`));
    }
  }
  const user: EffectiveRoute[] = [];
  for (const r of table?.routes ?? []) {
    const hop = r.nextHopType as EffectiveNextHop;
    const parsed = parseCidr(r.addressPrefix, false);
    if (parsed.ok) {
      user.push({
        source: "User",
        state: "Active",
        name: r.name,
        addressPrefix: r.addressPrefix,
        prefixes: [parsed.cidr],
        nextHopType: hop,
        nextHopIpAddress: r.nextHopIpAddress,
        tagRank: 0,
      });
      continue;
    }
    const tag = index.catalog.resolve(r.addressPrefix);
    if (!tag) continue; // reported by validateRouteTable
    const rank = tag.base === "AzureCloud" ? (tag.region ? 3 : 4) : tag.region ? 1 : 2;
    user.push({
      source: "User",
      state: "Active",
      name: r.name,
      addressPrefix: tag.canonical,
      prefixes: index.catalog.prefixes(tag),
      nextHopType: hop,
      nextHopIpAddress: r.nextHopIpAddress,
      tagRank: rank,
    });
  }
  const userDefault = user.some((u) => u.prefixes.some((p) => p.prefixLength === 0));
  const userTexts = new Set(user.flatMap((u) => u.prefixes.map((p) => p.text)));
  const kept: EffectiveRoute[] = [];
  for (const r of routes) {
    const text = (r.prefixes[0] as Cidr).text;
    // A 0.0.0.0/0 UDR removes the default None routes from the subnet's table (spec §7.3).
    if (
      userDefault &&
      r.source === "Default" &&
      r.nextHopType === "None" &&
      reservedPrefixes.some((p) => p.text === text)
    )
      continue;
    if (userTexts.has(text)) r.state = "Invalid";
    kept.push(r);
  }
  return [...kept, ...user];
}

/** Next hop from a subnet to a destination (spec §7.4), or undefined for an unknown subnet / bad IP. */
export function nextHop(index: NetworkIndex, subnetId: string, destination: string): NextHopResult | undefined {
  const ip = parseIpv4(destination);
  if (ip === undefined || !index.subnet(subnetId)) return undefined;
  // Traffic to the host VIP is platform traffic, never routed through UDRs [PD §7.4].
  if (ip === hostVip)
    return { nextHopType: "VnetLocal", routeTableId: "System Route", matchedPrefix: "168.63.129.16/32" };
  const table = index.subnet(subnetId)?.subnet.routeTable?.id;
  let best: { route: EffectiveRoute; prefix: Cidr } | undefined;
  const candidates: { route: EffectiveRoute; prefix: Cidr }[] = [];
  for (const route of routesOf(index, subnetId)) {
    if (route.state !== "Active") continue;
    for (const prefix of route.prefixes) {
      if (ip < prefix.first || ip > prefix.last) continue;
      candidates.push({ route, prefix });
      if (!best || better(route, prefix, best.route, best.prefix)) best = { route, prefix };
    }
  }
  if (!best) return { nextHopType: "None", routeTableId: "System Route" };
  if (best.route.source === "VirtualNetworkGateway") {
    // System VNet, peering and service-endpoint routes beat a more specific BGP route (spec §7.4).
    const system = candidates.find(
      (c) =>
        c.route.source === "Default" &&
        ["VnetLocal", "VNetPeering", "VirtualNetworkServiceEndpoint"].includes(c.route.nextHopType),
    );
    if (system) best = system;
  }
  const { route, prefix } = best;
  return {
    nextHopType: route.nextHopType,
    nextHopIpAddress: route.nextHopIpAddress,
    routeTableId: route.source === "User" && table ? table : "System Route",
    route,
    matchedPrefix: prefix.text,
  };
}

function better(a: EffectiveRoute, ap: Cidr, b: EffectiveRoute, bp: Cidr): boolean {
  if (ap.prefixLength !== bp.prefixLength) return ap.prefixLength > bp.prefixLength;
  if (a.source !== b.source) return sourceOrder[a.source] < sourceOrder[b.source];
  return a.tagRank < b.tagRank;
}

const routeCache = new WeakMap<NetworkIndex, Map<string, EffectiveRoute[]>>();

function routesOf(index: NetworkIndex, subnetId: string): EffectiveRoute[] {
  let perIndex = routeCache.get(index);
  if (!perIndex) {
    perIndex = new Map();
    routeCache.set(index, perIndex);
  }
  const key = subnetId.toLowerCase();
  let routes = perIndex.get(key);
  if (!routes) {
    routes = effectiveRoutes(index, subnetId);
    perIndex.set(key, routes);
  }
  return routes;
}

/** Policy of the appliance or gateway a tunnel ends at (spec §7.6, default drop). */
export function tunnelPolicy(index: NetworkIndex, subnetId: string, hop: NextHopResult): TunnelPolicy | undefined {
  if (hop.nextHopType === "VirtualAppliance")
    return index.nicByIp(hop.nextHopIpAddress ?? "")?.forcedTunnelPolicy ?? "drop";
  if (hop.nextHopType === "VirtualNetworkGateway")
    return index.subnet(subnetId)?.vnet.gateway?.forcedTunnelPolicy ?? "drop";
  return undefined;
}

/** Force-tunnelled: a public destination not covered by a longer route goes to an appliance or gateway. */
export function isForceTunneled(index: NetworkIndex, subnetId: string, probe = "203.0.113.200"): boolean {
  const hop = nextHop(index, subnetId, probe);
  return hop?.nextHopType === "VirtualAppliance" || hop?.nextHopType === "VirtualNetworkGateway";
}
