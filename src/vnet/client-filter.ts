// Source filters compiled once per network change: a list of CIDRs (and plain addresses) into one
// predicate over a socket's remote address. Accepts the IPv4-mapped form Node reports on dual-stack
// sockets ("::ffff:10.0.0.4"); "::1" is matched literally.
import type { Diagnostic } from "../core/errors.js";
import { createAddressSet, parseCidr, parseIpv4 } from "../network/index.js";

export interface CompiledFilter {
  readonly allows: (remoteAddress: string) => boolean;
  readonly diagnostics: readonly Diagnostic[];
}

export function compileSourceFilter(
  entries: readonly string[],
  path = "network.managementAllowedSources",
): CompiledFilter {
  const diagnostics: Diagnostic[] = [];
  const blocks = [];
  let ipv6Loopback = false;
  for (const [i, raw] of entries.entries()) {
    const text = raw.trim();
    if (text === "::1" || text === "::1/128") {
      ipv6Loopback = true;
      continue;
    }
    const parsed = parseCidr(text.includes("/") ? text : `${text}/32`, false);
    if (!parsed.ok) {
      diagnostics.push({
        severity: "error",
        code: "VNET_ERR_BAD_SOURCE",
        message: `"${raw}" is not an IPv4 address or CIDR`,
        path: `${path}[${i}]`,
      });
      continue;
    }
    blocks.push(parsed.cidr);
  }
  const set = createAddressSet(blocks);
  return {
    diagnostics,
    allows(remote) {
      if (remote === "::1") return ipv6Loopback;
      const ip = parseIpv4(remote.startsWith("::ffff:") ? remote.slice(7) : remote);
      return ip !== undefined && set.has(ip);
    },
  };
}
