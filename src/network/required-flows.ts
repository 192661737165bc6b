// The required-ports matrix of the seed (spec §11.1) as data, and the check of one row against the
// NSGs and routes of a location's subnet (spec §11.2): NSG decision, route, forced-tunnel outcome.
import { parseIpv4 } from "./ipv4.js";
import { evaluateFlow, type FlowDecision } from "./nsg-eval.js";
import { regionTagSuffix } from "./regions.js";
import { type NextHopResult, nextHop, tunnelPolicy } from "./routes.js";
import { hostVip, type NetworkIndex } from "./topology-index.js";

export type FlowSide =
  | { readonly kind: "vnet" }
  | { readonly kind: "peerMachine" }
  | { readonly kind: "tag"; readonly tag: string }
  | { readonly kind: "internet" }
  | { readonly kind: "controlPlane" }
  | { readonly kind: "loadBalancer" };

export interface RequiredFlow {
  readonly id: string;
  readonly direction: "Inbound" | "Outbound";
  readonly protocol: "Tcp" | "Udp";
  readonly ports: readonly number[];
  readonly source: FlowSide;
  readonly destination: FlowSide;
  readonly purpose: string;
  readonly severity: "error" | "warning";
  readonly modes: readonly ("External" | "Internal")[];
  readonly platform?: "stv1" | "stv2";
  /** Row needs additional locations (Traffic Manager). */
  readonly multiRegionOnly?: boolean;
  /** Rule to add when the flow is blocked. */
  readonly fix: string;
}

const both = ["External", "Internal"] as const;
const vnet: FlowSide = { kind: "vnet" };
const out = (
  id: string,
  tag: string,
  protocol: "Tcp" | "Udp",
  ports: number[],
  purpose: string,
  severity: "error" | "warning",
  platform?: "stv1" | "stv2",
): RequiredFlow => ({
  id,
  direction: "Outbound",
  protocol,
  ports,
  source: vnet,
  destination: tag === "Internet" ? { kind: "internet" } : { kind: "tag", tag },
  purpose,
  severity,
  modes: both,
  platform,
  fix: `Add an outbound NSG rule: Allow ${protocol} from VirtualNetwork to ${tag} on ${ports.join(", ")}, with a priority lower than any Deny that matches.`,
});

export const requiredFlows: readonly RequiredFlow[] = [
  {
    id: "IN-CLIENT",
    direction: "Inbound",
    protocol: "Tcp",
    ports: [443],
    source: { kind: "internet" },
    destination: vnet,
    purpose: "client traffic to the gateway and portal",
    severity: "warning",
    modes: ["External"],
    fix: "Add an inbound NSG rule: Allow Tcp from Internet to VirtualNetwork on 443 (and 80 if HTTP is used).",
  },
  {
    id: "IN-MGMT",
    direction: "Inbound",
    protocol: "Tcp",
    ports: [3443],
    source: { kind: "controlPlane" },
    destination: vnet,
    purpose: "control plane (Azure portal, PowerShell, ARM) to the management endpoint",
    severity: "error",
    modes: both,
    fix: "Add an inbound NSG rule: Allow Tcp from ApiManagement to VirtualNetwork on 3443.",
  },
  {
    id: "IN-LB",
    direction: "Inbound",
    protocol: "Tcp",
    ports: [80],
    source: { kind: "loadBalancer" },
    destination: vnet,
    purpose: "Azure infrastructure load-balancer health probes",
    severity: "error",
    modes: both,
    platform: "stv1",
    fix: "Add an inbound NSG rule: Allow Tcp from AzureLoadBalancer to VirtualNetwork on * (stv1).",
  },
  {
    id: "IN-LB",
    direction: "Inbound",
    protocol: "Tcp",
    ports: [6390],
    source: { kind: "loadBalancer" },
    destination: vnet,
    purpose: "Azure infrastructure load-balancer health probes",
    severity: "error",
    modes: both,
    platform: "stv2",
    fix: "Add an inbound NSG rule: Allow Tcp from AzureLoadBalancer to VirtualNetwork on 6390 (stv2).",
  },
  {
    id: "IN-TM",
    direction: "Inbound",
    protocol: "Tcp",
    ports: [443],
    source: { kind: "tag", tag: "AzureTrafficManager" },
    destination: vnet,
    purpose: "Traffic Manager routing for multi-region",
    severity: "warning",
    modes: ["External"],
    platform: "stv2",
    multiRegionOnly: true,
    fix: "Add an inbound NSG rule: Allow Tcp from AzureTrafficManager to VirtualNetwork on 443.",
  },
  out("OUT-STORAGE", "Storage", "Tcp", [443], "core dependency on Azure Storage", "error"),
  out("OUT-SQL", "Sql", "Tcp", [1433], "Azure SQL endpoints", "error"),
  out("OUT-KV", "AzureKeyVault", "Tcp", [443], "Key Vault", "error", "stv2"),
  out("OUT-EH", "EventHub", "Tcp", [5671, 5672, 443], "log-to-eventhub policy and monitoring agent", "warning"),
  // Git file share, health extension and SMTP relay rows are seed-only: the stv2 reference dropped them.
  out("OUT-GIT", "Storage", "Tcp", [445], "file share for Git configuration", "warning", "stv1"),
  out("OUT-AAD", "AzureActiveDirectory", "Tcp", [443], "Azure AD integration", "warning"),
  out("OUT-HEALTH", "AzureCloud", "Tcp", [443, 12000], "health and monitoring extension", "warning", "stv1"),
  out("OUT-MON", "AzureMonitor", "Tcp", [1886, 443], "diagnostics logs, metrics, resource health", "warning"),
  out("OUT-SMTP", "Internet", "Tcp", [25, 587, 25028], "SMTP relay for e-mail", "warning", "stv1"),
  out("OUT-CERT", "Internet", "Tcp", [80], "CRL/OCSP for certificate chain validation", "warning"),
  ...(["Inbound", "Outbound"] as const).flatMap((direction) => [
    {
      id: "INOUT-CACHE",
      direction,
      protocol: "Tcp" as const,
      ports: [6381, 6382, 6383],
      source: vnet,
      destination: { kind: "peerMachine" } as const,
      purpose: "internal cache between machines",
      severity: "warning" as const,
      modes: both,
      fix: `Add an ${direction.toLowerCase()} NSG rule: Allow Tcp from VirtualNetwork to VirtualNetwork on 6381-6383.`,
    },
    {
      id: "INOUT-RL",
      direction,
      protocol: "Udp" as const,
      ports: [4290],
      source: vnet,
      destination: { kind: "peerMachine" } as const,
      purpose: "rate-limit counter sync between machines",
      severity: "warning" as const,
      modes: both,
      fix: `Add an ${direction.toLowerCase()} NSG rule: Allow Udp from VirtualNetwork to VirtualNetwork on 4290.`,
    },
  ]),
];

/** What the check found for one probe (one address, one port). */
export interface ProbeFailure {
  readonly kind: "nsg" | "route" | "tunnel" | "asymmetric" | "noPrefixes";
  readonly src: string;
  readonly dst: string;
  readonly port: number;
  readonly decision?: FlowDecision;
  readonly hop?: NextHopResult;
  readonly tag?: string;
}

export interface ProbeContext {
  readonly index: NetworkIndex;
  readonly subnetId: string;
  readonly location: string;
  readonly dips: readonly string[];
  readonly internetProbeAddress: string;
}

/** Representative addresses of a tag: regional form if it has prefixes, else the top-level tag (spec §11.2). */
export function tagProbeAddresses(
  index: NetworkIndex,
  tag: string,
  location: string,
): { tag: string; addresses: string[] } {
  const regional = index.catalog.resolve(`${tag}.${regionTagSuffix(location)}`);
  const regionalPrefixes = regional ? index.catalog.prefixes(regional) : [];
  if (regional && regionalPrefixes.length > 0)
    return { tag: regional.canonical, addresses: regionalPrefixes.map((c) => formatFirst(c.first)) };
  const top = index.catalog.resolve(tag);
  return {
    tag: top?.canonical ?? tag,
    addresses: top ? index.catalog.prefixes(top).map((c) => formatFirst(c.first)) : [],
  };
}

function formatFirst(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function sideAddresses(side: FlowSide, ctx: ProbeContext, machine: number): { addresses: string[]; tag?: string } {
  switch (side.kind) {
    case "vnet":
      return { addresses: ctx.dips[machine] ? [ctx.dips[machine] as string] : [] };
    case "peerMachine":
      return { addresses: ctx.dips[1] ? [ctx.dips[1]] : [] };
    case "internet":
      return { addresses: [ctx.internetProbeAddress] };
    case "loadBalancer":
      return { addresses: ["168.63.129.16"] };
    case "controlPlane":
      return { addresses: ctx.index.catalog.controlPlane(ctx.location).map((c) => c.ip) };
    case "tag":
      return tagProbeAddresses(ctx.index, side.tag, ctx.location);
  }
}

/** Whether the route from the subnet lets the packet (or its reply) through (spec §11.2). */
export function routeVerdict(
  ctx: ProbeContext,
  remote: string,
  direction: "Inbound" | "Outbound",
): { ok: boolean; kind?: "route" | "tunnel" | "asymmetric"; hop?: NextHopResult } {
  const { index, subnetId } = ctx;
  const ip = parseIpv4(remote);
  if (ip === undefined) return { ok: false, kind: "route" };
  const hop = nextHop(index, subnetId, remote);
  if (!hop) return { ok: false, kind: "route" };
  const base = index.tagContext(subnetId).virtualNetworkBase;
  if (direction === "Inbound") {
    if (ip === hostVip) return { ok: true, hop };
    if (base.has(ip)) return hop.nextHopType === "None" ? { ok: false, kind: "route", hop } : { ok: true, hop };
    return hop.nextHopType === "Internet"
      ? { ok: true, hop }
      : { ok: false, kind: hop.nextHopType === "None" ? "route" : "asymmetric", hop };
  }
  if (["VnetLocal", "VNetPeering", "Internet", "VirtualNetworkServiceEndpoint"].includes(hop.nextHopType))
    return { ok: true, hop };
  if (hop.nextHopType === "None") return { ok: false, kind: "route", hop };
  if (base.has(ip)) return { ok: true, hop };
  return tunnelPolicy(index, subnetId, hop) === "forward" ? { ok: true, hop } : { ok: false, kind: "tunnel", hop };
}

/** Checks one row; returns every failing probe (empty = the flow passes). */
export function checkRequiredFlow(flow: RequiredFlow, ctx: ProbeContext): ProbeFailure[] {
  const machinePair = flow.destination.kind === "peerMachine";
  if (machinePair && ctx.dips.length < 2) return []; // single machine: nothing to sync with
  const src = sideAddresses(flow.source, ctx, 0);
  const dst = sideAddresses(flow.destination, ctx, 0);
  const tagSide = flow.source.kind === "tag" ? src : flow.destination.kind === "tag" ? dst : undefined;
  if (tagSide && tagSide.addresses.length === 0)
    return [{ kind: "noPrefixes", src: "", dst: "", port: 0, tag: tagSide.tag }];
  const failures: ProbeFailure[] = [];
  for (const s of src.addresses)
    for (const d of dst.addresses)
      for (const port of flow.ports) {
        const decision = evaluateFlow(
          ctx.index,
          { subnetId: ctx.subnetId },
          { direction: flow.direction, protocol: flow.protocol, srcIp: s, srcPort: 50000, dstIp: d, dstPort: port },
          true,
        );
        if ("error" in decision) continue;
        if (decision.access === "Deny") {
          failures.push({ kind: "nsg", src: s, dst: d, port, decision });
          continue;
        }
        const remote = flow.direction === "Outbound" ? d : s;
        const route = routeVerdict(ctx, remote, flow.direction);
        if (!route.ok) failures.push({ kind: route.kind ?? "route", src: s, dst: d, port, hop: route.hop });
      }
  return failures;
}
