// Pre-deployment validation of an API Management service in a network (spec §12, checks V1–V26):
// one finding per broken rule with severity, code, the rule in words, the resource path and the fix.
import type {
  ApimLocationInput,
  ApimServiceInput,
  DeploymentValidationOptions,
  LocationScope,
  NetworkFinding,
  Severity,
} from "./deployment-types.js";
import { parseSubnetId, sameId } from "./model.js";
import { regionDisplayName, sameRegion } from "./regions.js";
import type { ProbeContext } from "./required-flows.js";
import { allocateAddresses, maxUnitsForSku, requiredAddresses, type VnetMode } from "./sizing.js";
import type { NetworkIndex } from "./topology-index.js";
import { checkDns, checkFlows, checkPeeringAndDns, checkPrimaryRegionalTags, checkTunnel } from "./validate-flows.js";
import { checkPublicIp, checkSubnetEligibility } from "./validate-placement.js";

export type {
  ApimLocationInput,
  ApimServiceInput,
  DeploymentValidationOptions,
  NetworkFinding,
  OtherInstance,
} from "./deployment-types.js";

export function validateDeployment(
  input: ApimServiceInput,
  index: NetworkIndex,
  options: DeploymentValidationOptions = {},
): NetworkFinding[] {
  const findings: NetworkFinding[] = [];
  const service = normalizeService(input);
  const props = service.properties;
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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function normalizeConfig(v: unknown): { subnetResourceId?: string } | undefined {
  return isRecord(v) ? { subnetResourceId: text(v.subnetResourceId) } : undefined;
}

/** The body may come straight from a request or a template: coerce every field the checks read. */
function normalizeService(raw: unknown): ApimServiceInput {
  const s = isRecord(raw) ? raw : {};
  const p = isRecord(s.properties) ? s.properties : {};
  const sku = isRecord(s.sku) ? s.sku : {};
  const capacity = (v: unknown) =>
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
  return {
    id: text(s.id),
    name: text(s.name),
    location: text(s.location) ?? "",
    sku: { name: text(sku.name) ?? "", capacity: capacity(sku.capacity) },
    properties: {
      virtualNetworkType: text(p.virtualNetworkType),
      virtualNetworkConfiguration: normalizeConfig(p.virtualNetworkConfiguration),
      platformVersion: text(p.platformVersion),
      publicIpAddressId: text(p.publicIpAddressId),
      additionalLocations: (Array.isArray(p.additionalLocations) ? p.additionalLocations : [])
        .filter(isRecord)
        .map((l) => {
          const lsku = isRecord(l.sku) ? l.sku : undefined;
          return {
            location: text(l.location) ?? "",
            sku: lsku ? { name: text(lsku.name) ?? "", capacity: capacity(lsku.capacity) } : undefined,
            virtualNetworkConfiguration: normalizeConfig(l.virtualNetworkConfiguration),
            publicIpAddressId: text(l.publicIpAddressId),
          };
        }),
    },
  };
}

/** Spec §12's NetworkValidationResult, for error details of a 400 from the management API. */
export interface NetworkValidationResult {
  location: string;
  code: string;
  severity: "Error" | "Warning" | "Info";
  message: string;
  target?: string;
  sourceRef: string;
}

export function toNetworkValidationResults(findings: readonly NetworkFinding[]): NetworkValidationResult[] {
  const severity = { error: "Error", warning: "Warning", info: "Info" } as const;
  return findings.map((f) => ({
    location: f.location,
    code: f.code,
    severity: severity[f.severity],
    message: `${f.message} Fix: ${f.fix}`,
    ...(f.target ? { target: f.target } : {}),
    sourceRef: f.sourceRef,
  }));
}
