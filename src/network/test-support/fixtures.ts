// Test support only, never imported by production code: the fixtures of spec network.md §19.1
// (vnet-a/b/c, snet-apim, nsg-apim-recommended, the RFC 5737 tag overlay of §6.5), shared by the
// table tests. Builders return fresh objects so tests can mutate them.
import { readFileSync } from "node:fs";
import type { NetworkSecurityGroup, SecurityRule, Topology } from "../model.js";
import { loadServiceTags, type ServiceTagCatalog } from "../service-tags.js";
import { compileNetwork, type NetworkIndex, type NetworkOptions } from "../topology-index.js";

export const sampleTagsPath = new URL("../../../data/service-tags.json", import.meta.url);

export const tagOverlay = {
  format: "apim-sim/service-tags/v1",
  description: "TEST FIXTURE ONLY - arbitrary RFC 5737 ranges, not Azure data",
  values: [
    { name: "Storage.WestUS", kind: "static", properties: { addressPrefixes: ["198.51.100.0/26"] } },
    { name: "Storage.EastUS", kind: "static", properties: { addressPrefixes: ["198.51.100.64/26"] } },
    { name: "Storage", kind: "static", properties: { addressPrefixes: ["198.51.100.0/26", "198.51.100.64/26"] } },
    { name: "Sql.WestUS", kind: "static", properties: { addressPrefixes: ["198.51.100.128/27"] } },
    { name: "Sql", kind: "static", properties: { addressPrefixes: ["198.51.100.128/27"] } },
    { name: "EventHub.WestUS", kind: "static", properties: { addressPrefixes: ["198.51.100.160/27"] } },
    { name: "EventHub", kind: "static", properties: { addressPrefixes: ["198.51.100.160/27"] } },
    { name: "ServiceBus", kind: "static", properties: { addressPrefixes: ["198.51.100.192/28"] } },
    { name: "AzureKeyVault", kind: "static", properties: { addressPrefixes: ["198.51.100.208/28"] } },
    { name: "AzureActiveDirectory", kind: "static", properties: { addressPrefixes: ["198.51.100.224/28"] } },
    { name: "AzureMonitor", kind: "static", properties: { addressPrefixes: ["198.51.100.240/28"] } },
    { name: "AzureTrafficManager", kind: "static", properties: { addressPrefixes: ["192.0.2.0/28"] } },
    { name: "AzureCloud", kind: "static", properties: { addressPrefixes: ["192.0.2.128/25"] } },
  ],
};

let cached: ServiceTagCatalog | undefined;
export function fixtureCatalog(): ServiceTagCatalog {
  cached ??= loadServiceTags([JSON.parse(readFileSync(sampleTagsPath, "utf8")), tagOverlay]).catalog;
  return cached;
}

export const ids = {
  vnetA: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a",
  vnetB: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-b",
  vnetC: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-c",
  snetApim:
    "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-apim",
  snetApps:
    "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-apps",
  snet29: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-29",
  snetApimEast:
    "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-c/subnets/snet-apim-east",
  snetB: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-b/subnets/default",
  nsgApim: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-apim",
  nsgEast: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-apim-east",
  nsgApps: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-apps",
  nsgVm1: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-vm1",
  rtApim: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-apim",
  rtApps: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-apps",
  nicVm1: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-vm1",
  nicVm2: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-vm2",
  nicNva: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-nva",
  asgWeb: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg-web",
  service: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ApiManagement/service/contoso",
};

export function rule(
  name: string,
  priority: number,
  direction: "Inbound" | "Outbound",
  access: "Allow" | "Deny",
  protocol: string,
  src: string,
  dst: string,
  ports: string | string[],
): SecurityRule {
  return {
    name,
    priority,
    direction,
    access,
    protocol,
    sourcePortRange: "*",
    sourceAddressPrefix: src,
    destinationAddressPrefix: dst,
    ...(Array.isArray(ports) ? { destinationPortRanges: ports } : { destinationPortRange: ports }),
  };
}

/** nsg-apim-recommended of spec §11.3 (stv1, External); stv2 variant with `stv2`. */
export function recommendedRules(stv2 = false): SecurityRule[] {
  return [
    rule("apim-client", 100, "Inbound", "Allow", "Tcp", "Internet", "VirtualNetwork", ["80", "443"]),
    rule("apim-mgmt", 110, "Inbound", "Allow", "Tcp", "ApiManagement", "VirtualNetwork", "3443"),
    rule("apim-lb", 120, "Inbound", "Allow", "Tcp", "AzureLoadBalancer", "VirtualNetwork", stv2 ? "6390" : "*"),
    rule("apim-cache-in", 130, "Inbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "6381-6383"),
    rule("apim-rl-in", 140, "Inbound", "Allow", "Udp", "VirtualNetwork", "VirtualNetwork", "4290"),
    rule("to-storage", 100, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Storage", ["443", "445"]),
    rule("to-sql", 110, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Sql", "1433"),
    ...(stv2 ? [rule("to-keyvault", 115, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureKeyVault", "443")] : []),
    rule("to-eventhub", 120, "Outbound", "Allow", "Tcp", "VirtualNetwork", "EventHub", ["5671", "5672", "443"]),
    rule("to-aad", 130, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureActiveDirectory", "443"),
    // The stv2 variant follows the newer minimal set, which dropped the seed's AzureCloud health row.
    ...(stv2
      ? []
      : [rule("to-azurecloud", 140, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureCloud", ["443", "12000"])]),
    rule("to-monitor", 150, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureMonitor", ["1886", "443"]),
    rule("to-smtp", 160, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Internet", ["25", "587", "25028"]),
    rule("cache-out", 170, "Outbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "6381-6383"),
    rule("rl-out", 180, "Outbound", "Allow", "Udp", "VirtualNetwork", "VirtualNetwork", "4290"),
    rule("to-cert", 190, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Internet", "80"),
    rule("deny-internet-out", 4000, "Outbound", "Deny", "*", "VirtualNetwork", "Internet", "*"),
  ];
}

/** The topology of §19.1; `nsg-apim` has default rules only unless `recommended`. */
export function fixtureTopology(opts: { recommended?: boolean; stv2?: boolean } = {}): Topology {
  const nsgApim: NetworkSecurityGroup = {
    id: ids.nsgApim,
    name: "nsg-apim",
    location: "westus",
    securityRules: opts.recommended ? recommendedRules(opts.stv2) : [],
  };
  return {
    virtualNetworks: [
      {
        id: ids.vnetA,
        name: "vnet-a",
        subscriptionId: "sub-1",
        location: "westus",
        addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
        dhcpOptions: { dnsServers: [] },
        subnets: [
          {
            id: ids.snetApim,
            name: "snet-apim",
            addressPrefix: "10.0.1.0/28",
            networkSecurityGroup: { id: ids.nsgApim },
          },
          {
            id: ids.snetApps,
            name: "snet-apps",
            addressPrefix: "10.0.2.0/24",
            ipConfigurations: [{ id: ids.nicVm1 }, { id: ids.nicVm2 }, { id: ids.nicNva }],
          },
          { id: ids.snet29, name: "snet-29", addressPrefix: "10.0.3.16/29" },
        ],
        virtualNetworkPeerings: [],
      },
      {
        id: ids.vnetB,
        name: "vnet-b",
        subscriptionId: "sub-1",
        location: "westus",
        addressSpace: { addressPrefixes: ["10.1.0.0/16"] },
        subnets: [{ id: ids.snetB, name: "default", addressPrefix: "10.1.0.0/24" }],
      },
      {
        id: ids.vnetC,
        name: "vnet-c",
        subscriptionId: "sub-1",
        location: "eastus",
        addressSpace: { addressPrefixes: ["10.2.0.0/16"] },
        subnets: [{ id: ids.snetApimEast, name: "snet-apim-east", addressPrefix: "10.2.1.0/28" }],
      },
    ],
    networkSecurityGroups: [nsgApim],
    routeTables: [],
    networkInterfaces: [
      {
        id: ids.nicVm1,
        subnetId: ids.snetApps,
        privateIPAddress: "10.0.2.4",
        applicationSecurityGroups: [{ id: ids.asgWeb }],
      },
      { id: ids.nicVm2, subnetId: ids.snetApps, privateIPAddress: "10.0.2.5" },
      { id: ids.nicNva, subnetId: ids.snetApps, privateIPAddress: "10.0.2.100", forcedTunnelPolicy: "drop" },
    ],
  };
}

export function compileFixture(topology: Topology, options?: NetworkOptions): NetworkIndex {
  return compileNetwork(topology, fixtureCatalog(), options);
}

/** Service `contoso` of §19.1: West US, Premium ×1, External, snet-apim. */
export function contoso(
  overrides: { sku?: string; capacity?: number; type?: string; subnet?: string | null; location?: string } = {},
) {
  return {
    id: ids.service,
    name: "contoso",
    location: overrides.location ?? "West US",
    sku: { name: overrides.sku ?? "Premium", capacity: overrides.capacity ?? 1 },
    properties: {
      virtualNetworkType: overrides.type ?? "External",
      virtualNetworkConfiguration:
        overrides.subnet === null ? undefined : { subnetResourceId: overrides.subnet ?? ids.snetApim },
    },
  };
}
