// Placement checks of spec §12: subnet eligibility per platform (V7–V10), public IP (V14).
import type { ApimLocationInput, Emit, LocationScope } from "./deployment-types.js";
import type { Subnet, VirtualNetwork } from "./model.js";
import { sameId } from "./model.js";
import { regionDisplayName, sameRegion } from "./regions.js";

export function checkPublicIp(
  loc: ApimLocationInput & { path: string },
  location: string,
  subnetId: string,
  scope: LocationScope,
  emit: Emit,
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

export function checkSubnetEligibility(
  subnet: Subnet,
  vnet: VirtualNetwork,
  scope: LocationScope,
  emit: Emit,
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
