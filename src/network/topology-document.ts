// A network "file": the flat model ({ virtualNetworks, networkSecurityGroups, routeTables,
// networkInterfaces } with either flat or ARM-shaped items), an ARM list ({ value: [...] }), or an
// ARM template. All become one Topology plus the diagnostics of every resource.
import type { Diagnostic } from "../core/errors.js";
import {
  type ArmScope,
  arr,
  fromArmNetworkInterface,
  fromArmNetworkSecurityGroup,
  fromArmRouteTable,
  fromArmVirtualNetwork,
  strings,
} from "./arm-shapes.js";
import { loadTemplate } from "./arm-template.js";
import { validateRouteTable, validateTopology, validateVirtualNetwork } from "./arm-validators.js";
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
  // Flat items are rewritten into ARM shape and read by the same tolerant readers, so a malformed
  // file yields diagnostics, never an exception later in the evaluators.
  const virtualNetworks: VirtualNetwork[] = [];
  pick("virtualNetworks", "Microsoft.Network/virtualNetworks").forEach((v, i) => {
    const flat = obj(v);
    const arm = isArm(v) ? v : flatVnetToArm(flat);
    diagnostics.push(...validateVirtualNetwork(arm).map((d) => ({ ...d, path: `virtualNetworks[${i}].${d.path}` })));
    const vnet = fromArmVirtualNetwork(arm, scope);
    if (typeof flat.subscriptionId === "string") vnet.subscriptionId = flat.subscriptionId;
    if (flat.deploymentModel === "Classic") vnet.deploymentModel = "Classic";
    const gw = obj(flat.gateway);
    if (gw.gatewayType === "Vpn" || gw.gatewayType === "ExpressRoute")
      vnet.gateway = {
        gatewayType: gw.gatewayType,
        localNetworkAddressPrefixes: strings(gw.localNetworkAddressPrefixes),
        bgpRoutes: strings(gw.bgpRoutes),
        forcedTunnelPolicy: gw.forcedTunnelPolicy === "forward" ? "forward" : "drop",
      };
    vnet.privateDnsRecords = arr(flat.privateDnsRecords).flatMap((r) => {
      const o = obj(r);
      return typeof o.name === "string" && typeof o.ipv4 === "string" ? [{ name: o.name, ipv4: o.ipv4 }] : [];
    });
    virtualNetworks.push(vnet);
  });
  const networkSecurityGroups: NetworkSecurityGroup[] = [];
  pick("networkSecurityGroups", "Microsoft.Network/networkSecurityGroups").forEach((n, i) => {
    const flat = obj(n);
    const arm = isArm(n) ? n : armResource(flat, { securityRules: armChildren(flat.securityRules) });
    const nsg = fromArmNetworkSecurityGroup(arm, scope);
    diagnostics.push(
      ...validateSecurityRules(
        nsg.securityRules,
        catalog,
        (j) => `networkSecurityGroups[${i}].securityRules[${j}]`,
        nsg.id,
      ).diagnostics,
    );
    networkSecurityGroups.push(nsg);
  });
  const routeTables: RouteTable[] = [];
  pick("routeTables", "Microsoft.Network/routeTables").forEach((r, i) => {
    const flat = obj(r);
    const arm = isArm(r)
      ? r
      : armResource(flat, {
          disableBgpRoutePropagation: flat.disableBgpRoutePropagation,
          routes: armChildren(flat.routes),
        });
    diagnostics.push(...validateRouteTable(arm, catalog).map((d) => ({ ...d, path: `routeTables[${i}].${d.path}` })));
    routeTables.push(fromArmRouteTable(arm, scope));
  });
  const networkInterfaces: NetworkInterface[] = [];
  pick("networkInterfaces", "Microsoft.Network/networkInterfaces").forEach((n, i) => {
    const flat = obj(n);
    const nic = isArm(n) ? fromArmNetworkInterface(n, scope) : flatNic(flat);
    if (nic) networkInterfaces.push(nic);
    else
      diagnostics.push({
        severity: "error",
        code: "InvalidNetworkInterface",
        message: "a network interface needs id, subnetId and privateIPAddress",
        path: `networkInterfaces[${i}]`,
      });
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

/** A flat resource in ARM shape: identity at the top, everything else under `properties`. */
function armResource(flat: Json, properties: Json): Json {
  return { id: flat.id, name: flat.name, location: flat.location, properties };
}

/** Flat child items (rules, routes) as ARM sub-resources: the item itself becomes its properties. */
function armChildren(items: unknown): Json[] {
  return arr(items).map((x) => ({ name: obj(x).name, properties: obj(x) }));
}

function flatVnetToArm(v: Json): Json {
  return armResource(v, {
    addressSpace: v.addressSpace,
    dhcpOptions: v.dhcpOptions,
    // Subnets keep their id: NSG and route-table checks refer to subnets by it.
    subnets: arr(v.subnets).map((s) => ({ id: obj(s).id, name: obj(s).name, properties: obj(s) })),
    virtualNetworkPeerings: arr(v.virtualNetworkPeerings).map((p) => ({
      name: obj(p).name,
      properties: {
        remoteVirtualNetwork: { id: obj(p).remoteVirtualNetworkId },
        peeringState: obj(p).peeringState ?? "Connected",
      },
    })),
    resourceGuid: v.resourceGuid,
  });
}

function flatNic(n: Json): NetworkInterface | undefined {
  if (typeof n.id !== "string" || typeof n.subnetId !== "string" || typeof n.privateIPAddress !== "string")
    return undefined;
  const ref = (v: unknown) => (typeof obj(v).id === "string" ? { id: obj(v).id as string } : undefined);
  return {
    id: n.id,
    subnetId: n.subnetId,
    privateIPAddress: n.privateIPAddress,
    networkSecurityGroup: ref(n.networkSecurityGroup),
    applicationSecurityGroups: arr(n.applicationSecurityGroups).flatMap((a) =>
      ref(a) ? [ref(a) as { id: string }] : [],
    ),
    forcedTunnelPolicy:
      n.forcedTunnelPolicy === "forward" ? "forward" : n.forcedTunnelPolicy === "drop" ? "drop" : undefined,
  };
}
