// <ip-filter action="allow|forbid"><address>…</address><address-range from to /></ip-filter>
// Addresses (IPv4 and IPv6) are turned into numeric ranges once; a request checks them with BigInt compares.
import { isIP } from "node:net";
import { definePolicy } from "../definition.js";
import { PolicyResponseError } from "../errors.js";
import { CONTINUE } from "../types.js";

type Range = readonly [bigint, bigint];

// Runs per request on the client address: the pattern is built once.
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** IPv4 as 0..2^32-1; IPv6 as 2^32.. (IPv4-mapped IPv6 counts as IPv4). Undefined when not an address. */
export function ipToBigInt(text: string): { family: 4 | 6; value: bigint } | undefined {
  let ip = text.trim();
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  const zone = ip.indexOf("%");
  if (zone >= 0) ip = ip.slice(0, zone);
  const mapped = IPV4_MAPPED.exec(ip);
  if (mapped) ip = mapped[1] as string;
  const family = isIP(ip);
  if (family === 4) {
    return { family: 4, value: ip.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  }
  if (family !== 6) return undefined;
  let groups: string[];
  const [head = "", tail] = ip.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":"));
  let headGroups = parse(head);
  let tailGroups = tail === undefined ? [] : parse(tail);
  // An embedded dotted quad takes the last two groups.
  const expandQuad = (gs: string[]) => {
    const last = gs[gs.length - 1];
    if (last?.includes(".")) {
      const v = ipToBigInt(last)?.value ?? 0n;
      return [...gs.slice(0, -1), (v >> 16n).toString(16), (v & 0xffffn).toString(16)];
    }
    return gs;
  };
  if (tail === undefined) headGroups = expandQuad(headGroups);
  else tailGroups = expandQuad(tailGroups);
  if (tail === undefined) groups = headGroups;
  else groups = [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

export const ipFilter = definePolicy<{ allow: boolean; v4: Range[]; v6: Range[] }>({
  name: "ip-filter",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    const action = p.enumeration(el, "action", ["allow", "forbid"] as const, { required: true });
    const v4: Range[] = [];
    const v6: Range[] = [];
    const add = (from: string, to: string, at: { path: string; line: number; column: number }) => {
      if (p.isDeferred(from) || p.isDeferred(to)) return;
      const a = ipToBigInt(from);
      const b = ipToBigInt(to);
      if (!a || !b) {
        p.error("POLICY_ERR_INVALID_IP", `"${!a ? from : to}" is not an IPv4 or IPv6 address`, at);
        return;
      }
      if (a.family !== b.family || a.value > b.value) {
        p.error("POLICY_ERR_INVALID_IP_RANGE", `address range ${from} – ${to} is empty or mixes IPv4 and IPv6`, at);
        return;
      }
      (a.family === 4 ? v4 : v6).push([a.value, b.value]);
    };
    for (const child of p.children(el, ["address", "address-range"])) {
      if (child.name === "address") {
        const text = p.constantText(child.text, child).trim();
        add(text, text, child);
      } else if (child.name === "address-range") {
        const from = p.string(child, "from", { required: true, expression: false });
        const to = p.string(child, "to", { required: true, expression: false });
        if (from?.kind === "const" && to?.kind === "const") add(from.value, to.value, child);
      }
      p.finishChild(child);
    }
    if (p.failedSince(m) || action?.kind !== "const") return undefined;
    return { allow: action.value === "allow", v4, v6 };
  },
  compile({ allow, v4, v6 }) {
    return (ctx) => {
      const caller = ctx.request.ipAddress;
      const ip = ipToBigInt(caller);
      if (!ip)
        throw new PolicyResponseError(
          "ip-filter",
          "FailedToParseCallerIP",
          `Failed to parse caller IP address ${caller}. Access denied.`,
          403,
        );
      const ranges = ip.family === 4 ? v4 : v6;
      let listed = false;
      for (const [lo, hi] of ranges) {
        if (ip.value >= lo && ip.value <= hi) {
          listed = true;
          break;
        }
      }
      if (listed === allow) return CONTINUE;
      throw new PolicyResponseError(
        "ip-filter",
        allow ? "CallerIpNotAllowed" : "CallerIpBlocked",
        `Caller IP address ${caller} is not allowed. Access denied.`,
        403,
      );
    };
  },
});
