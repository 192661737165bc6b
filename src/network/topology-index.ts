// Compiles a Topology once into lookups, normalised NSG rules and per-subnet tag contexts, so the
// evaluators (NSG, routes, validation) answer each question with set lookups instead of re-parsing.
import type { Diagnostic } from "../core/errors.js";
import { type AddressSet, type Cidr, createAddressSet, parseCidr } from "./ipv4.js";
import type { NetworkInterface, NetworkSecurityGroup, RouteTable, Subnet, Topology, VirtualNetwork } from "./model.js";
import { type NormalizedRule, normalizedDefaultRules, validateSecurityRules } from "./nsg-rules.js";
import type { ServiceTagCatalog, TagRef } from "./service-tags.js";

export const hostVip = 0xa83f8110; // 168.63.129.16
export const hostVipText = "168.63.129.16";

export interface NetworkOptions {
  /** VirtualNetwork tag includes 168.63.129.16 (spec §6.2, default true). */
  readonly vnetTagIncludesHostVip?: boolean;
  /** VirtualNetwork tag includes the subnet's UDR prefixes (spec §6.2, default true). */
  readonly vnetTagIncludesUdrPrefixes?: boolean;
}

export interface CompiledNsg {
  readonly nsg: NetworkSecurityGroup;
  /** Custom and default rules per direction, sorted by priority. */
  readonly inbound: readonly NormalizedRule[];
  readonly outbound: readonly NormalizedRule[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Tag membership as seen from one subnet (the context whose NSG is evaluated, spec §6.2). */
export interface TagContext {
  readonly virtualNetwork: AddressSet;
  readonly virtualNetworkBase: AddressSet;
  isInternet(ip: number): boolean;
  contains(tag: TagRef, ip: number): boolean;
  /** Prefixes a static tag resolves to (empty for computed tags). */
  prefixesOf(tag: TagRef): readonly Cidr[];
}

export interface SubnetEntry {
  readonly subnet: Subnet;
  readonly vnet: VirtualNetwork;
  readonly prefix: Cidr | undefined;
}

export interface NetworkIndex {
  readonly topology: Topology;
  readonly catalog: ServiceTagCatalog;
  readonly options: Required<NetworkOptions>;
  subnet(id: string): SubnetEntry | undefined;
  vnet(id: string): VirtualNetwork | undefined;
  nsg(id: string | undefined): CompiledNsg | undefined;
  routeTable(id: string | undefined): RouteTable | undefined;
  nic(id: string | undefined): NetworkInterface | undefined;
  nicByIp(ip: string): NetworkInterface | undefined;
  /** Subnet whose prefix holds `ip`, searched in all loaded VNets. */
  subnetOfIp(ip: number): SubnetEntry | undefined;
  tagContext(subnetId: string): TagContext;
  asgMembers(nicId: string | undefined): ReadonlySet<string>;
}

// Ranges never in Internet(ctx) (spec §6.3).
export const notInternetRanges = createAddressSet(
  [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
  ].map((t) => (parseCidr(t) as { ok: true; cidr: Cidr }).cidr),
);

function cidrs(texts: readonly string[] | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const t of texts ?? []) {
    const r = parseCidr(t, false);
    if (r.ok) out.push(r.cidr);
  }
  return out;
}

export function compileNetwork(
  topology: Topology,
  catalog: ServiceTagCatalog,
  options: NetworkOptions = {},
): NetworkIndex {
  const opts: Required<NetworkOptions> = {
    vnetTagIncludesHostVip: options.vnetTagIncludesHostVip ?? true,
    vnetTagIncludesUdrPrefixes: options.vnetTagIncludesUdrPrefixes ?? true,
  };
  const vnets = new Map<string, VirtualNetwork>();
  const subnets = new Map<string, SubnetEntry>();
  for (const vnet of topology.virtualNetworks) {
    vnets.set(vnet.id.toLowerCase(), vnet);
    for (const subnet of vnet.subnets) {
      const r = parseCidr(subnet.addressPrefix, false);
      subnets.set(subnet.id.toLowerCase(), { subnet, vnet, prefix: r.ok ? r.cidr : undefined });
    }
  }
  const defaults = normalizedDefaultRules(catalog);
  const nsgs = new Map<string, CompiledNsg>();
  for (const nsg of topology.networkSecurityGroups) {
    const { rules, diagnostics } = validateSecurityRules(
      nsg.securityRules,
      catalog,
      (i) => `securityRules[${i}]`,
      nsg.id,
    );
    const all = [...rules, ...defaults].sort((a, b) => a.priority - b.priority);
    nsgs.set(nsg.id.toLowerCase(), {
      nsg,
      inbound: all.filter((r) => r.direction === "Inbound"),
      outbound: all.filter((r) => r.direction === "Outbound"),
      diagnostics,
    });
  }
  const tables = new Map(topology.routeTables.map((t) => [t.id.toLowerCase(), t]));
  const nics = new Map((topology.networkInterfaces ?? []).map((n) => [n.id.toLowerCase(), n]));
  const nicsByIp = new Map((topology.networkInterfaces ?? []).map((n) => [n.privateIPAddress, n]));
  const contexts = new Map<string, TagContext>();
  const tagSets = new Map<string, AddressSet>();

  function staticSet(tag: TagRef): AddressSet {
    let set = tagSets.get(tag.canonical);
    if (!set) {
      set = createAddressSet(catalog.prefixes(tag));
      tagSets.set(tag.canonical, set);
    }
    return set;
  }

  function buildContext(entry: SubnetEntry | undefined): TagContext {
    const base: Cidr[] = [];
    const udr: Cidr[] = [];
    if (entry) {
      const { vnet, subnet } = entry;
      base.push(...cidrs(vnet.addressSpace.addressPrefixes));
      for (const p of vnet.virtualNetworkPeerings ?? []) {
        if ((p.peeringState ?? "Connected") !== "Connected") continue;
        const remote = vnets.get(p.remoteVirtualNetworkId.toLowerCase());
        if (remote) base.push(...cidrs(remote.addressSpace.addressPrefixes));
      }
      if (vnet.gateway) base.push(...cidrs(vnet.gateway.localNetworkAddressPrefixes), ...cidrs(vnet.gateway.bgpRoutes));
      const table = subnet.routeTable ? tables.get(subnet.routeTable.id.toLowerCase()) : undefined;
      for (const route of table?.routes ?? []) {
        const r = parseCidr(route.addressPrefix, false);
        if (r.ok) udr.push(r.cidr);
        else {
          const tag = catalog.resolve(route.addressPrefix);
          if (tag) udr.push(...catalog.prefixes(tag));
        }
      }
    }
    const baseWithHost = opts.vnetTagIncludesHostVip ? [...base, [hostVip, hostVip] as const] : base;
    const virtualNetworkBase = createAddressSet(baseWithHost);
    const virtualNetwork = opts.vnetTagIncludesUdrPrefixes
      ? createAddressSet([...baseWithHost, ...udr])
      : virtualNetworkBase;
    // Internet subtracts the base (not the UDR part) so a 0.0.0.0/0 route cannot empty it (spec §6.3).
    const isInternet = (ip: number) => !virtualNetworkBase.has(ip) && !notInternetRanges.has(ip);
    return {
      virtualNetwork,
      virtualNetworkBase,
      isInternet,
      contains(tag: TagRef, ip: number): boolean {
        if (tag.kind === "computed") return tag.base === "Internet" ? isInternet(ip) : virtualNetwork.has(ip);
        return staticSet(tag).has(ip);
      },
      prefixesOf: (tag) => (tag.kind === "computed" ? [] : catalog.prefixes(tag)),
    };
  }

  const asgCache = new Map<string, ReadonlySet<string>>();
  return {
    topology,
    catalog,
    options: opts,
    subnet: (id) => subnets.get(id.toLowerCase()),
    vnet: (id) => vnets.get(id.toLowerCase()),
    nsg: (id) => (id === undefined ? undefined : nsgs.get(id.toLowerCase())),
    routeTable: (id) => (id === undefined ? undefined : tables.get(id.toLowerCase())),
    nic: (id) => (id === undefined ? undefined : nics.get(id.toLowerCase())),
    nicByIp: (ip) => nicsByIp.get(ip),
    subnetOfIp(ip: number): SubnetEntry | undefined {
      for (const e of subnets.values()) if (e.prefix && ip >= e.prefix.first && ip <= e.prefix.last) return e;
      return undefined;
    },
    tagContext(subnetId: string): TagContext {
      const key = subnetId.toLowerCase();
      let ctx = contexts.get(key);
      if (!ctx) {
        ctx = buildContext(subnets.get(key));
        contexts.set(key, ctx);
      }
      return ctx;
    },
    asgMembers(nicId: string | undefined): ReadonlySet<string> {
      if (nicId === undefined) return new Set();
      const key = nicId.toLowerCase();
      let set = asgCache.get(key);
      if (!set) {
        set = new Set((nics.get(key)?.applicationSecurityGroups ?? []).map((a) => a.id.toLowerCase()));
        asgCache.set(key, set);
      }
      return set;
    },
  };
}
