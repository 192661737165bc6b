// NSG evaluation (spec §5): first matching rule per NSG; inbound = subnet NSG then NIC NSG,
// outbound = NIC NSG then subnet NSG; a Deny is final. Also IP flow verify (Network Watcher's
// request/response shapes) and effective security rules of a subnet.
import type { Diagnostic } from "../core/errors.js";
import { type Cidr, cidrFromParts, createAddressSet, parseIpv4 } from "./ipv4.js";
import type { Access, Direction, FlowProtocol } from "./model.js";
import type { AddressSpec, NormalizedRule, PortSpec } from "./nsg-rules.js";
import { type CompiledNsg, hostVip, type NetworkIndex, notInternetRanges, type TagContext } from "./topology-index.js";

export interface Flow {
  readonly direction: Direction;
  readonly protocol: FlowProtocol;
  readonly srcIp: string;
  readonly srcPort?: number;
  readonly dstIp: string;
  readonly dstPort?: number;
  /** NIC ids for ASG matching; absent for non-NIC endpoints (internet clients, APIM units). */
  readonly srcNic?: string;
  readonly dstNic?: string;
}

/** Where the NSGs are looked up: a subnet, and optionally the NIC inside it. */
export interface FlowTarget {
  readonly subnetId: string;
  readonly nicId?: string;
}

export interface NsgStep {
  readonly nsgId: string;
  readonly access: Access;
  readonly ruleName: string;
  readonly priority: number;
}

export interface FlowDecision {
  readonly access: Access;
  /** Deciding rule ("securityRules/x", "defaultSecurityRules/x"); absent when no NSG applies. */
  readonly ruleName?: string;
  readonly nsgId?: string;
  readonly priority?: number;
  /** Platform exemption that let the flow through without a rule (spec §5.5). */
  readonly exemption?: string;
  /** One entry per NSG consulted, in order. */
  readonly trace: readonly NsgStep[];
}

const imds = 0xa9fea9fe; // 169.254.169.254

function portMatches(spec: PortSpec, port: number | undefined, protocol: FlowProtocol): boolean {
  if (spec === undefined) return true;
  // Port-less protocols match only rules whose ports are "*" or 0-65535 (spec §5.2 [PD]).
  if (protocol !== "Tcp" && protocol !== "Udp") return false;
  if (port === undefined) return false;
  return spec.some(([lo, hi]) => port >= lo && port <= hi);
}

function addressMatches(
  spec: AddressSpec,
  ip: number,
  nic: string | undefined,
  ctx: TagContext,
  index: NetworkIndex,
): boolean {
  switch (spec.kind) {
    case "any":
      return true;
    case "cidrs":
      return spec.cidrs.some((c) => ip >= c.first && ip <= c.last);
    case "tag":
      return ctx.contains(spec.tag, ip);
    case "asg": {
      if (nic === undefined) return false;
      const members = index.asgMembers(nic);
      return spec.ids.some((id) => members.has(id));
    }
  }
}

export function ruleMatches(
  rule: NormalizedRule,
  flow: Flow,
  src: number,
  dst: number,
  ctx: TagContext,
  index: NetworkIndex,
): boolean {
  return (
    rule.direction === flow.direction &&
    (rule.protocol === "*" || rule.protocol === flow.protocol) &&
    addressMatches(rule.source, src, flow.srcNic, ctx, index) &&
    addressMatches(rule.destination, dst, flow.dstNic, ctx, index) &&
    portMatches(rule.sourcePorts, flow.srcPort, flow.protocol) &&
    portMatches(rule.destinationPorts, flow.dstPort, flow.protocol)
  );
}

export function firstMatch(
  nsg: CompiledNsg,
  flow: Flow,
  src: number,
  dst: number,
  ctx: TagContext,
  index: NetworkIndex,
): NormalizedRule {
  const rules = flow.direction === "Inbound" ? nsg.inbound : nsg.outbound;
  for (const rule of rules) if (ruleMatches(rule, flow, src, dst, ctx, index)) return rule;
  // Unreachable: DenyAll* matches every flow; kept total for the type checker.
  return rules[rules.length - 1] as NormalizedRule;
}

function namesPlatformTag(nsg: CompiledNsg): boolean {
  return nsg.outbound.some(
    (r) => !r.isDefault && r.destination.kind === "tag" && r.destination.tag.base.startsWith("AzurePlatform"),
  );
}

/**
 * Evaluates a flow against the NSGs of a target. With `applyExemptions`, DNS/DHCP/IMDS traffic to
 * the host addresses passes unless a rule names an AzurePlatform* tag (spec §5.5); IP flow verify
 * reports pure NSG results and leaves it off.
 */
export function evaluateFlow(
  index: NetworkIndex,
  target: FlowTarget,
  flow: Flow,
  applyExemptions = false,
): FlowDecision | { error: string } {
  const src = parseIpv4(flow.srcIp);
  const dst = parseIpv4(flow.dstIp);
  if (src === undefined || dst === undefined)
    return { error: `flow addresses must be IPv4: ${flow.srcIp} -> ${flow.dstIp}` };
  const entry = index.subnet(target.subnetId);
  if (!entry) return { error: `subnet ${target.subnetId} is not in the network` };
  const nic = index.nic(target.nicId);
  const subnetNsg = index.nsg(entry.subnet.networkSecurityGroup?.id);
  const nicNsg = index.nsg(nic?.networkSecurityGroup?.id);
  const order = (flow.direction === "Inbound" ? [subnetNsg, nicNsg] : [nicNsg, subnetNsg]).filter(
    (n): n is CompiledNsg => n !== undefined,
  );
  if (applyExemptions && flow.direction === "Outbound" && !order.some(namesPlatformTag)) {
    const dnsPort = flow.dstPort === 53 && (flow.protocol === "Udp" || flow.protocol === "Tcp");
    if (dst === hostVip && dnsPort) return { access: "Allow", exemption: "AzurePlatformDNS", trace: [] };
    const dhcp = flow.protocol === "Udp" && (flow.dstPort === 67 || flow.dstPort === 68);
    if (dst === imds && (dhcp || (flow.protocol === "Tcp" && flow.dstPort === 80)))
      return { access: "Allow", exemption: "AzurePlatformIMDS", trace: [] };
  }
  const ctx = index.tagContext(entry.subnet.id);
  const trace: NsgStep[] = [];
  for (const nsg of order) {
    const rule = firstMatch(nsg, flow, src, dst, ctx, index);
    trace.push({ nsgId: nsg.nsg.id, access: rule.access, ruleName: rule.qualifiedName, priority: rule.priority });
    if (rule.access === "Deny") break;
  }
  const last = trace[trace.length - 1];
  if (!last) return { access: "Allow", trace };
  return { access: last.access, ruleName: last.ruleName, nsgId: last.nsgId, priority: last.priority, trace };
}

/** Network Watcher VerificationIPFlowParameters (spec §5.6). */
export interface IpFlowVerifyParameters {
  targetResourceId: string;
  direction: string;
  protocol: string;
  localPort: string;
  remotePort: string;
  localIPAddress: string;
  remoteIPAddress: string;
  targetNicResourceId?: string;
}

export type IpFlowVerifyResult =
  | { readonly ok: true; readonly result: { access: Access; ruleName?: string }; readonly decision: FlowDecision }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

function bad(path: string, message: string): Diagnostic {
  return { severity: "error", code: "InvalidIpFlowVerifyParameters", message, path };
}

/** IP flow verify: target is a NIC id or a subnet id (the local address must then be in the subnet). */
export function ipFlowVerify(index: NetworkIndex, params: IpFlowVerifyParameters): IpFlowVerifyResult {
  const diagnostics: Diagnostic[] = [];
  const direction = params.direction === "Inbound" || params.direction === "Outbound" ? params.direction : undefined;
  if (!direction)
    diagnostics.push(bad("direction", `direction must be Inbound or Outbound; got "${params.direction}"`));
  const proto = String(params.protocol).toUpperCase();
  if (proto !== "TCP" && proto !== "UDP")
    diagnostics.push(bad("protocol", `protocol must be TCP or UDP; got "${params.protocol}"`));
  const port = (text: string, path: string, wildcard: boolean): number | undefined => {
    if (wildcard && text === "*") return undefined;
    if (!/^\d{1,5}$/.test(String(text)) || Number(text) > 65535)
      diagnostics.push(bad(path, `${path} must be a single port 0-65535; got "${text}"`));
    return Number(text);
  };
  const localPort = port(params.localPort, "localPort", direction === "Outbound");
  const remotePort = port(params.remotePort, "remotePort", direction === "Inbound");
  for (const key of ["localIPAddress", "remoteIPAddress"] as const)
    if (parseIpv4(String(params[key])) === undefined)
      diagnostics.push(bad(key, `${key} must be an IPv4 address; got "${params[key]}"`));
  const nicId =
    params.targetNicResourceId ?? (index.nic(params.targetResourceId) ? params.targetResourceId : undefined);
  const nic = index.nic(nicId);
  const subnetId = nic ? nic.subnetId : index.subnet(params.targetResourceId) ? params.targetResourceId : undefined;
  if (!subnetId)
    diagnostics.push(
      bad("targetResourceId", `target ${params.targetResourceId} is neither a known network interface nor a subnet`),
    );
  if (diagnostics.length > 0 || !direction || !subnetId) return { ok: false, diagnostics };
  const protocol: FlowProtocol = proto === "TCP" ? "Tcp" : "Udp";
  const flow: Flow =
    direction === "Inbound"
      ? {
          direction,
          protocol,
          srcIp: params.remoteIPAddress,
          srcPort: remotePort,
          dstIp: params.localIPAddress,
          dstPort: localPort,
          dstNic: nic?.id,
        }
      : {
          direction,
          protocol,
          srcIp: params.localIPAddress,
          srcPort: localPort,
          dstIp: params.remoteIPAddress,
          dstPort: remotePort,
          srcNic: nic?.id,
        };
  const decision = evaluateFlow(index, { subnetId, nicId: nic?.id }, flow);
  if ("error" in decision) return { ok: false, diagnostics: [bad("targetResourceId", decision.error)] };
  const result =
    decision.ruleName === undefined
      ? { access: decision.access }
      : { access: decision.access, ruleName: decision.ruleName };
  return { ok: true, result, decision };
}

/** Splits an inclusive range into CIDR blocks, for expanded prefixes in effective rules. */
export function rangeToCidrs(first: number, last: number): Cidr[] {
  const out: Cidr[] = [];
  let cur = first;
  while (cur <= last) {
    let len = 32;
    while (len > 0) {
      const size = 2 ** (32 - (len - 1));
      if (cur % size !== 0 || cur + size - 1 > last) break;
      len--;
    }
    const block = cidrFromParts(cur, len);
    out.push(block);
    cur = block.last + 1;
  }
  return out;
}

export interface EffectiveSecurityRule {
  name: string;
  protocol: string;
  sourcePortRanges: string[];
  destinationPortRanges: string[];
  sourceAddressPrefix: string;
  destinationAddressPrefix: string;
  expandedSourceAddressPrefix: string[];
  expandedDestinationAddressPrefix: string[];
  access: Access;
  priority: number;
  direction: Direction;
}

export interface EffectiveSecurityGroup {
  networkSecurityGroup: { id: string };
  association: { subnet?: { id: string }; networkInterface?: { id: string } };
  effectiveSecurityRules: EffectiveSecurityRule[];
}

/** Network Watcher's effective security rules of a subnet (and NIC), tags expanded for that subnet. */
export function effectiveSecurityRules(
  index: NetworkIndex,
  subnetId: string,
  nicId?: string,
): EffectiveSecurityGroup[] | { error: string } {
  const entry = index.subnet(subnetId);
  if (!entry) return { error: `subnet ${subnetId} is not in the network` };
  const ctx = index.tagContext(entry.subnet.id);
  const expand = (spec: AddressSpec): { text: string; expanded: string[] } => {
    switch (spec.kind) {
      case "any":
        return { text: "0.0.0.0/0", expanded: [] };
      case "cidrs":
        return { text: spec.cidrs.map((c) => c.text).join(","), expanded: [] };
      case "asg":
        return { text: spec.ids.join(","), expanded: [] };
      case "tag": {
        const ranges =
          spec.tag.base === "VirtualNetwork"
            ? ctx.virtualNetwork.ranges
            : spec.tag.base === "Internet"
              ? []
              : ctx.prefixesOf(spec.tag).map((c) => [c.first, c.last] as const);
        const expanded = ranges.flatMap(([a, b]) => rangeToCidrs(a, b).map((c) => c.text));
        return { text: spec.tag.canonical, expanded: spec.tag.base === "Internet" ? internetExpansion(ctx) : expanded };
      }
    }
  };
  const ports = (p: PortSpec) => (p === undefined ? ["0-65535"] : p.map(([a, b]) => `${a}-${b}`));
  const groups: EffectiveSecurityGroup[] = [];
  const nic = index.nic(nicId);
  const levels: [string | undefined, EffectiveSecurityGroup["association"]][] = [
    [entry.subnet.networkSecurityGroup?.id, { subnet: { id: entry.subnet.id } }],
    [nic?.networkSecurityGroup?.id, { networkInterface: { id: nic?.id ?? "" } }],
  ];
  for (const [id, association] of levels) {
    const nsg = index.nsg(id);
    if (!nsg) continue;
    const rules = [...nsg.inbound, ...nsg.outbound].map((r) => {
      const s = expand(r.source);
      const d = expand(r.destination);
      return {
        name: r.qualifiedName,
        protocol: r.protocol === "*" ? "All" : r.protocol,
        sourcePortRanges: ports(r.sourcePorts),
        destinationPortRanges: ports(r.destinationPorts),
        sourceAddressPrefix: s.text,
        destinationAddressPrefix: d.text,
        expandedSourceAddressPrefix: s.expanded,
        expandedDestinationAddressPrefix: d.expanded,
        access: r.access,
        priority: r.priority,
        direction: r.direction,
      };
    });
    groups.push({ networkSecurityGroup: { id: nsg.nsg.id }, association, effectiveSecurityRules: rules });
  }
  return groups;
}

function internetExpansion(ctx: TagContext): string[] {
  // Internet(ctx) is the complement of (VNet base ∪ special ranges), spec §6.3.
  const excluded = createAddressSet([...ctx.virtualNetworkBase.ranges, ...notInternetRanges.ranges]);
  const out: string[] = [];
  let next = 0;
  for (const [lo, hi] of excluded.ranges) {
    if (lo > next) out.push(...rangeToCidrs(next, lo - 1).map((c) => c.text));
    next = hi + 1;
  }
  if (next <= 2 ** 32 - 1) out.push(...rangeToCidrs(next, 2 ** 32 - 1).map((c) => c.text));
  return out;
}
