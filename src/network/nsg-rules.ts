// NSG rule validation and normalisation (spec §3, §4). Every problem becomes a Diagnostic with the
// ARM codes of §3.2 and a field path; valid rules are normalised once into matchable specs so the
// evaluator never re-parses text.
import type { Diagnostic } from "../core/errors.js";
import { type Cidr, parseCidr } from "./ipv4.js";
import type { Access, Direction, RuleProtocol, SecurityRule } from "./model.js";
import type { ServiceTagCatalog, TagRef } from "./service-tags.js";

export type AddressSpec =
  | { readonly kind: "any" }
  | { readonly kind: "cidrs"; readonly cidrs: readonly Cidr[] }
  | { readonly kind: "tag"; readonly tag: TagRef }
  | { readonly kind: "asg"; readonly ids: readonly string[] };

/** Inclusive port ranges; undefined = any port. */
export type PortSpec = readonly (readonly [number, number])[] | undefined;

export interface NormalizedRule {
  readonly name: string;
  /** Name as reported by IP flow verify: "securityRules/x" or "defaultSecurityRules/x" (spec §4). */
  readonly qualifiedName: string;
  readonly isDefault: boolean;
  readonly priority: number;
  readonly direction: Direction;
  readonly access: Access;
  readonly protocol: RuleProtocol;
  readonly source: AddressSpec;
  readonly destination: AddressSpec;
  readonly sourcePorts: PortSpec;
  readonly destinationPorts: PortSpec;
  /** The rule in canonical spelling (protocol, tag names), as it should be stored. */
  readonly stored: SecurityRule;
}

const protocols: Record<string, RuleProtocol> = {
  tcp: "Tcp",
  udp: "Udp",
  icmp: "Icmp",
  esp: "Esp",
  ah: "Ah",
  "*": "*",
  any: "*",
};
const namePattern = /^\w(?:[\w.-]{0,78}\w)?$/;
const maxRules = 1000;
const maxPrefixesPerSide = 4000;
const maxAsgsPerSide = 10;
const maxAsgsPerNsg = 100;

export const defaultSecurityRules: readonly SecurityRule[] = [
  defaultRule("AllowVnetInBound", "Inbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
  defaultRule("AllowAzureLoadBalancerInBound", "Inbound", 65001, "AzureLoadBalancer", "*", "Allow"),
  defaultRule("DenyAllInBound", "Inbound", 65500, "*", "*", "Deny"),
  defaultRule("AllowVnetOutBound", "Outbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
  defaultRule("AllowInternetOutBound", "Outbound", 65001, "*", "Internet", "Allow"),
  defaultRule("DenyAllOutBound", "Outbound", 65500, "*", "*", "Deny"),
];

function defaultRule(
  name: string,
  direction: Direction,
  priority: number,
  src: string,
  dst: string,
  access: Access,
): SecurityRule {
  return {
    name,
    protocol: "*",
    sourcePortRange: "*",
    destinationPortRange: "*",
    sourceAddressPrefix: src,
    destinationAddressPrefix: dst,
    access,
    priority,
    direction,
  };
}

/** Parses one port element: "*", "443" or "6381-6383". */
export function parsePortRange(text: string): readonly [number, number] | "any" | undefined {
  const t = text.trim();
  if (t === "*") return "any";
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(t);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535 || lo > hi) return undefined;
  return [lo, hi];
}

function present<T>(value: T | undefined, plural?: boolean): boolean {
  if (value === undefined || value === null) return false;
  if (plural) return Array.isArray(value) && value.length > 0;
  return true;
}

export interface RuleValidation {
  readonly rules: readonly NormalizedRule[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Validates the custom rules of one NSG. `pathOf(i)` gives the field path prefix of rule i (ARM
 * shapes nest fields under "properties"). Rules with errors are reported and left out.
 */
export function validateSecurityRules(
  rules: readonly SecurityRule[],
  catalog: ServiceTagCatalog,
  pathOf: (index: number) => string = (i) => `securityRules[${i}]`,
  nsgId = "",
): RuleValidation {
  const diagnostics: Diagnostic[] = [];
  const out: NormalizedRule[] = [];
  const seenPriority = new Map<string, string>();
  const seenName = new Set<string>();
  let asgTotal = 0;
  const add = (code: string, message: string, path: string, severity: Diagnostic["severity"] = "error") =>
    diagnostics.push({ severity, code, message, path });
  if (rules.length > maxRules)
    add(
      "NetworkSecurityGroupRuleLimitExceeded",
      `An NSG holds at most ${maxRules} rules; found ${rules.length}.`,
      "securityRules",
    );
  let srcPrefixTotal = 0;
  let dstPrefixTotal = 0;

  rules.forEach((rule, i) => {
    const base = pathOf(i);
    const before = diagnostics.length;
    const name = typeof rule.name === "string" ? rule.name : "";
    if (!namePattern.test(name))
      add(
        "SecurityRuleInvalidName",
        `Security rule name "${name}" must be 1-80 characters, start with a letter, digit or '_', end with a letter, digit or '_', and contain only letters, digits, '.', '-' and '_'.`,
        `${base}.name`,
      );
    else if (seenName.has(name.toLowerCase()))
      add("SecurityRuleInvalidName", `Security rule name "${name}" is used twice in this NSG.`, `${base}.name`);
    seenName.add(name.toLowerCase());
    if (rule.description !== undefined && String(rule.description).length > 140)
      add(
        "SecurityRuleInvalidParameters",
        "Security rule description is longer than 140 characters.",
        `${base}.description`,
      );

    const priority = rule.priority;
    if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 100 || priority > 4096)
      add(
        "SecurityRuleInvalidPriority",
        `Security rule has invalid Priority. Value provided: ${String(priority)} Allowed range 100-4096.`,
        `${base}.priority`,
      );
    const direction = normalizeDirection(rule.direction);
    if (!direction)
      add(
        "SecurityRuleInvalidParameters",
        `Security rule direction must be Inbound or Outbound; got "${String(rule.direction)}".`,
        `${base}.direction`,
      );
    const access = normalizeAccess(rule.access);
    if (!access)
      add(
        "SecurityRuleInvalidParameters",
        `Security rule access must be Allow or Deny; got "${String(rule.access)}".`,
        `${base}.access`,
      );
    const protocol = typeof rule.protocol === "string" ? protocols[rule.protocol.toLowerCase()] : undefined;
    if (!protocol)
      add(
        "SecurityRuleInvalidProtocol",
        `Security rule protocol "${String(rule.protocol)}" is not one of Tcp, Udp, Icmp, Esp, Ah, *.`,
        `${base}.protocol`,
      );
    if (direction && typeof priority === "number" && priority >= 100 && priority <= 4096) {
      const key = `${direction}/${priority}`;
      const other = seenPriority.get(key);
      if (other !== undefined)
        add(
          "SecurityRuleConflict",
          `Security rule ${other} conflicts with rule ${name}. Rules cannot have the same Priority and Direction.`,
          `${base}.priority`,
        );
      else seenPriority.set(key, name);
    }

    const source = addressSide(rule, "source", catalog, base, add, nsgId);
    const destination = addressSide(rule, "destination", catalog, base, add, nsgId);
    const sourcePorts = portSide(rule, "source", base, add);
    const destinationPorts = portSide(rule, "destination", base, add);
    if (source?.kind === "cidrs") srcPrefixTotal += source.cidrs.length;
    if (destination?.kind === "cidrs") dstPrefixTotal += destination.cidrs.length;
    for (const side of [source, destination]) if (side?.kind === "asg") asgTotal += side.ids.length;

    if (diagnostics.length > before || !direction || !access || !protocol || !source || !destination) return;
    if (sourcePorts === null || destinationPorts === null) return;
    out.push({
      name,
      qualifiedName: `securityRules/${name}`,
      isDefault: false,
      priority: priority as number,
      direction,
      access,
      protocol,
      source,
      destination,
      sourcePorts,
      destinationPorts,
      stored: canonicalRule(rule, protocol, direction, access, source, destination),
    });
  });
  if (srcPrefixTotal > maxPrefixesPerSide || dstPrefixTotal > maxPrefixesPerSide)
    add(
      "NetworkSecurityGroupRuleLimitExceeded",
      `An NSG may list at most ${maxPrefixesPerSide} source and ${maxPrefixesPerSide} destination prefixes.`,
      "securityRules",
    );
  if (asgTotal > maxAsgsPerNsg)
    add(
      "NetworkSecurityGroupRuleLimitExceeded",
      `The rules of one NSG may reference at most ${maxAsgsPerNsg} application security groups.`,
      "securityRules",
    );
  return { rules: out, diagnostics };
}

/** The six default rules, normalised; they cannot fail validation. */
export function normalizedDefaultRules(catalog: ServiceTagCatalog): readonly NormalizedRule[] {
  const { rules } = validateSecurityRules(
    // Placeholder priorities keep the validator's 100..4096 check quiet; the real ones are restored below.
    defaultSecurityRules.map((r, i) => ({ ...r, priority: 100 + i })),
    catalog,
  );
  return rules.map((r, i) => {
    const d = defaultSecurityRules[i] as SecurityRule;
    return { ...r, priority: d.priority, qualifiedName: `defaultSecurityRules/${d.name}`, isDefault: true, stored: d };
  });
}

export function normalizeDirection(value: unknown): Direction | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.toLowerCase();
  return v === "inbound" ? "Inbound" : v === "outbound" ? "Outbound" : undefined;
}

function normalizeAccess(value: unknown): Access | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.toLowerCase();
  return v === "allow" ? "Allow" : v === "deny" ? "Deny" : undefined;
}

type Add = (code: string, message: string, path: string) => void;

function addressSide(
  rule: SecurityRule,
  side: "source" | "destination",
  catalog: ServiceTagCatalog,
  base: string,
  add: Add,
  nsgId: string,
): AddressSpec | undefined {
  const singular = rule[`${side}AddressPrefix`];
  const plural = rule[`${side}AddressPrefixes`];
  const asgs = rule[`${side}ApplicationSecurityGroups`];
  const given = [present(singular), present(plural, true), present(asgs, true)].filter(Boolean).length;
  if (given !== 1) {
    add(
      "SecurityRuleInvalidParameters",
      `Security rule must give exactly one of ${side}AddressPrefix, ${side}AddressPrefixes or ${side}ApplicationSecurityGroups; ${given === 0 ? "none was" : "several were"} given.`,
      `${base}.${side}AddressPrefix`,
    );
    return undefined;
  }
  if (present(singular)) {
    const text = String(singular).trim();
    if (text === "*" || text === "Any" || text === "0.0.0.0/0") return { kind: "any" };
    const parsed = parseCidr(text);
    if (parsed.ok) return { kind: "cidrs", cidrs: [parsed.cidr] };
    // IPv6 prefixes are accepted and ignored: they match no IPv4 flow (spec scope is IPv4).
    if (parsed.reason === "ipv6") return { kind: "cidrs", cidrs: [] };
    const tag = parsed.reason === "syntax" ? catalog.resolve(text) : undefined;
    if (tag) return { kind: "tag", tag };
    // A tag-shaped name may be a real Azure tag missing from a partial data file: say how to add it.
    const hint =
      parsed.reason === "hostBits"
        ? " (host bits are set)"
        : /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)?$/.test(text) && text.toLowerCase() !== "any"
          ? ` (not a service tag in the loaded data${text.includes(".") ? ", or a region the tag does not support" : ""}; if it is an Azure tag, load a service-tag file that lists it)`
          : "";
    add(
      "SecurityRuleInvalidAddressPrefix",
      `Security rule has invalid Address prefix. Value provided: ${text}${hint}`,
      `${base}.${side}AddressPrefix`,
    );
    return undefined;
  }
  if (present(plural, true)) {
    const cidrs: Cidr[] = [];
    let ok = true;
    (plural as unknown[]).forEach((p, j) => {
      const text = String(p).trim();
      const path = `${base}.${side}AddressPrefixes[${j}]`;
      const parsed = parseCidr(text);
      if (parsed.ok) cidrs.push(parsed.cidr);
      else if (parsed.reason === "ipv6") return;
      else if (text === "*" || text === "Any" || (parsed.reason === "syntax" && catalog.resolve(text))) {
        ok = false;
        const param = `${side[0]?.toUpperCase()}${side.slice(1)}AddressPrefixes`;
        add(
          "SecurityRuleParameterContainsUnsupportedValue",
          `Security rule parameter ${param} for rule with Id ${nsgId}/securityRules/${rule.name} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: ${text}.`,
          path,
        );
      } else {
        ok = false;
        add(
          "SecurityRuleInvalidAddressPrefix",
          `Security rule has invalid Address prefix. Value provided: ${text}`,
          path,
        );
      }
    });
    return ok ? { kind: "cidrs", cidrs } : undefined;
  }
  const list = asgs as { id?: unknown }[];
  if (list.length > maxAsgsPerSide) {
    add(
      "NetworkSecurityGroupRuleLimitExceeded",
      `A rule side may reference at most ${maxAsgsPerSide} application security groups.`,
      `${base}.${side}ApplicationSecurityGroups`,
    );
    return undefined;
  }
  const ids: string[] = [];
  list.forEach((a, j) => {
    if (typeof a?.id === "string" && a.id !== "") ids.push(a.id.toLowerCase());
    else
      add(
        "SecurityRuleInvalidParameters",
        "Application security group reference needs an id.",
        `${base}.${side}ApplicationSecurityGroups[${j}].id`,
      );
  });
  return ids.length === list.length ? { kind: "asg", ids } : undefined;
}

/** null = invalid (already reported); undefined = any port. */
function portSide(rule: SecurityRule, side: "source" | "destination", base: string, add: Add): PortSpec | null {
  const singular = rule[`${side}PortRange`];
  const plural = rule[`${side}PortRanges`];
  const hasS = present(singular);
  const hasP = present(plural, true);
  if (hasS === hasP) {
    add(
      "SecurityRuleInvalidParameters",
      `Security rule must give exactly one of ${side}PortRange or ${side}PortRanges.`,
      `${base}.${side}PortRange`,
    );
    return null;
  }
  const items = hasS
    ? [{ text: String(singular), path: `${base}.${side}PortRange` }]
    : (plural as unknown[]).map((p, j) => ({ text: String(p), path: `${base}.${side}PortRanges[${j}]` }));
  const ranges: [number, number][] = [];
  let anyPort = false;
  let ok = true;
  for (const item of items) {
    const r = parsePortRange(item.text);
    if (r === undefined) {
      ok = false;
      add(
        "SecurityRuleInvalidPortRange",
        `Security rule has invalid Port range. Value provided: ${item.text}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
        item.path,
      );
    } else if (r === "any") anyPort = true;
    else ranges.push([r[0], r[1]]);
  }
  if (!ok) return null;
  return anyPort || ranges.some(([lo, hi]) => lo === 0 && hi === 65535) ? undefined : ranges;
}

function canonicalRule(
  rule: SecurityRule,
  protocol: RuleProtocol,
  direction: Direction,
  access: Access,
  source: AddressSpec,
  destination: AddressSpec,
): SecurityRule {
  const stored: SecurityRule = { ...rule, protocol, direction, access };
  if (source.kind === "tag") stored.sourceAddressPrefix = source.tag.canonical;
  if (destination.kind === "tag") stored.destinationAddressPrefix = destination.tag.canonical;
  return stored;
}
