import type {
  NetworkInterface,
  NetworkSecurityGroup,
  Route,
  RouteTable,
  SecurityRule,
  Subnet,
  VirtualNetwork,
} from "./model.js";

type Json = Record<string, unknown>;

export interface ArmScope {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

export function obj(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
export function strings(value: unknown): string[] {
  return arr(value).filter((v): v is string => typeof v === "string");
}
function ref(value: unknown): { id: string } | undefined {
  const id = str(obj(value).id);
  return id ? { id } : undefined;
}

export function armId(scope: ArmScope, type: string, ...names: string[]): string {
  const [provider, ...types] = type.split("/");
  const pairs = types.map((t, i) => `${t}/${names[i] ?? ""}`).join("/");
  return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/${provider}/${pairs}`;
}

export function fromArmVirtualNetwork(resource: unknown, scope: ArmScope): VirtualNetwork {
  const r = obj(resource);
  const p = obj(r.properties);
  const name = str(r.name) ?? "";
  const id = str(r.id) ?? armId(scope, "Microsoft.Network/virtualNetworks", name);
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? scope.subscriptionId;
  return {
    id,
    name,
    subscriptionId,
    location: str(r.location) ?? "",
    deploymentModel: /Microsoft\.ClassicNetwork/i.test(id) ? "Classic" : "ResourceManager",
    addressSpace: { addressPrefixes: strings(obj(p.addressSpace).addressPrefixes) },
    dhcpOptions: { dnsServers: strings(obj(p.dhcpOptions).dnsServers) },
    subnets: arr(p.subnets).map((s) => fromArmSubnet(s, id)),
    virtualNetworkPeerings: arr(p.virtualNetworkPeerings).map((x) => {
      const pp = obj(obj(x).properties);
      return {
        name: str(obj(x).name),
        remoteVirtualNetworkId: str(obj(pp.remoteVirtualNetwork).id) ?? "",
        peeringState: (str(pp.peeringState) as "Connected" | undefined) ?? "Connected",
      };
    }),
    resourceGuid: str(p.resourceGuid),
  };
}

export function fromArmSubnet(resource: unknown, vnetId: string): Subnet {
  const s = obj(resource);
  const p = obj(s.properties);
  const name = str(s.name) ?? "";
  const prefixes = strings(p.addressPrefixes);
  return {
    id: str(s.id) ?? `${vnetId}/subnets/${name}`,
    name,
    addressPrefix: str(p.addressPrefix) ?? prefixes[0] ?? "",
    networkSecurityGroup: ref(p.networkSecurityGroup),
    routeTable: ref(p.routeTable),
    serviceEndpoints: arr(p.serviceEndpoints).map((e) => ({
      service: str(obj(e).service) ?? "",
      locations: strings(obj(e).locations),
    })),
    delegations: arr(p.delegations).map((d) => ({
      serviceName: str(obj(obj(d).properties).serviceName) ?? str(obj(d).serviceName) ?? "",
    })),
    resourceNavigationLinks: arr(p.resourceNavigationLinks).map((l) => {
      const lp = obj(obj(l).properties);
      return { name: str(obj(l).name), linkedResourceType: str(lp.linkedResourceType) ?? "", link: str(lp.link) ?? "" };
    }),
    ipConfigurations: arr(p.ipConfigurations).flatMap((c) => (ref(c) ? [ref(c) as { id: string }] : [])),
  };
}

export function fromArmNetworkSecurityGroup(resource: unknown, scope: ArmScope): NetworkSecurityGroup {
  const r = obj(resource);
  const name = str(r.name) ?? "";
  return {
    id: str(r.id) ?? armId(scope, "Microsoft.Network/networkSecurityGroups", name),
    name,
    location: str(r.location),
    securityRules: arr(obj(r.properties).securityRules).map((x) => ({
      ...(obj(obj(x).properties) as unknown as SecurityRule),
      name: str(obj(x).name) ?? "",
    })),
  };
}

export function toArmNetworkSecurityGroup(nsg: NetworkSecurityGroup, defaults: readonly SecurityRule[] = []): Json {
  const wrap = (prefix: string) => (r: SecurityRule) => {
    const { name, ...properties } = r;
    return { name, id: `${nsg.id}/${prefix}/${name}`, properties };
  };
  return {
    id: nsg.id,
    name: nsg.name,
    type: "Microsoft.Network/networkSecurityGroups",
    location: nsg.location,
    properties: {
      securityRules: nsg.securityRules.map(wrap("securityRules")),
      defaultSecurityRules: defaults.map(wrap("defaultSecurityRules")),
    },
  };
}

export function fromArmRouteTable(resource: unknown, scope: ArmScope): RouteTable {
  const r = obj(resource);
  const p = obj(r.properties);
  const name = str(r.name) ?? "";
  return {
    id: str(r.id) ?? armId(scope, "Microsoft.Network/routeTables", name),
    name,
    location: str(r.location),
    disableBgpRoutePropagation: p.disableBgpRoutePropagation === true,
    routes: arr(p.routes).map((x) => ({
      ...(obj(obj(x).properties) as unknown as Route),
      name: str(obj(x).name) ?? "",
    })),
  };
}

export function fromArmNetworkInterface(resource: unknown, scope: ArmScope): NetworkInterface | undefined {
  const r = obj(resource);
  const p = obj(r.properties);
  const ipc = obj(obj(arr(p.ipConfigurations)[0]).properties);
  const subnetId = str(obj(ipc.subnet).id);
  const ip = str(ipc.privateIPAddress);
  if (!subnetId || !ip) return undefined;
  return {
    id: str(r.id) ?? armId(scope, "Microsoft.Network/networkInterfaces", str(r.name) ?? ""),
    subnetId,
    privateIPAddress: ip,
    networkSecurityGroup: ref(p.networkSecurityGroup),
    applicationSecurityGroups: arr(ipc.applicationSecurityGroups).flatMap((a) =>
      ref(a) ? [ref(a) as { id: string }] : [],
    ),
  };
}

// Validators live in arm-validators.ts; re-exported so callers need one import.
export {
  validateNetworkSecurityGroup,
  validateRouteTable,
  validateTopology,
  validateVirtualNetwork,
} from "./arm-validators.js";
