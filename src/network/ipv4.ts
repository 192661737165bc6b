// IPv4 arithmetic on unsigned 32-bit integers. IPv6 text is recognised (so data files holding
// both families load) but the evaluators ignore it: spec network.md scope is IPv4 only.

export interface Cidr {
  /** First address of the block as an unsigned 32-bit integer. */
  readonly first: number;
  /** Last address of the block. */
  readonly last: number;
  readonly prefixLength: number;
  /** Canonical text, e.g. "10.0.1.0/28". */
  readonly text: string;
}

export type CidrResult =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly reason: "syntax" | "hostBits" | "ipv6" };

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const m = ipv4Pattern.exec(text.trim());
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i] as string;
    // Leading zeros are ambiguous (octal in some parsers); Azure rejects them, so do we.
    if (part.length > 1 && part.startsWith("0")) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function isIpv6Text(text: string): boolean {
  return text.includes(":") && /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(text.trim());
}

function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

export function cidrFromParts(address: number, prefixLength: number): Cidr {
  const size = blockSize(prefixLength);
  const first = address - (address % size);
  return { first, last: first + size - 1, prefixLength, text: `${formatIpv4(first)}/${prefixLength}` };
}

/**
 * Parses "a.b.c.d/n" or a bare address (= /32). With `strict`, host bits must be zero, as Azure
 * requires for address spaces, subnets, routes and NSG prefixes (spec §2.1).
 */
export function parseCidr(text: string, strict = true): CidrResult {
  const trimmed = text.trim();
  if (isIpv6Text(trimmed)) return { ok: false, reason: "ipv6" };
  const slash = trimmed.indexOf("/");
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const lengthText = slash < 0 ? "32" : trimmed.slice(slash + 1);
  const address = parseIpv4(addressText);
  if (address === undefined || !/^\d{1,2}$/.test(lengthText)) return { ok: false, reason: "syntax" };
  const prefixLength = Number(lengthText);
  if (prefixLength > 32) return { ok: false, reason: "syntax" };
  const cidr = cidrFromParts(address, prefixLength);
  if (strict && cidr.first !== address) return { ok: false, reason: "hostBits" };
  return { ok: true, cidr };
}

/** Parses a prefix the caller already validated; throws on programming errors only. */
export function cidr(text: string): Cidr {
  const result = parseCidr(text, false);
  if (!result.ok) throw new TypeError(`not an IPv4 prefix: ${text}`);
  return result.cidr;
}

export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function addressCount(block: Cidr): number {
  return blockSize(block.prefixLength);
}

/** Azure keeps the first four and the last address of every subnet (spec §2.2). */
export function reservedAddresses(block: Cidr): number[] {
  if (block.prefixLength > 30) return [];
  return [block.first, block.first + 1, block.first + 2, block.first + 3, block.last];
}

export interface UsableRange {
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

export function usableRange(block: Cidr): UsableRange {
  const count = Math.max(0, addressCount(block) - 5);
  return { first: block.first + 4, last: block.last - 1, count };
}

/**
 * ARM's cidrSubnet(network, newLength, index): the index-th block of length newLength inside
 * network, or undefined when it does not fit.
 */
export function cidrSubnet(network: Cidr, newLength: number, index: number): Cidr | undefined {
  if (!Number.isInteger(newLength) || newLength < network.prefixLength || newLength > 32) return undefined;
  const size = blockSize(newLength);
  const first = network.first + index * size;
  if (!Number.isInteger(index) || index < 0 || first + size - 1 > network.last) return undefined;
  return cidrFromParts(first, newLength);
}

/** ARM's cidrHost(network, hostIndex): the host address at hostIndex, skipping the network address. */
export function cidrHost(network: Cidr, hostIndex: number): number | undefined {
  const ip = network.first + 1 + hostIndex;
  return Number.isInteger(hostIndex) && hostIndex >= 0 && ip <= network.last ? ip : undefined;
}

/** A union of IPv4 ranges, merged and sorted so membership is a binary search. */
export interface AddressSet {
  readonly ranges: readonly (readonly [number, number])[];
  has(ip: number): boolean;
}

export function createAddressSet(blocks: Iterable<Cidr | readonly [number, number]>): AddressSet {
  const raw: [number, number][] = [];
  for (const b of blocks) raw.push(Array.isArray(b) ? [b[0], b[1]] : [(b as Cidr).first, (b as Cidr).last]);
  raw.sort((x, y) => x[0] - y[0]);
  const ranges: [number, number][] = [];
  for (const r of raw) {
    const prev = ranges[ranges.length - 1];
    if (prev && r[0] <= prev[1] + 1) prev[1] = Math.max(prev[1], r[1]);
    else ranges.push([r[0], r[1]]);
  }
  return {
    ranges,
    has(ip: number): boolean {
      let lo = 0;
      let hi = ranges.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const r = ranges[mid] as [number, number];
        if (ip < r[0]) hi = mid - 1;
        else if (ip > r[1]) lo = mid + 1;
        else return true;
      }
      return false;
    },
  };
}
