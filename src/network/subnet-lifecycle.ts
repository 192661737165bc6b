// What a deployed API Management service does to its subnet (spec §17.2, §17.4): the stv1 resource
// navigation link that reserves it, the six-hour release lock of old api-versions, and which
// subnet/VNet operations those refuse. Pure: callers apply the returned subnet.
import type { Diagnostic } from "../core/errors.js";
import { type Subnet, sameId } from "./model.js";

const apimLinkType = "Microsoft.ApiManagement/service";
const sixHoursMs = 6 * 60 * 60 * 1000;

/** stv1 deployment into a Resource Manager subnet adds a navigation link to the service. */
export function linkService(subnet: Subnet, serviceId: string): Subnet {
  const links = (subnet.resourceNavigationLinks ?? []).filter((l) => !sameId(l.link, serviceId));
  return {
    ...subnet,
    resourceNavigationLinks: [
      ...links,
      { name: `apim-${serviceId.split("/").pop()}`, linkedResourceType: apimLinkType, link: serviceId },
    ],
  };
}

/**
 * The service leaves the subnet (deleted, moved, or set to None). With api-version ≤ 2018-01-01 the
 * subnet stays locked for six hours; from 2019-01-01 (and, by product decision, between) it is
 * freed at once.
 */
export function releaseSubnet(subnet: Subnet, serviceId: string, apiVersion: string, nowMs: number): Subnet {
  const links = (subnet.resourceNavigationLinks ?? []).filter((l) => !sameId(l.link, serviceId));
  const legacy = apiVersion.slice(0, 10) <= "2018-01-01";
  const released: Subnet = { ...subnet, resourceNavigationLinks: links };
  if (legacy)
    released.releaseLock = { until: new Date(nowMs + sixHoursMs).toISOString(), reason: "ApiManagementLegacyRelease" };
  else delete released.releaseLock;
  return released;
}

export type SubnetOperation = "createResource" | "deleteVirtualNetwork" | "deleteSubnet" | "moveToAnotherSubscription";

/** Refusals of an operation on a subnet (empty = allowed). */
export function checkSubnetOperation(subnet: Subnet, operation: SubnetOperation, nowMs: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const locked = subnet.releaseLock && Date.parse(subnet.releaseLock.until) > nowMs ? subnet.releaseLock : undefined;
  const apimLinks = (subnet.resourceNavigationLinks ?? []).filter(
    (l) => l.linkedResourceType.toLowerCase() === apimLinkType.toLowerCase(),
  );
  const path = subnet.id;
  if (operation === "createResource") {
    if (locked)
      out.push({
        severity: "error",
        code: "SubnetLocked",
        message: `Subnet ${subnet.name} is locked until ${locked.until} after an API Management service left it.`,
        path,
      });
    if (apimLinks.length > 0)
      out.push({
        severity: "error",
        code: "SubnetHasResourceNavigationLink",
        message: `Subnet ${subnet.name} is reserved for API Management (${apimLinks.map((l) => l.link).join(", ")}); other resources cannot be created in it.`,
        path,
      });
  } else if (operation === "moveToAnotherSubscription") {
    if (apimLinks.length > 0)
      out.push({
        severity: "error",
        code: "SubnetMoveNotAllowed",
        message: `Subnet ${subnet.name} holds API Management services and cannot move to another subscription.`,
        path,
      });
  } else if (locked || apimLinks.length > 0)
    out.push({
      severity: "error",
      code: "InUseSubnetCannotBeDeleted",
      message: `Subnet ${subnet.name} is in use by ${locked ? `a release lock until ${locked.until}` : apimLinks.map((l) => l.link).join(", ")}.`,
      path,
    });
  return out;
}
