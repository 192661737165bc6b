// The network object model (spec network.md §1): flat shapes with ARM names, so payloads copy from
// Azure docs. arm-shapes.ts converts to and from the ARM envelopes ({ name, properties: {...} }).

export type Direction = "Inbound" | "Outbound";
export type Access = "Allow" | "Deny";
export type RuleProtocol = "Tcp" | "Udp" | "Icmp" | "Esp" | "Ah" | "*";
export type FlowProtocol = Exclude<RuleProtocol, "*">;
export type NextHopType = "VirtualNetworkGateway" | "VnetLocal" | "Internet" | "VirtualAppliance" | "None";
export type TunnelPolicy = "drop" | "forward";

export interface ResourceRef {
  readonly id: string;
}

export interface SecurityRule {
  name: string;
  description?: string;
  protocol: string;
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  sourceApplicationSecurityGroups?: ResourceRef[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  destinationApplicationSecurityGroups?: ResourceRef[];
  access: string;
  priority: number;
  direction: string;
}

export interface NetworkSecurityGroup {
  id: string;
  name: string;
  location?: string;
  securityRules: SecurityRule[];
}

export interface Route {
  name: string;
  addressPrefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
}

export interface RouteTable {
  id: string;
  name: string;
  location?: string;
  routes: Route[];
  disableBgpRoutePropagation?: boolean;
}

export interface Subnet {
  id: string;
  name: string;
  addressPrefix: string;
  networkSecurityGroup?: ResourceRef;
  routeTable?: ResourceRef;
  serviceEndpoints?: { service: string; locations?: string[] }[];
  delegations?: { serviceName: string }[];
  resourceNavigationLinks?: { name?: string; linkedResourceType: string; link: string }[];
  ipConfigurations?: ResourceRef[];
  releaseLock?: { until: string; reason: string };
}

export interface VirtualNetworkPeering {
  name?: string;
  remoteVirtualNetworkId: string;
  peeringState?: "Connected" | "Disconnected" | "Initiated";
}

export interface VirtualNetworkGateway {
  gatewayType: "Vpn" | "ExpressRoute";
  localNetworkAddressPrefixes?: string[];
  bgpRoutes?: string[];
  forcedTunnelPolicy?: TunnelPolicy;
}

export interface VirtualNetwork {
  id: string;
  name: string;
  subscriptionId: string;
  location: string;
  deploymentModel?: "ResourceManager" | "Classic";
  addressSpace: { addressPrefixes: string[] };
  dhcpOptions?: { dnsServers: string[] };
  subnets: Subnet[];
  virtualNetworkPeerings?: VirtualNetworkPeering[];
  gateway?: VirtualNetworkGateway;
  privateDnsRecords?: { name: string; ipv4: string }[];
  resourceGuid?: string;
}

export interface NetworkInterface {
  id: string;
  subnetId: string;
  privateIPAddress: string;
  networkSecurityGroup?: ResourceRef;
  applicationSecurityGroups?: ResourceRef[];
  forcedTunnelPolicy?: TunnelPolicy;
}

/** Everything the evaluators look at, as loaded from a file, a template or the store. */
export interface Topology {
  virtualNetworks: VirtualNetwork[];
  networkSecurityGroups: NetworkSecurityGroup[];
  routeTables: RouteTable[];
  networkInterfaces?: NetworkInterface[];
  /** [PD] behaviour of customer DNS servers keyed by IP (default resolvesAzureNames: true). */
  dnsServerBehaviour?: Record<string, { resolvesAzureNames: boolean }>;
}

/** ARM ids compare case-insensitively. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export interface ParsedSubnetId {
  subscriptionId: string;
  resourceGroup: string;
  provider: "Microsoft.Network" | "Microsoft.ClassicNetwork";
  virtualNetwork: string;
  subnet: string;
}

const subnetIdPattern =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.(ClassicNetwork|Network)\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i;

/** The subnetResourceId pattern of apimdeployment.json (spec §9.1). */
export function parseSubnetId(id: string): ParsedSubnetId | undefined {
  const m = subnetIdPattern.exec(id);
  if (!m) return undefined;
  return {
    subscriptionId: m[1] as string,
    resourceGroup: m[2] as string,
    provider: (m[3] as string).toLowerCase() === "classicnetwork" ? "Microsoft.ClassicNetwork" : "Microsoft.Network",
    virtualNetwork: m[4] as string,
    subnet: m[5] as string,
  };
}

export function virtualNetworkIdOfSubnet(subnetId: string): string {
  const i = subnetId.toLowerCase().lastIndexOf("/subnets/");
  return i < 0 ? subnetId : subnetId.slice(0, i);
}

/** A public IP resource, used by stv2 services (publicIpAddressId, spec §10.5). */
export interface PublicIpAddress {
  id: string;
  subscriptionId: string;
  location: string;
  sku: "Basic" | "Standard";
  publicIPAddressVersion: "IPv4" | "IPv6";
  ipAddress?: string;
}
