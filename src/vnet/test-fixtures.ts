// Network bodies shared by the vnet and management network tests: one VNet with the Moat subnet,
// a backend subnet and a client subnet, an NSG that allows what the product needs, DNS in the VNet.
export const subscriptionId = "00000000-0000-0000-0000-000000000000";
export const resourceGroup = "moat";
const net = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network`;

export const nsgId = `${net}/networkSecurityGroups/nsg-apim`;
export const subnetId = (vnet: string, subnet: string) => `${net}/virtualNetworks/${vnet}/subnets/${subnet}`;

export interface VnetFixture {
  readonly prefix: string;
  readonly apimSubnet: string;
  readonly backendSubnet: string;
  readonly clientSubnet: string;
  readonly dnsServers: readonly string[];
}

export const defaultFixture: VnetFixture = {
  prefix: "10.77.0.0/16",
  apimSubnet: "10.77.1.0/24",
  backendSubnet: "10.77.2.0/24",
  clientSubnet: "10.77.3.0/24",
  dnsServers: ["10.77.2.53"],
};

export function vnetBody(f: VnetFixture = defaultFixture, location = "local") {
  return {
    location,
    properties: {
      addressSpace: { addressPrefixes: [f.prefix] },
      dhcpOptions: { dnsServers: [...f.dnsServers] },
      subnets: [
        { name: "apim", properties: { addressPrefix: f.apimSubnet, networkSecurityGroup: { id: nsgId } } },
        { name: "backend", properties: { addressPrefix: f.backendSubnet } },
        { name: "clients", properties: { addressPrefix: f.clientSubnet } },
      ],
    },
  };
}

const rule = (name: string, priority: number, direction: "Inbound" | "Outbound", port = "*") => ({
  name,
  properties: {
    priority,
    direction,
    access: "Allow",
    protocol: "*",
    sourceAddressPrefix: "*",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: port,
  },
});

export function nsgBody(location = "local") {
  return {
    location,
    properties: { securityRules: [rule("allow-in", 100, "Inbound"), rule("allow-out", 100, "Outbound")] },
  };
}
