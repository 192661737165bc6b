// A network "file": the flat model ({ virtualNetworks, networkSecurityGroups, routeTables,
// networkInterfaces } with either flat or ARM-shaped items), an ARM list ({ value: [...] }), or an
// ARM template. All become one Topology plus the diagnostics of every resource.
import type { Diagnostic } from "../core/errors.js";
import {
  type ArmScope,
  fromArmNetworkInterface,
  fromArmNetworkSecurityGroup,
  fromArmRouteTable,
  fromArmVirtualNetwork,
} from "./arm-shapes.js";
import { loadTemplate } from "./arm-template.js";
import {
  validateNetworkSecurityGroup,
  validateRouteTable,
  validateTopology,
  validateVirtualNetwork,
} from "./arm-validators.js";
import type { NetworkInterface, NetworkSecurityGroup, RouteTable, Topology, VirtualNetwork } from "./model.js";
import { validateSecurityRules } from "./nsg-rules.js";
import type { ServiceTagCatalog } from "./service-tags.js";
import { topologyFromTemplate } from "./template-check.js";

export interface LoadedTopology {
  readonly topology: Topology;
  readonly diagnostics: readonly Diagnostic[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const isArm = (v: unknown) => "properties" in obj(v);

export function topologyFromDocument(
  document: unknown,
  catalog: ServiceTagCatalog,
  scope: ArmScope = { subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroup: "rg" },
): LoadedTopology {
  const doc = obj(document);
  const diagnostics: Diagnostic[] = [];
  if (Array.isArray(doc.resources)) {
    const loaded = loadTemplate(doc, scope);
    const topology = topologyFromTemplate(loaded, scope);
    return { topology, diagnostics: [...loaded.diagnostics, ...validateTopology(topology)] };
  }
  const list = Array.isArray(doc.value) ? doc.value : undefined;
  const pick = (key: string, type: string): unknown[] =>
    list
      ? list.filter((r) => String(obj(r).type).toLowerCase() === type.toLowerCase())
      : Array.isArray(doc[key])
        ? (doc[key] as unknown[])
        : [];
  const virtualNetworks: VirtualNetwork[] = [];
  pick("virtualNetworks", "Microsoft.Network/virtualNetworks").forEach((v, i) => {
    if (isArm(v)) {
      diagnostics.push(...validateVirtualNetwork(v).map((d) => ({ ...d, path: `virtualNetworks[${i}].${d.path}` })));
      virtualNetworks.push(fromArmVirtualNetwork(v, scope));
    } else {
      const flat = v as VirtualNetwork;
      diagnostics.push(
        ...validateVirtualNetwork(toArmLike(flat)).map((d) => ({ ...d, path: `virtualNetworks[${i}].${d.path}` })),
      );
      virtualNetworks.push({
        ...flat,
        subnets: Array.isArray(flat.subnets) ? flat.subnets : [],
        addressSpace: { addressPrefixes: flat.addressSpace?.addressPrefixes ?? [] },
      });
    }
  });
  const networkSecurityGroups: NetworkSecurityGroup[] = [];
  pick("networkSecurityGroups", "Microsoft.Network/networkSecurityGroups").forEach((n, i) => {
    if (isArm(n)) {
      diagnostics.push(
        ...validateNetworkSecurityGroup(n, catalog).map((d) => ({
          ...d,
          path: `networkSecurityGroups[${i}].${d.path}`,
        })),
      );
      networkSecurityGroups.push(fromArmNetworkSecurityGroup(n, scope));
    } else {
      const flat = n as NetworkSecurityGroup;
      const rules = Array.isArray(flat.securityRules) ? flat.securityRules : [];
      diagnostics.push(
        ...validateSecurityRules(rules, catalog, (j) => `networkSecurityGroups[${i}].securityRules[${j}]`, flat.id)
          .diagnostics,
      );
      networkSecurityGroups.push({ ...flat, securityRules: rules });
    }
  });
  const routeTables: RouteTable[] = [];
  pick("routeTables", "Microsoft.Network/routeTables").forEach((r, i) => {
    const table = isArm(r)
      ? fromArmRouteTable(r, scope)
      : ({ ...(r as RouteTable), routes: (r as RouteTable).routes ?? [] } as RouteTable);
    const armLike = { properties: { routes: table.routes.map(({ name, ...properties }) => ({ name, properties })) } };
    diagnostics.push(
      ...validateRouteTable(armLike, catalog).map((d) => ({ ...d, path: `routeTables[${i}].${d.path}` })),
    );
    routeTables.push(table);
  });
  const networkInterfaces: NetworkInterface[] = pick(
    "networkInterfaces",
    "Microsoft.Network/networkInterfaces",
  ).flatMap((n) => {
    const nic = isArm(n) ? fromArmNetworkInterface(n, scope) : (n as NetworkInterface);
    return nic ? [nic] : [];
  });
  const topology: Topology = {
    virtualNetworks,
    networkSecurityGroups,
    routeTables,
    networkInterfaces,
    dnsServerBehaviour: obj(doc.dnsServerBehaviour) as Topology["dnsServerBehaviour"],
  };
  diagnostics.push(...validateTopology(topology));
  return { topology, diagnostics };
}

function toArmLike(v: VirtualNetwork): Json {
  return {
    name: v.name,
    properties: {
      addressSpace: v.addressSpace,
      dhcpOptions: v.dhcpOptions,
      subnets: (v.subnets ?? []).map((s) => ({
        name: s.name,
        properties: { addressPrefix: s.addressPrefix, serviceEndpoints: s.serviceEndpoints },
      })),
    },
  };
}
