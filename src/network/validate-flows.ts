// Flow checks of spec §12: required ports (V15/V16), DNS (V17/V18/V24), forced tunnelling (V19–V21),
// regional tags in secondary regions (V23), global peering and Internal DNS records (§17.6, V25).
import type { Emit, LocationScope, Severity } from "./deployment-types.js";
import { parseIpv4 } from "./ipv4.js";
import type { VirtualNetwork } from "./model.js";
import { evaluateFlow } from "./nsg-eval.js";
import { regionDisplayName, regionTagSuffix, sameRegion } from "./regions.js";
import {
  checkRequiredFlow,
  type ProbeContext,
  type ProbeFailure,
  type RequiredFlow,
  requiredFlows,
  routeVerdict,
  tagProbeAddresses,
} from "./required-flows.js";
import { isForceTunneled, nextHop } from "./routes.js";

function failureTarget(f: ProbeFailure): string | undefined {
  if (f.kind === "nsg") return f.decision?.nsgId ? `${f.decision.nsgId}/${f.decision.ruleName}` : f.decision?.ruleName;
  return f.hop?.route?.name
    ? `${f.hop.routeTableId}/routes/${f.hop.route.name}`
    : f.hop
      ? `${f.hop.routeTableId} ${f.hop.matchedPrefix ?? ""} -> ${f.hop.nextHopType}`
      : undefined;
}

function describe(f: ProbeFailure, flow: RequiredFlow): string {
  const what = `${flow.direction} ${flow.protocol.toUpperCase()} ${f.src} -> ${f.dst}:${f.port}`;
  if (f.kind === "nsg")
    return `${what} denied by ${f.decision?.nsgId ? `${f.decision.nsgId.split("/").pop()}/` : ""}${f.decision?.ruleName} (priority ${f.decision?.priority})`;
  return `${what} routed to ${f.hop?.nextHopType ?? "nowhere"}${f.hop?.nextHopIpAddress ? ` ${f.hop.nextHopIpAddress}` : ""}`;
}

export function checkFlows(probe: ProbeContext, scope: LocationScope, emit: Emit, sku: string): void {
  const reportedNoPrefix = new Set<string>();
  const placeheld: string[] = [];
  for (const flow of requiredFlows) {
    if (
      !flow.modes.includes(scope.mode) ||
      (flow.platform && flow.platform !== scope.platform) ||
      (flow.multiRegionOnly && !scope.multiRegion)
    )
      continue;
    const failures = checkRequiredFlow(flow, probe);
    const side =
      flow.destination.kind === "tag" ? flow.destination : flow.source.kind === "tag" ? flow.source : undefined;
    const probed = side?.kind === "tag" ? tagProbeAddresses(scope.index, side.tag, probe.location).tag : undefined;
    const ref = probed ? scope.index.catalog.resolve(probed) : undefined;
    if (probed && ref && scope.index.catalog.isPlaceholder(ref) && !placeheld.includes(probed)) placeheld.push(probed);
    const empty = failures.find((f) => f.kind === "noPrefixes");
    if (empty) {
      if (!reportedNoPrefix.has(empty.tag ?? "")) {
        reportedNoPrefix.add(empty.tag ?? "");
        emit({
          check: "V26",
          code: "ServiceTagHasNoPrefixes",
          severity: "warning",
          flow: flow.id,
          message: `Service tag ${empty.tag} has no prefixes in the loaded data, so ${flow.id} (${flow.purpose}) cannot be checked.`,
          path: "serviceTags",
          target: empty.tag,
          rule: "Flows to service tags are checked against the tag's address prefixes.",
          fix: "Load Azure's service-tag file (moat network check --service-tags ServiceTags_Public.json).",
          sourceRef: "PD §6.5",
        });
      }
      continue;
    }
    // Tunnel and asymmetry problems are reported by the forced-tunnelling checks, not twice here.
    const blocking = failures.filter((f) => f.kind === "nsg" || f.kind === "route");
    const first = blocking[0];
    if (!first) continue;
    const isLb = flow.id === "IN-LB";
    const premium = sku.toLowerCase() !== "developer";
    const severity: Severity = isLb ? (premium ? "error" : "info") : flow.severity;
    const code = isLb
      ? "LoadBalancerProbeBlocked"
      : severity === "error"
        ? "RequiredFlowBlocked"
        : "OptionalFlowBlocked";
    const reason = first.kind === "route" ? " (route)" : "";
    emit({
      check: isLb ? "V16" : "V15",
      code,
      severity,
      flow: flow.id,
      message: `${flow.id} (${flow.purpose}) is blocked${reason}: ${describe(first, flow)}${blocking.length > 1 ? ` and ${blocking.length - 1} more probe(s)` : ""}.`,
      path: first.kind === "nsg" ? failureTarget(first) : probe.subnetId,
      target: failureTarget(first),
      rule: `${flow.direction} ${flow.protocol} ${flow.ports.join(", ")} must be allowed for ${flow.purpose}.`,
      fix:
        first.kind === "route"
          ? "Route the destination somewhere other than None (add a UDR or a gateway route)."
          : flow.fix,
      sourceRef: "S1#required-ports, S6",
    });
  }
  if (placeheld.length > 0)
    emit({
      check: "V26",
      code: "ServiceTagHasNoPrefixes",
      severity: "warning",
      message: `Service tags ${placeheld.join(", ")} have no prefixes in the loaded data; their flows were checked against placeholder addresses, so those results reflect which tags your rules name, not real address ranges.`,
      path: "serviceTags",
      target: placeheld.join(","),
      rule: "Flows to service tags are checked against the tag's address prefixes.",
      fix: "Load Azure's service-tag file for exact results (--service-tags ServiceTags_Public.json).",
      sourceRef: "PD §6.5",
    });
}

export function checkDns(probe: ProbeContext, vnet: VirtualNetwork, scope: LocationScope, emit: Emit): void {
  const servers = vnet.dhcpOptions?.dnsServers ?? [];
  const behaviour = scope.index.topology.dnsServerBehaviour ?? {};
  const reachable: string[] = [];
  for (const server of servers) {
    if (parseIpv4(server) === undefined) {
      emit({
        check: "V17",
        code: "DnsServerUnreachable",
        message: `DNS server "${server}" is not an IPv4 address.`,
        path: `${vnet.id}/dhcpOptions/dnsServers`,
        target: server,
        rule: "Custom DNS servers are IPv4 addresses.",
        fix: "Correct the address.",
        sourceRef: "S1",
      });
      continue;
    }
    const decision = evaluateFlow(
      scope.index,
      { subnetId: probe.subnetId },
      {
        direction: "Outbound",
        protocol: "Udp",
        srcIp: probe.dips[0] ?? "",
        srcPort: 50000,
        dstIp: server,
        dstPort: 53,
      },
      true,
    );
    const route = routeVerdict(probe, server, "Outbound");
    const denied = !("error" in decision) && decision.access === "Deny";
    if (denied || !route.ok) {
      const why =
        denied && !("error" in decision)
          ? `NSG rule ${decision.ruleName} (priority ${decision.priority}) blocks UDP 53`
          : `the route sends it to ${route.hop?.nextHopType ?? "nowhere"}${route.hop?.nextHopIpAddress ? ` ${route.hop.nextHopIpAddress}` : ""}`;
      emit({
        check: "V17",
        code: "DnsServerUnreachable",
        message: `Custom DNS server ${server} is unreachable from the subnet: ${why}.`,
        path: `${vnet.id}/dhcpOptions/dnsServers`,
        target: server,
        rule: "Every custom DNS server must be reachable from the API Management subnet on port 53.",
        fix: denied
          ? `Allow outbound UDP and TCP 53 to ${server}.`
          : `Add a route to ${server} (through the VPN gateway or peering).`,
        sourceRef: "S1, S6",
      });
    } else reachable.push(server);
  }
  if (reachable.length > 0 && reachable.every((s) => behaviour[s]?.resolvesAzureNames === false))
    emit({
      check: "V18",
      code: "DnsServerCannotResolveAzure",
      message: `Custom DNS server(s) ${reachable.join(", ")} do not resolve Azure service host names.`,
      path: `${vnet.id}/dhcpOptions/dnsServers`,
      rule: "Custom DNS must resolve the Azure service host names API Management depends on.",
      fix: "Forward unresolved queries to 168.63.129.16 (Azure DNS).",
      sourceRef: "S1, S2",
    });
  const snapshot =
    scope.options.dnsSnapshot?.[regionDisplayName(probe.location)] ?? scope.options.dnsSnapshot?.[probe.location];
  if (snapshot && snapshot.join(",") !== (servers.length ? servers : ["168.63.129.16"]).join(","))
    emit({
      check: "V24",
      code: "CustomDnsChangedNotApplied",
      severity: "warning",
      message: `VNet DNS servers (${servers.join(", ") || "Azure-provided"}) differ from those the service uses (${snapshot.join(", ")}).`,
      path: `${vnet.id}/dhcpOptions/dnsServers`,
      rule: "DNS changes take effect only after applying network configuration.",
      fix: "POST .../applynetworkconfigurationupdates for this location.",
      sourceRef: "S1, S2",
    });
}

export function checkTunnel(probe: ProbeContext, scope: LocationScope, emit: Emit, primary: boolean): void {
  const { index, subnetId } = probe;
  if (!isForceTunneled(index, subnetId, probe.internetProbeAddress)) return;
  const hop = nextHop(index, subnetId, probe.internetProbeAddress);
  const tunnelText = `${hop?.nextHopType}${hop?.nextHopIpAddress ? ` ${hop.nextHopIpAddress}` : ""}`;
  for (const flow of requiredFlows) {
    if (
      flow.direction !== "Outbound" ||
      (flow.platform && flow.platform !== scope.platform) ||
      flow.destination.kind === "peerMachine"
    )
      continue;
    const failures = checkRequiredFlow(flow, probe).filter((f) => f.kind === "tunnel");
    if (failures.length === 0) continue;
    // Sql endpoints serve only their region; in multi-region only the primary needs them (spec §8).
    const severity: Severity =
      flow.severity === "error" && !(flow.id === "OUT-SQL" && !primary && scope.multiRegion) ? "error" : "warning";
    const endpoint = flow.destination.kind === "tag" ? serviceEndpointFor(flow.destination.tag) : undefined;
    emit({
      check: "V19",
      code: "ForcedTunnelDependency",
      severity,
      flow: flow.id,
      message: `${flow.id} (${flow.purpose}) goes into the forced tunnel (${tunnelText}): ${failures.length} probe(s), e.g. ${failures[0]?.dst}:${failures[0]?.port}.`,
      path: subnetId,
      target: failureTarget(failures[0] as ProbeFailure),
      rule: "When 0.0.0.0/0 goes to an appliance or gateway, API Management dependencies must bypass it (service endpoints) or the appliance must forward them.",
      fix: endpoint
        ? `Enable the ${endpoint} service endpoint on the subnet.`
        : "Let the appliance forward this traffic, or add a UDR with next hop Internet for these destinations.",
      sourceRef: "S1, S8",
    });
  }
  const missing = index.catalog
    .controlPlane(probe.location)
    .filter((c) => nextHop(index, subnetId, c.ip)?.nextHopType !== "Internet");
  if (missing.length > 0)
    emit({
      check: "V20",
      code: "ForcedTunnelControlPlaneAsymmetric",
      message: `Replies to the control plane would go into the tunnel for ${missing.map((m) => m.ip).join(", ")}.`,
      path: subnetId,
      target: subnetId,
      rule: "Control-plane traffic on 3443 must return directly to the internet.",
      fix: `Add UDRs with next hop Internet for ${missing.map((m) => `${m.ip}/32`).join(", ")}, or one UDR 'ApiManagement' -> Internet.`,
      sourceRef: "S1, S8",
    });
  if (scope.mode === "External")
    emit({
      check: "V21",
      code: "ForcedTunnelClientAsymmetric",
      severity: "warning",
      message: `Internet clients of the External gateway get replies through the tunnel (${tunnelText}).`,
      path: subnetId,
      target: subnetId,
      rule: "External mode with 0.0.0.0/0 tunnelled needs a return route to clients.",
      fix: "Add UDRs with next hop Internet for the client ranges that must reach the gateway, or use Internal mode behind an application gateway.",
      sourceRef: "S8",
    });
}

function serviceEndpointFor(tag: string): string | undefined {
  return {
    Storage: "Microsoft.Storage",
    Sql: "Microsoft.Sql",
    EventHub: "Microsoft.EventHub",
    AzureKeyVault: "Microsoft.KeyVault",
  }[tag];
}

/**
 * V23: a secondary region whose NSG scopes a dependency to its own regional tag must also allow the
 * primary region's tag (spec §6.4). Detected from the rules themselves: broader rules (AzureCloud,
 * Internet) would hide the pattern in a pure flow check.
 */
export function checkPrimaryRegionalTags(probe: ProbeContext, scope: LocationScope, emit: Emit): void {
  const entry = scope.index.subnet(probe.subnetId);
  const nsg = scope.index.nsg(entry?.subnet.networkSecurityGroup?.id);
  if (!nsg) return;
  const own = regionTagSuffix(probe.location).toLowerCase();
  const primary = regionTagSuffix(scope.primaryLocation).toLowerCase();
  if (own === primary) return;
  for (const tag of ["Storage", "Sql", "EventHub"]) {
    const named = nsg.outbound.filter(
      (r) => r.access === "Allow" && r.destination.kind === "tag" && r.destination.tag.base === tag,
    );
    const regions = named.map((r) =>
      r.destination.kind === "tag" ? (r.destination.tag.region ?? "").toLowerCase() : "",
    );
    if (regions.includes(own) && !regions.includes("") && !regions.includes(primary)) {
      const primaryTag = `${tag}.${regionTagSuffix(scope.primaryLocation)}`;
      emit({
        check: "V23",
        code: "RegionalServiceTagMissingPrimary",
        severity: "warning",
        message: `${nsg.nsg.name} allows ${tag}.${regionTagSuffix(probe.location)} but not ${primaryTag} of the primary region.`,
        path: nsg.nsg.id,
        target: primaryTag,
        rule: "In multi-region deployments each region's NSG must allow its own region's tags and the primary region's.",
        fix: `Add ${primaryTag} to the outbound ${tag} rule (or use the top-level ${tag} tag).`,
        sourceRef: "S1, S6",
      });
    }
  }
}

export function checkPeeringAndDns(
  vnet: VirtualNetwork,
  scope: LocationScope,
  emit: Emit,
  privateVip: string | undefined,
): void {
  if (scope.mode !== "Internal") return;
  if (scope.platform === "stv1")
    for (const p of vnet.virtualNetworkPeerings ?? []) {
      const remote = scope.index.vnet(p.remoteVirtualNetworkId);
      if ((p.peeringState ?? "Connected") === "Connected" && remote && !sameRegion(remote.location, vnet.location))
        emit({
          check: "§17.6",
          code: "GlobalPeeringBasicIlb",
          severity: "warning",
          message: `Clients in ${remote.name} (${regionDisplayName(remote.location)}, globally peered) cannot reach the private VIP: stv1 Internal mode uses a Basic internal load balancer, which global peering does not support.`,
          path: `${vnet.id}/virtualNetworkPeerings`,
          target: remote.id,
          rule: "stv1 Internal: the private VIP is not reachable over global VNet peering.",
          fix: "Reach the service from a same-region VNet, through a gateway, or migrate to stv2.",
          sourceRef: "S1, S4, S24",
        });
    }
  const name = scope.service.name;
  const records = vnet.privateDnsRecords ?? [];
  if (name && !records.some((r) => r.name.toLowerCase() === `${name}.azure-api.net`.toLowerCase()))
    emit({
      check: "V25",
      code: "InternalDnsRecordsMissing",
      severity: "info",
      message: `Internal mode: nothing maps ${name}.azure-api.net (and the portal/management/scm names) to the private VIP${privateVip ? ` ${privateVip}` : ""}.`,
      path: `${vnet.id}/privateDnsRecords`,
      rule: "Internal mode registers no public DNS; you must provide the records.",
      fix: `Create a private DNS zone azure-api.net with A records for ${name}, ${name}.portal, ${name}.developer, ${name}.management and ${name}.scm.`,
      sourceRef: "S3, S4",
    });
}
