// Subnet sizing and deterministic address allocation (spec §2.2, §10.2–10.4).
import { type Cidr, formatIpv4, parseCidr, parseIpv4, reservedAddresses, usableRange } from "./ipv4.js";

export type IpConsumptionModel = "current" | "seed2020";
export type VnetMode = "External" | "Internal";

/** Addresses per unit: two machines per Premium (and Basic/Standard) unit, one for Developer. */
export function addressesPerUnit(sku: string): number {
  return sku.toLowerCase() === "developer" ? 1 : 2;
}

/** Units a SKU allows in one location: Developer 1, Premium 31 (spec §9.1). */
export function maxUnitsForSku(sku: string): number {
  const s = sku.toLowerCase();
  return s === "developer" ? 1 : s === "premium" ? 31 : s === "standard" ? 4 : s === "basic" ? 2 : 1;
}

export interface InstanceDemand {
  readonly sku: string;
  readonly capacity: number;
  readonly mode: VnetMode;
}

/** Addresses one instance takes in one location (spec §10.2). */
export function requiredAddresses(demand: InstanceDemand, model: IpConsumptionModel = "current"): number {
  const units = demand.capacity * addressesPerUnit(demand.sku);
  return units + (demand.mode === "Internal" ? 1 : 0) + (model === "seed2020" ? 1 : 0);
}

export interface SubnetSizing {
  readonly prefix: string;
  readonly totalAddresses: number;
  readonly reserved: readonly string[];
  readonly usableFirst: string;
  readonly usableLast: string;
  readonly usable: number;
  readonly perUnit: number;
  /** Fixed overhead independent of units (private VIP, seed2020 external LB). */
  readonly overhead: number;
  /** Units whose addresses fit, before the SKU cap. */
  readonly unitsByAddresses: number;
  readonly skuMaxUnits: number;
  readonly maxUnits: number;
  readonly tooSmall: boolean;
}

export type SizingResult =
  | { readonly ok: true; readonly sizing: SubnetSizing }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** "How many units fit in this subnet in this mode for this SKU?" */
export function sizeSubnet(
  prefix: string,
  sku: string,
  mode: VnetMode,
  model: IpConsumptionModel = "current",
): SizingResult {
  const parsed = parseCidr(prefix);
  if (!parsed.ok)
    return {
      ok: false,
      code: "InvalidCIDRNotation",
      message: `"${prefix}" is not an IPv4 prefix with host bits clear (e.g. 10.0.1.0/28)`,
    };
  const block: Cidr = parsed.cidr;
  const usable = usableRange(block);
  const perUnit = addressesPerUnit(sku);
  const overhead = (mode === "Internal" ? 1 : 0) + (model === "seed2020" ? 1 : 0);
  const unitsByAddresses = Math.max(0, Math.floor((usable.count - overhead) / perUnit));
  const skuMaxUnits = maxUnitsForSku(sku);
  return {
    ok: true,
    sizing: {
      prefix: block.text,
      totalAddresses: 2 ** (32 - block.prefixLength),
      reserved: reservedAddresses(block).map(formatIpv4),
      usableFirst: formatIpv4(usable.first),
      usableLast: formatIpv4(usable.last),
      usable: usable.count,
      perUnit,
      overhead,
      unitsByAddresses,
      skuMaxUnits,
      maxUnits: Math.min(unitsByAddresses, skuMaxUnits),
      // Smallest IPv4 subnet Azure allows is /29 (spec §2.2).
      tooSmall: block.prefixLength > 29,
    },
  };
}

export interface Allocation {
  readonly privateVip?: string;
  /** DIPs in machine order; Premium unit n owns dips[2n] and dips[2n+1]. */
  readonly dips: readonly string[];
  readonly externalLbReserved?: string;
  readonly required: number;
  readonly available: number;
  readonly fits: boolean;
}

/**
 * Deterministic allocation [PD §10.4]: free usable addresses ascending; Internal takes the first for
 * the private VIP, then units × perUnit DIPs, then (seed2020) one external-LB address.
 */
export function allocateAddresses(
  prefix: string,
  demand: InstanceDemand,
  options: { model?: IpConsumptionModel; inUse?: readonly string[] } = {},
): Allocation | undefined {
  const parsed = parseCidr(prefix, false);
  if (!parsed.ok) return undefined;
  const usable = usableRange(parsed.cidr);
  const used = new Set((options.inUse ?? []).map((t) => parseIpv4(t)).filter((n): n is number => n !== undefined));
  const free: number[] = [];
  for (let ip = usable.first; ip <= usable.last; ip++) if (!used.has(ip)) free.push(ip);
  const model = options.model ?? "current";
  const required = requiredAddresses(demand, model);
  const fits = required <= free.length;
  let next = 0;
  const take = () => {
    const ip = free[next++];
    return ip === undefined ? undefined : formatIpv4(ip);
  };
  const privateVip = demand.mode === "Internal" ? take() : undefined;
  const dips: string[] = [];
  for (let i = 0; i < demand.capacity * addressesPerUnit(demand.sku); i++) {
    const ip = take();
    if (ip) dips.push(ip);
  }
  const externalLbReserved = model === "seed2020" ? take() : undefined;
  return { privateVip, dips, externalLbReserved, required, available: free.length, fits };
}
