// When the service's addresses change (spec §17.1) and how a new public VIP is drawn (§10.4), so
// the management side can apply a network change and tell the user which addresses moved.
import { formatIpv4, parseCidr, parseIpv4 } from "./ipv4.js";
import { sameId } from "./model.js";

export interface NetworkPlacement {
  readonly virtualNetworkType: "None" | "External" | "Internal";
  readonly subnetResourceId?: string;
  readonly publicIpAddressId?: string;
  readonly zones?: readonly string[];
}

export interface AddressChange {
  /** The public VIP changes (a new one is drawn, or the named stv2 public IP is used). */
  readonly publicVip: boolean;
  readonly privateVip: "keep" | "allocate" | "release" | "reallocate" | "none";
  /** DIPs are re-allocated from the (new) subnet. */
  readonly dips: boolean;
  readonly reason: string;
}

/** Spec §17.1: only VNet on/off, mode switch, subnet move, zones and a new public IP move the VIPs. */
export function addressChange(before: NetworkPlacement, after: NetworkPlacement): AddressChange {
  const wasInVnet = before.virtualNetworkType !== "None";
  const isInVnet = after.virtualNetworkType !== "None";
  const wasInternal = before.virtualNetworkType === "Internal";
  const isInternal = after.virtualNetworkType === "Internal";
  const privateVip = (moved: boolean): AddressChange["privateVip"] =>
    isInternal && !wasInternal
      ? "allocate"
      : wasInternal && !isInternal
        ? "release"
        : isInternal
          ? moved
            ? "reallocate"
            : "keep"
          : "none";
  if (wasInVnet !== isInVnet)
    return {
      publicVip: true,
      privateVip: privateVip(true),
      dips: isInVnet,
      reason: isInVnet ? "virtual network enabled" : "virtual network disabled",
    };
  if (before.virtualNetworkType !== after.virtualNetworkType)
    return {
      publicVip: true,
      privateVip: privateVip(true),
      dips: true,
      reason: `mode ${before.virtualNetworkType} -> ${after.virtualNetworkType}`,
    };
  if (isInVnet && !sameId(before.subnetResourceId, after.subnetResourceId))
    return { publicVip: true, privateVip: privateVip(true), dips: true, reason: "moved to another subnet" };
  if ((before.zones ?? []).join(",") !== (after.zones ?? []).join(","))
    return { publicVip: true, privateVip: privateVip(true), dips: true, reason: "availability zones changed" };
  if ((before.publicIpAddressId ?? "") !== (after.publicIpAddressId ?? ""))
    return { publicVip: true, privateVip: privateVip(true), dips: false, reason: "a different public IP resource" };
  return {
    publicVip: false,
    privateVip: privateVip(false),
    dips: false,
    reason: "no address change (capacity, hostnames and policies keep the VIPs)",
  };
}

/**
 * Draws the next public VIP from the product's pool [PD §10.4]: never one in use, and never one the
 * service had before, so a VIP change is observable. Undefined when the pool is exhausted or invalid.
 */
export function drawPublicVip(
  pool: string,
  inUse: readonly string[],
  previouslyGiven: readonly string[],
): string | undefined {
  const parsed = parseCidr(pool);
  if (!parsed.ok) return undefined;
  const taken = new Set([...inUse, ...previouslyGiven].map((t) => parseIpv4(t)).filter((n) => n !== undefined));
  // Skip the network and broadcast addresses of the pool block.
  for (let ip = parsed.cidr.first + 1; ip < parsed.cidr.last; ip++) if (!taken.has(ip)) return formatIpv4(ip);
  return undefined;
}
