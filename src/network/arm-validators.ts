// Validators of the ARM network shapes: every problem with its field path, never a throw.
import type { Diagnostic } from "../core/errors.js";
import { arr, fromArmNetworkSecurityGroup, fromArmRouteTable, obj, str, strings } from "./arm-shapes.js";
import { type Cidr, cidrContainsCidr, cidrsOverlap, parseCidr, parseIpv4 } from "./ipv4.js";
import type { Topology } from "./model.js";
import { validateSecurityRules } from "./nsg-rules.js";
import type { ServiceTagCatalog } from "./service-tags.js";

function diag(code: string, message: string, path: string, severity: Diagnostic["severity"] = "error"): Diagnostic {
  return { severity, code, message, path };
}

function strictPrefix(text: string, path: string, out: Diagnostic[]): Cidr | undefined {
  const r = parseCidr(text);
  if (r.ok) return r.cidr;
  if (r.reason === "ipv6") return undefined; // IPv6 is accepted and ignored (spec scope)
  out.push(
    diag(
      "InvalidCIDRNotation",
      r.reason === "hostBits"
        ? `"${text}" has host bits set; did you mean ${parseCidr(text, false).ok ? (parseCidr(text, false) as { cidr: Cidr }).cidr.text : "a network address"}?`
        : `"${text}" is not a CIDR prefix.`,
      path,
    ),
  );
  return undefined;
}

/** Validates an ARM Microsoft.Network/virtualNetworks body: prefixes, containment, overlaps, DNS. */
export function validateVirtualNetwork(resource: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  const r = obj(resource);
  const p = obj(r.properties);
  if (!str(r.name)) out.push(diag("InvalidResourceName", "A virtual network needs a name.", "name"));
  const spaceTexts = obj(p.addressSpace).addressPrefixes;
  if (!Array.isArray(spaceTexts) || spaceTexts.length === 0)
    out.push(
      diag(
        "AddressSpaceMissing",
        "addressSpace.addressPrefixes needs at least one prefix.",
        "properties.addressSpace.addressPrefixes",
      ),
    );
  const spaces: { cidr: Cidr; path: string }[] = [];
  arr(spaceTexts).forEach((t, i) => {
    const path = `properties.addressSpace.addressPrefixes[${i}]`;
    const c = strictPrefix(String(t), path, out);
    if (!c) return;
    if (c.prefixLength < 8) out.push(diag("AddressSpaceTooLarge", `Address space ${c.text} is larger than /8.`, path));
    const clash = spaces.find((s) => cidrsOverlap(s.cidr, c));
    if (clash)
      out.push(
        diag("NetcfgInvalidAddressSpace", `Address space ${c.text} overlaps ${clash.cidr.text} (${clash.path}).`, path),
      );
    spaces.push({ cidr: c, path });
  });
  const subnets: { cidr: Cidr; path: string }[] = [];
  const names = new Set<string>();
  arr(p.subnets).forEach((s, i) => {
    const base = `properties.subnets[${i}]`;
    const name = str(obj(s).name) ?? "";
    if (!name) out.push(diag("InvalidResourceName", "A subnet needs a name.", `${base}.name`));
    else if (names.has(name.toLowerCase()))
      out.push(diag("DuplicateResourceName", `Subnet name ${name} is used twice.`, `${base}.name`));
    names.add(name.toLowerCase());
    const sp = obj(obj(s).properties);
    const text = str(sp.addressPrefix) ?? strings(sp.addressPrefixes)[0];
    if (!text) {
      out.push(
        diag("SubnetAddressPrefixMissing", `Subnet ${name} has no addressPrefix.`, `${base}.properties.addressPrefix`),
      );
      return;
    }
    const path = `${base}.properties.addressPrefix`;
    const c = strictPrefix(text, path, out);
    if (!c) return;
    if (c.prefixLength > 29)
      out.push(
        diag(
          "SubnetPrefixTooSmall",
          `Subnet ${c.text} is smaller than /29, the smallest IPv4 subnet Azure allows.`,
          path,
        ),
      );
    if (spaces.length > 0 && !spaces.some((a) => cidrContainsCidr(a.cidr, c)))
      out.push(
        diag(
          "NetcfgSubnetRangeOutsideVnet",
          `Subnet ${name} (${c.text}) is outside the address space ${spaces.map((a) => a.cidr.text).join(", ")}.`,
          path,
        ),
      );
    const clash = subnets.find((o) => cidrsOverlap(o.cidr, c));
    if (clash)
      out.push(
        diag("NetcfgInvalidSubnet", `Subnet ${name} (${c.text}) overlaps ${clash.cidr.text} (${clash.path}).`, path),
      );
    subnets.push({ cidr: c, path });
    arr(sp.serviceEndpoints).forEach((e, j) => {
      if (!str(obj(e).service))
        out.push(
          diag(
            "InvalidServiceEndpoint",
            "A service endpoint needs a service name such as Microsoft.Storage.",
            `${base}.properties.serviceEndpoints[${j}].service`,
          ),
        );
    });
  });
  const dns = arr(obj(p.dhcpOptions).dnsServers);
  if (dns.length > 20)
    out.push(
      diag(
        "TooManyDnsServers",
        `At most 20 DNS servers per VNet; found ${dns.length}.`,
        "properties.dhcpOptions.dnsServers",
      ),
    );
  dns.forEach((d, i) => {
    if (typeof d !== "string" || parseIpv4(d) === undefined)
      out.push(
        diag(
          "InvalidDnsServer",
          `DNS server ${JSON.stringify(d)} is not an IPv4 address.`,
          `properties.dhcpOptions.dnsServers[${i}]`,
        ),
      );
  });
  arr(p.virtualNetworkPeerings).forEach((x, i) => {
    if (!str(obj(obj(obj(x).properties).remoteVirtualNetwork).id))
      out.push(
        diag(
          "InvalidPeering",
          "A peering needs properties.remoteVirtualNetwork.id.",
          `properties.virtualNetworkPeerings[${i}].properties.remoteVirtualNetwork.id`,
        ),
      );
  });
  return out;
}

/** Validates an ARM Microsoft.Network/networkSecurityGroups body with the codes of spec §3.2. */
export function validateNetworkSecurityGroup(resource: unknown, catalog: ServiceTagCatalog): Diagnostic[] {
  const r = obj(resource);
  const nsg = fromArmNetworkSecurityGroup(resource, { subscriptionId: "_", resourceGroup: "_" });
  const rawRules = arr(obj(r.properties).securityRules);
  const bad = rawRules.flatMap((x, i) =>
    typeof obj(obj(x).properties).priority === "number" || obj(obj(x).properties).priority === undefined ? [] : [i],
  );
  const out = validateSecurityRules(
    nsg.securityRules,
    catalog,
    (i) => `properties.securityRules[${i}].properties`,
    str(r.id) ?? nsg.id,
  ).diagnostics.map((d) =>
    d.path?.endsWith(".name") ? { ...d, path: d.path.replace(/\.properties\.name$/, ".name") } : d,
  );
  for (const i of bad)
    out.push(
      diag(
        "SecurityRuleInvalidPriority",
        "Security rule priority must be a number.",
        `properties.securityRules[${i}].properties.priority`,
      ),
    );
  return out;
}

/** Validates an ARM Microsoft.Network/routeTables body (spec §7.1). */
export function validateRouteTable(resource: unknown, catalog: ServiceTagCatalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  const table = fromArmRouteTable(resource, { subscriptionId: "_", resourceGroup: "_" });
  if (table.routes.length > 400)
    out.push(
      diag(
        "RouteTableRouteLimitExceeded",
        `A route table holds at most 400 routes; found ${table.routes.length}.`,
        "properties.routes",
      ),
    );
  let tagRoutes = 0;
  const allowed = ["VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None"];
  table.routes.forEach((route, i) => {
    const base = `properties.routes[${i}].properties`;
    const prefix = String(route.addressPrefix ?? "");
    const parsed = parseCidr(prefix);
    if (!parsed.ok && parsed.reason !== "ipv6") {
      if (parsed.reason === "syntax" && catalog.resolve(prefix)) tagRoutes++;
      else
        out.push(
          diag(
            "InvalidCIDRNotation",
            parsed.reason === "hostBits"
              ? `Route prefix ${prefix} has host bits set.`
              : `Route prefix "${prefix}" is neither a CIDR nor a known service tag.`,
            `${base}.addressPrefix`,
          ),
        );
    }
    const hop = allowed.find((a) => a.toLowerCase() === String(route.nextHopType ?? "").toLowerCase());
    if (!hop)
      out.push(
        diag(
          "RouteNextHopTypeNotAllowed",
          `Next hop type "${route.nextHopType}" is not allowed in a user-defined route (use ${allowed.join(", ")}).`,
          `${base}.nextHopType`,
        ),
      );
    if (hop === "VirtualAppliance" && !route.nextHopIpAddress)
      out.push(
        diag(
          "RouteNextHopIpAddressRequired",
          "A VirtualAppliance route needs nextHopIpAddress.",
          `${base}.nextHopIpAddress`,
        ),
      );
    if (hop === "VirtualAppliance" && route.nextHopIpAddress && parseIpv4(route.nextHopIpAddress) === undefined)
      out.push(
        diag(
          "RouteNextHopIpAddressInvalid",
          `nextHopIpAddress "${route.nextHopIpAddress}" is not an IPv4 address.`,
          `${base}.nextHopIpAddress`,
        ),
      );
    if (hop && hop !== "VirtualAppliance" && route.nextHopIpAddress)
      out.push(
        diag(
          "RouteNextHopIpAddressNotAllowed",
          `nextHopIpAddress is only allowed with VirtualAppliance, not ${hop}.`,
          `${base}.nextHopIpAddress`,
        ),
      );
  });
  if (tagRoutes > 25)
    out.push(
      diag(
        "RouteTableServiceTagLimitExceeded",
        `At most 25 routes per table may use service tags; found ${tagRoutes}.`,
        "properties.routes",
      ),
    );
  return out;
}

/** Cross-resource checks of a loaded topology: references, ASG placement (spec §5.4), duplicate ids. */
export function validateTopology(topology: Topology): Diagnostic[] {
  const out: Diagnostic[] = [];
  const nsgs = new Set(topology.networkSecurityGroups.map((n) => n.id.toLowerCase()));
  const tables = new Set(topology.routeTables.map((t) => t.id.toLowerCase()));
  const subnetVnet = new Map<string, string>();
  for (const vnet of topology.virtualNetworks)
    for (const s of vnet.subnets) {
      subnetVnet.set(s.id.toLowerCase(), vnet.id.toLowerCase());
      if (s.networkSecurityGroup && !nsgs.has(s.networkSecurityGroup.id.toLowerCase()))
        out.push(
          diag(
            "ReferencedResourceNotFound",
            `NSG ${s.networkSecurityGroup.id} of subnet ${s.name} is not defined.`,
            `${s.id}/networkSecurityGroup`,
            "warning",
          ),
        );
      if (s.routeTable && !tables.has(s.routeTable.id.toLowerCase()))
        out.push(
          diag(
            "ReferencedResourceNotFound",
            `Route table ${s.routeTable.id} of subnet ${s.name} is not defined.`,
            `${s.id}/routeTable`,
            "warning",
          ),
        );
    }
  const asgVnet = new Map<string, string>();
  for (const nic of topology.networkInterfaces ?? []) {
    const vnet = subnetVnet.get(nic.subnetId.toLowerCase());
    for (const asg of nic.applicationSecurityGroups ?? []) {
      const key = asg.id.toLowerCase();
      const first = asgVnet.get(key);
      if (first === undefined && vnet) asgVnet.set(key, vnet);
      else if (vnet && first !== vnet)
        out.push(
          diag(
            "ApplicationSecurityGroupVnetMismatch",
            `NIC ${nic.id} is in another VNet than the first member of ${asg.id}; all members of an ASG must be in one VNet.`,
            `${nic.id}/applicationSecurityGroups`,
          ),
        );
    }
  }
  for (const nsg of topology.networkSecurityGroups)
    nsg.securityRules.forEach((r, i) => {
      const s = r.sourceApplicationSecurityGroups?.[0]?.id.toLowerCase();
      const d = r.destinationApplicationSecurityGroups?.[0]?.id.toLowerCase();
      const sv = s ? asgVnet.get(s) : undefined;
      const dv = d ? asgVnet.get(d) : undefined;
      if (sv && dv && sv !== dv)
        out.push(
          diag(
            "ApplicationSecurityGroupVnetMismatch",
            `Rule ${r.name}: source and destination ASGs are in different VNets.`,
            `${nsg.id}/securityRules[${i}]`,
          ),
        );
    });
  return out;
}
