// Pre-deployment validation of an API Management service in a network (spec §12, checks V1–V26):
// one finding per broken rule with severity, code, the rule in words, the resource path and the fix.
import type { Diagnostic } from "../core/errors.js";
import { parseIpv4 } from "./ipv4.js";
import { type PublicIpAddress, parseSubnetId, type Subnet, sameId, type VirtualNetwork } from "./model.js";
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
import {
  allocateAddresses,
  type IpConsumptionModel,
  maxUnitsForSku,
  requiredAddresses,
  type VnetMode,
} from "./sizing.js";
import type { NetworkIndex } from "./topology-index.js";

export interface ApimLocationInput {
  location: string;
  sku?: { name: string; capacity?: number };
  virtualNetworkConfiguration?: { subnetResourceId?: string } | null;
  publicIpAddressId?: string;
  disableGateway?: boolean;
}

/** The ARM body of Microsoft.ApiManagement/service, as far as networking is concerned. */
export interface ApimServiceInput {
  id?: string;
  name?: string;
  location: string;
  sku: { name: string; capacity?: number };
  properties: {
    virtualNetworkType?: string;
    virtualNetworkConfiguration?: { subnetResourceId?: string } | null;
    additionalLocations?: ApimLocationInput[];
    platformVersion?: string;
    publicIpAddressId?: string;
  };
}

export interface OtherInstance {
  readonly serviceId: string;
  readonly subnetId: string;
  readonly sku: string;
  readonly capacity: number;
  readonly mode: VnetMode;
}

export interface DeploymentValidationOptions {
  /** Subscription of the service; defaults to the one in service.id. */
  readonly subscriptionId?: string;
  readonly platformVersion?: "stv1" | "stv2";
  readonly ipConsumptionModel?: IpConsumptionModel;
  readonly internetProbeAddress?: string;
  /** Other API Management instances already in subnets (shared stv1 subnets add up, spec §10.2). */
  readonly otherInstances?: readonly OtherInstance[];
  /** DNS servers snapshotted at the last deploy/apply, per location (V24). */
  readonly dnsSnapshot?: Readonly<Record<string, readonly string[]>>;
  /** Current time in ms, for release locks (V10). */
  readonly nowMs?: number;
  /** Public IP resources the service may name in publicIpAddressId (V14). */
  readonly publicIpAddresses?: readonly PublicIpAddress[];
  /** The deployed state, to detect a public IP reused across a mode or subnet change (V14). */
  readonly previous?: {
    readonly virtualNetworkType?: string;
    readonly locations?: Readonly<
      Record<string, { readonly subnetResourceId?: string; readonly publicIpAddressId?: string }>
    >;
  };
}

export interface NetworkFinding extends Diagnostic {
  /** Check number of spec §12, e.g. "V15". */
  readonly check: string;
  readonly location: string;
  /** The rule that is broken, in words. */
  readonly rule: string;
  readonly fix: string;
  /** Failing NSG rule, route or subnet. */
  readonly target?: string;
  readonly sourceRef: string;
  readonly flow?: string;
}

type Severity = Diagnostic["severity"];

export function validateDeployment(
  service: ApimServiceInput,
  index: NetworkIndex,
  options: DeploymentValidationOptions = {},
): NetworkFinding[] {
  const findings: NetworkFinding[] = [];
  const props = service.properties ?? {};
  const type = props.virtualNetworkType ?? "None";
  const primaryLocation = regionDisplayName(service.location);
  const emit = (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity; location?: string }) =>
    findings.push({ severity: "error", location: primaryLocation, ...f });
  if (type === "None") return findings;
  if (type !== "External" && type !== "Internal") {
    emit({
      check: "V1",
      code: "VnetTypeInvalid",
      message: `virtualNetworkType must be None, External or Internal; got "${type}".`,
      path: "properties.virtualNetworkType",
      rule: "virtualNetworkType is None, External or Internal.",
      fix: "Set virtualNetworkType to External or Internal.",
      sourceRef: "S28",
    });
    return findings;
  }
  const mode: VnetMode = type;
  const sku = service.sku?.name ?? "";
  if (!["developer", "premium"].includes(sku.toLowerCase()))
    emit({
      check: "V1",
      code: "VnetSkuNotSupported",
      message: `SKU ${sku || "(none)"} cannot be deployed into a virtual network; only Developer and Premium can.`,
      path: "sku.name",
      rule: "Only the Developer and Premium tiers support virtual-network injection.",
      fix: "Use sku Developer or Premium, or set virtualNetworkType to None.",
      sourceRef: "S1#availability",
    });
  const platform = options.platformVersion ?? (props.platformVersion === "stv2" ? "stv2" : "stv1");
  const subscriptionId = options.subscriptionId ?? /^\/subscriptions\/([^/]+)/i.exec(service.id ?? "")?.[1];
  const locations: (ApimLocationInput & { path: string; primary: boolean })[] = [
    {
      location: service.location,
      sku: service.sku,
      virtualNetworkConfiguration: props.virtualNetworkConfiguration,
      publicIpAddressId: props.publicIpAddressId,
      path: "properties",
      primary: true,
    },
    ...(props.additionalLocations ?? []).map((l, i) => ({
      ...l,
      path: `properties.additionalLocations[${i}]`,
      primary: false,
    })),
  ];
  const multiRegion = locations.length > 1;
  for (const loc of locations) {
    validateLocation(loc, {
      service,
      index,
      options,
      mode,
      platform,
      subscriptionId,
      primaryLocation,
      multiRegion,
      emit,
    });
  }
  if (mode === "Internal" && multiRegion)
    emit({
      check: "§17.6",
      code: "MultiRegionInternalRouting",
      severity: "info",
      message:
        "Internal mode in several regions: the platform does not load-balance between regions; clients must pick the regional gateway hostnames or you must run your own traffic routing.",
      path: "properties.additionalLocations",
      rule: "Multi-region Internal deployments need customer-owned routing between regions.",
      fix: "Publish <name>-<region>-01.regional.azure-api.net in your DNS or put a traffic manager / application gateway in front.",
      sourceRef: "S1, S4",
    });
  return findings;
}

interface LocationScope {
  service: ApimServiceInput;
  index: NetworkIndex;
  options: DeploymentValidationOptions;
  mode: VnetMode;
  platform: "stv1" | "stv2";
  subscriptionId: string | undefined;
  primaryLocation: string;
  multiRegion: boolean;
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity; location?: string }) => void;
}

function validateLocation(loc: ApimLocationInput & { path: string; primary: boolean }, scope: LocationScope): void {
  const { index, options, mode, platform } = scope;
  const location = regionDisplayName(loc.location);
  const emit = (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) =>
    scope.emit({ location, ...f });
  const subnetPath = `${loc.path}.virtualNetworkConfiguration.subnetResourceId`;
  const subnetId = loc.virtualNetworkConfiguration?.subnetResourceId;
  if (!subnetId) {
    emit(
      loc.primary
        ? {
            check: "V2",
            code: "VnetConfigurationMissing",
            message: `virtualNetworkType is ${mode} but ${location} has no virtualNetworkConfiguration.subnetResourceId.`,
            path: subnetPath,
            rule: "A service in a virtual network needs a subnet in every location.",
            fix: "Set virtualNetworkConfiguration.subnetResourceId to the API Management subnet.",
            sourceRef: "S28",
          }
        : {
            check: "V22",
            code: "MultiRegionLocationVnetMissing",
            message: `Additional location ${location} has no subnet while the service is ${mode}.`,
            path: subnetPath,
            rule: "Every location of a VNet-injected service needs its own subnet in that region.",
            fix: `Create a VNet and subnet in ${location} and set it in virtualNetworkConfiguration.subnetResourceId.`,
            sourceRef: "S4, S5",
          },
    );
    return;
  }
  const parsed = parseSubnetId(subnetId);
  if (!parsed) {
    emit({
      check: "V3",
      code: "SubnetIdInvalid",
      message: `"${subnetId}" is not a subnet resource id (/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}).`,
      path: subnetPath,
      rule: "subnetResourceId must match the ARM subnet id pattern.",
      fix: "Use the full resource id of the subnet.",
      sourceRef: "S28",
    });
    return;
  }
  if (scope.subscriptionId && parsed.subscriptionId.toLowerCase() !== scope.subscriptionId.toLowerCase())
    emit({
      check: "V4",
      code: "VnetSubscriptionMismatch",
      message: `The subnet is in subscription ${parsed.subscriptionId}, the service in ${scope.subscriptionId}.`,
      path: subnetPath,
      target: subnetId,
      rule: "The virtual network must be in the same subscription as the API Management service.",
      fix: "Use a virtual network in the service's subscription.",
      sourceRef: "S1, S4",
    });
  if (parsed.provider === "Microsoft.ClassicNetwork" && platform === "stv2")
    emit({
      check: "V6",
      code: "ClassicVnetNotSupported",
      message: "stv2 services cannot use classic virtual networks.",
      path: subnetPath,
      target: subnetId,
      rule: "stv2 requires a Resource Manager virtual network.",
      fix: "Move to a Resource Manager VNet.",
      sourceRef: "S1, S4",
    });
  const entry = index.subnet(subnetId);
  if (!entry) {
    emit({
      check: "V3",
      code: "SubnetNotFound",
      message: `Subnet ${subnetId} is not in the loaded network.`,
      path: subnetPath,
      target: subnetId,
      rule: "The subnet must exist before the service is deployed into it.",
      fix: "Create the subnet (or load the file/template that defines it).",
      sourceRef: "S28",
    });
    return;
  }
  const { vnet, subnet } = entry;
  if (!sameRegion(vnet.location, loc.location))
    emit({
      check: "V5",
      code: "VnetRegionMismatch",
      message: `VNet ${vnet.name} is in ${regionDisplayName(vnet.location)}, the location is ${location}.`,
      path: subnetPath,
      target: vnet.id,
      rule: "The virtual network must be in the same region as the service location.",
      fix: `Use a VNet in ${location}.`,
      sourceRef: "S4, S5",
    });
  checkSubnetEligibility(subnet, vnet, scope, emit, subnetPath);
  const capacity = loc.sku?.capacity ?? scope.service.sku?.capacity ?? 1;
  const sku = loc.sku?.name ?? scope.service.sku?.name ?? "Premium";
  if ((sku.toLowerCase() === "developer" && capacity !== 1) || capacity > maxUnitsForSku(sku) || capacity < 1)
    emit({
      check: "V13",
      code: "SkuCapacityExceeded",
      message: `Capacity ${capacity} is not allowed for ${sku} (max ${maxUnitsForSku(sku)}).`,
      path: `${loc.path === "properties" ? "sku" : `${loc.path}.sku`}.capacity`,
      rule: "Developer has exactly 1 unit; Premium at most 31 per location.",
      fix: "Lower the capacity or use more locations.",
      sourceRef: "S1, S5",
    });
  checkPublicIp(loc, location, subnetId, scope, emit);
  const prefix = entry.prefix;
  if (!prefix) return;
  if (prefix.prefixLength > 29)
    emit({
      check: "V11",
      code: "SubnetPrefixTooSmall",
      message: `Subnet ${subnet.addressPrefix} is smaller than /29.`,
      path: subnet.id,
      target: subnet.id,
      rule: "The smallest subnet API Management can use is /29.",
      fix: "Use a /29 or larger subnet (a /27 leaves room to scale).",
      sourceRef: "S1, S23",
    });
  const model = options.ipConsumptionModel ?? "current";
  const others = (options.otherInstances ?? []).filter(
    (o) => sameId(o.subnetId, subnet.id) && !sameId(o.serviceId, scope.service.id),
  );
  const inUse =
    (platform === "stv2" ? (subnet.ipConfigurations ?? []).length : 0) +
    others.reduce((n, o) => n + requiredAddresses(o, model), 0);
  const demand = { sku, capacity: Math.max(1, Math.min(capacity, 31)), mode };
  const allocation = allocateAddresses(subnet.addressPrefix, demand, { model });
  const required = requiredAddresses(demand, model) + inUse;
  if (allocation && required > allocation.available)
    emit({
      check: "V12",
      code: "SubnetTooSmall",
      message: `Subnet ${subnet.addressPrefix} has ${allocation.available} usable addresses; ${required} are required (${requiredAddresses(demand, model)} for this instance${inUse ? `, ${inUse} already used` : ""}).`,
      path: subnet.id,
      target: subnet.id,
      rule: "Usable addresses (size minus 5 reserved) must cover 2 per Premium unit (1 for Developer), plus 1 for the internal load balancer in Internal mode.",
      fix: "Use a larger subnet or fewer units.",
      sourceRef: "S1, S4, S5",
    });
  if (!allocation || allocation.dips.length === 0) return;
  const probe: ProbeContext = {
    index,
    subnetId: subnet.id,
    location: loc.location,
    dips: allocation.dips,
    internetProbeAddress: options.internetProbeAddress ?? "203.0.113.200",
  };
  checkFlows(probe, scope, emit, sku);
  checkDns(probe, vnet, scope, emit);
  checkTunnel(probe, scope, emit, loc.primary);
  if (!loc.primary) checkPrimaryRegionalTags(probe, scope, emit);
  checkPeeringAndDns(vnet, scope, emit, allocation.privateVip);
}

/** V14 (spec §10.5): Standard IPv4 public IP in the location's region and subscription, and a new one on every mode or subnet change. */
function checkPublicIp(
  loc: ApimLocationInput & { path: string },
  location: string,
  subnetId: string,
  scope: LocationScope,
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void,
): void {
  const id = loc.publicIpAddressId;
  if (!id) return;
  const path = `${loc.path}.publicIpAddressId`;
  const pip = scope.options.publicIpAddresses?.find((p) => sameId(p.id, id));
  const invalid = (why: string) =>
    emit({
      check: "V14",
      code: "PublicIpInvalid",
      message: `Public IP ${id} ${why}.`,
      path,
      target: id,
      rule: "The public IP must be a Standard SKU IPv4 address in the same region and subscription as the location.",
      fix: "Create a Standard IPv4 public IP in this region and subscription and name it in publicIpAddressId.",
      sourceRef: "S4, S5, S11",
    });
  if (scope.options.publicIpAddresses && !pip) invalid("does not exist");
  if (pip) {
    if (pip.sku !== "Standard") invalid(`has SKU ${pip.sku}, not Standard`);
    if (pip.publicIPAddressVersion !== "IPv4") invalid(`is ${pip.publicIPAddressVersion}, not IPv4`);
    if (!sameRegion(pip.location, loc.location)) invalid(`is in ${regionDisplayName(pip.location)}, not ${location}`);
    if (scope.subscriptionId && pip.subscriptionId.toLowerCase() !== scope.subscriptionId.toLowerCase())
      invalid(`is in subscription ${pip.subscriptionId}`);
  }
  const previous = scope.options.previous;
  const before =
    previous?.locations?.[location] ??
    Object.entries(previous?.locations ?? {}).find(([l]) => sameRegion(l, location))?.[1];
  if (!previous || !before) return;
  const changed = (previous.virtualNetworkType ?? "None") !== scope.mode || !sameId(before.subnetResourceId, subnetId);
  if (changed && sameId(before.publicIpAddressId, id))
    emit({
      check: "V14",
      code: "PublicIpReused",
      message: `Changing the mode or subnet needs a different public IP than ${id}, which is in use.`,
      path,
      target: id,
      rule: "A mode switch, subnet change or zone change must name a different public IP resource.",
      fix: "Create another Standard public IP and name it in publicIpAddressId (you may switch back to the old one later).",
      sourceRef: "S11",
    });
}

function checkSubnetEligibility(
  subnet: Subnet,
  vnet: VirtualNetwork,
  scope: LocationScope,
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void,
  path: string,
): void {
  const { platform, options } = scope;
  const foreignLinks = (subnet.resourceNavigationLinks ?? []).filter(
    (l) => l.linkedResourceType.toLowerCase() !== "microsoft.apimanagement/service",
  );
  const delegations = subnet.delegations ?? [];
  if (platform === "stv1" && (vnet.deploymentModel ?? "ResourceManager") === "ResourceManager") {
    const users = [
      ...(subnet.ipConfigurations ?? []).map((c) => c.id),
      ...foreignLinks.map((l) => l.link),
      ...delegations.map((d) => `delegation ${d.serviceName}`),
    ];
    if (users.length > 0)
      emit({
        check: "V7",
        code: "SubnetNotDedicated",
        message: `Subnet is in use by other resource and cannot be updated with resource navigation links for external resources. In use by: ${users.slice(0, 5).join(", ")}${users.length > 5 ? ", ..." : ""}.`,
        path,
        target: subnet.id,
        rule: "stv1: the subnet must be dedicated to API Management instances.",
        fix: "Use an empty subnet for API Management (other API Management instances may share it).",
        sourceRef: "S1, S9, S14",
      });
  }
  if (platform === "stv2" && delegations.length > 0)
    emit({
      check: "V8",
      code: "SubnetDelegated",
      message: `Subnet is delegated to ${delegations.map((d) => d.serviceName).join(", ")}.`,
      path,
      target: subnet.id,
      rule: "stv2: the subnet must not be delegated to any service.",
      fix: "Remove the delegation or use another subnet.",
      sourceRef: "S5",
    });
  if (platform === "stv2" && !subnet.networkSecurityGroup)
    emit({
      check: "V9",
      code: "NsgRequired",
      message:
        "stv2 needs an NSG on the subnet: the internal Standard load balancer refuses inbound traffic unless an NSG allows it.",
      path,
      target: subnet.id,
      rule: "stv2: an NSG must be associated with the subnet.",
      fix: "Associate an NSG with the recommended API Management rules.",
      sourceRef: "S4, S5, S6",
    });
  const lock = subnet.releaseLock;
  if (lock && options.nowMs !== undefined && Date.parse(lock.until) > options.nowMs)
    emit({
      check: "V10",
      code: "SubnetLocked",
      message: `Subnet is locked until ${lock.until} (${lock.reason}).`,
      path,
      target: subnet.id,
      rule: "A subnet released with an old api-version stays locked for up to six hours.",
      fix: `Wait until ${lock.until} or use another subnet.`,
      sourceRef: "S1, S9",
    });
  const nsg = scope.index.nsg(subnet.networkSecurityGroup?.id);
  for (const d of nsg?.diagnostics ?? [])
    emit({
      check: "NSG",
      code: d.code,
      severity: d.severity,
      message: d.message,
      path: `${nsg?.nsg.id}/${d.path ?? ""}`,
      target: nsg?.nsg.id,
      rule: "NSG rules must be valid ARM security rules.",
      fix: "Correct the rule as the message says.",
      sourceRef: "S16, S31, S34",
    });
}

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

function checkFlows(
  probe: ProbeContext,
  scope: LocationScope,
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void,
  sku: string,
): void {
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

function checkDns(
  probe: ProbeContext,
  vnet: VirtualNetwork,
  scope: LocationScope,
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void,
): void {
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

function checkTunnel(
  probe: ProbeContext,
  scope: LocationScope,
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void,
  primary: boolean,
): void {
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
function checkPrimaryRegionalTags(
  probe: ProbeContext,
  scope: LocationScope,
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void,
): void {
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

function checkPeeringAndDns(
  vnet: VirtualNetwork,
  scope: LocationScope,
  emit: (f: Omit<NetworkFinding, "severity" | "location"> & { severity?: Severity }) => void,
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
