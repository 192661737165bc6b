// Spec network.md §19.6–19.7: T34–T50 (deployment validation, sizing, addresses).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatIpv4, parseCidr, reservedAddresses, usableRange } from "./ipv4.js";
import type { PublicIpAddress, Route, SecurityRule, Topology } from "./model.js";
import { compileClientFilter, listenerReachable } from "./reachability.js";
import { allocateAddresses } from "./sizing.js";
import { checkSubnetOperation, linkService, releaseSubnet } from "./subnet-lifecycle.js";
import { compileFixture, contoso, fixtureTopology, ids, recommendedRules, rule } from "./test-support/fixtures.js";
import {
  type ApimServiceInput,
  type DeploymentValidationOptions,
  toNetworkValidationResults,
  validateDeployment,
} from "./validate-deployment.js";
import { addressChange, drawPublicVip } from "./vip.js";

type Svc = ApimServiceInput;
const vnetA = (t: Topology) => t.virtualNetworks[0] as Topology["virtualNetworks"][number];

function run(t: Topology, service: Svc, options: DeploymentValidationOptions = {}) {
  return validateDeployment(service, compileFixture(t), options);
}
const codesOf = (findings: { code: string }[]) => [...new Set(findings.map((f) => f.code))].sort();
const errors = (findings: { severity: string; code: string }[]) => findings.filter((f) => f.severity === "error");

// §19.1 says added rules use priority 90 to precede the recommended set, but §3.1 makes 90 invalid
// (100..4096). To keep both, the recommended priorities shift up by 50 whenever a test adds rules,
// and the added rule's 90 becomes 100: the order the test means is preserved.
function recommended(extra: SecurityRule[] = [], stv2 = false): Topology {
  const t = fixtureTopology({ recommended: true, stv2 });
  const nsg = t.networkSecurityGroups[0] as { securityRules: SecurityRule[] };
  if (extra.length > 0) {
    nsg.securityRules = nsg.securityRules.map((r) => ({ ...r, priority: r.priority + 50 }));
    nsg.securityRules.push(...extra.map((r) => ({ ...r, priority: r.priority === 90 ? 100 : r.priority })));
  }
  return t;
}

describe("§19.6 deployment validation and sizing", () => {
  test("T34 SKU and missing configuration", () => {
    assert.deepEqual(codesOf(errors(run(recommended(), contoso({ sku: "Standard" })))), ["VnetSkuNotSupported"]);
    for (const sku of ["Developer", "Premium"])
      assert.ok(!run(recommended(), contoso({ sku })).some((f) => f.code === "VnetSkuNotSupported"));
    assert.deepEqual(codesOf(run(recommended(), contoso({ subnet: null }))), ["VnetConfigurationMissing"]);
  });
  test("T35 placement", () => {
    const t = recommended();
    const other = ids.snetApim.replace("sub-1", "sub-2");
    assert.ok(run(t, contoso({ subnet: other })).some((f) => f.code === "VnetSubscriptionMismatch"));
    assert.ok(run(t, contoso({ subnet: ids.snetApimEast })).some((f) => f.code === "VnetRegionMismatch"));
    assert.deepEqual(codesOf(run(t, contoso({ subnet: "/subscriptions/sub-1/vnet-a/snet" }))), ["SubnetIdInvalid"]);
  });
  test("T36 stv1 dedicated subnet", () => {
    const t = recommended();
    assert.ok(run(t, contoso({ subnet: ids.snetApps })).some((f) => f.code === "SubnetNotDedicated"));
    const fabrikam = {
      ...contoso({ sku: "Developer", type: "Internal" }),
      id: ids.service.replace("contoso", "fabrikam"),
      name: "fabrikam",
    };
    const apim = vnetA(t).subnets[0];
    assert.ok(apim);
    apim.resourceNavigationLinks = [{ linkedResourceType: "Microsoft.ApiManagement/service", link: ids.service }];
    assert.deepEqual(errors(run(t, fabrikam)), []);
  });
  test("T37 stv2 rules", () => {
    const t = recommended([], true);
    const apps = vnetA(t).subnets[1];
    assert.ok(apps);
    apps.networkSecurityGroup = { id: ids.nsgApim };
    const svc = contoso({ subnet: ids.snetApps });
    const opts = { platformVersion: "stv2" } as const;
    assert.deepEqual(errors(run(t, svc, opts)), []);
    apps.delegations = [{ serviceName: "Microsoft.Web/serverFarms" }];
    assert.ok(run(t, svc, opts).some((f) => f.code === "SubnetDelegated"));
    apps.delegations = [];
    delete apps.networkSecurityGroup;
    assert.ok(run(t, svc, opts).some((f) => f.code === "NsgRequired"));
    const classic = ids.snetApps.replace("Microsoft.Network", "Microsoft.ClassicNetwork");
    assert.ok(run(t, contoso({ subnet: classic }), opts).some((f) => f.code === "ClassicVnetNotSupported"));
    const noKv = recommended([], true);
    const nsg = noKv.networkSecurityGroups[0] as { securityRules: SecurityRule[] };
    nsg.securityRules = nsg.securityRules.filter((r) => r.name !== "to-keyvault");
    const kv = run(noKv, contoso(), opts).find((f) => f.code === "RequiredFlowBlocked");
    assert.equal(kv?.flow, "OUT-KV");
  });
  const sizing: [string, string, number, string, "current" | "seed2020", string | undefined][] = [
    ["T38", "Developer", 1, "External", "current", undefined],
    ["T38", "Developer", 1, "Internal", "current", undefined],
    ["T38", "Premium", 1, "External", "current", undefined],
    ["T38", "Premium", 1, "Internal", "current", undefined],
    ["T38", "Premium", 2, "External", "current", "SubnetTooSmall"],
    ["T39", "Premium", 1, "Internal", "seed2020", "SubnetTooSmall"],
    ["T39", "Premium", 1, "External", "seed2020", undefined],
    ["T39", "Developer", 1, "Internal", "seed2020", undefined],
    ["T39", "Developer", 1, "External", "seed2020", undefined],
  ];
  for (const [name, sku, capacity, type, model, code] of sizing)
    test(`${name} /29 ${sku}x${capacity} ${type} ${model} -> ${code ?? "ok"}`, () => {
      const f = run(recommended(), contoso({ sku, capacity, type, subnet: ids.snet29 }), { ipConsumptionModel: model });
      assert.deepEqual(
        f.filter((x) => x.code === "SubnetTooSmall").map((x) => x.code),
        code ? [code] : [],
      );
    });
  test("T40 larger subnets and SKU caps", () => {
    const at = (prefix: string, capacity: number, type: string, sku = "Premium") => {
      const t = recommended();
      const s = vnetA(t).subnets[2];
      if (s) s.addressPrefix = prefix;
      return codesOf(errors(run(t, contoso({ sku, capacity, type, subnet: ids.snet29 }))));
    };
    assert.deepEqual(at("10.0.3.16/28", 5, "Internal"), []);
    assert.deepEqual(at("10.0.3.16/28", 6, "External"), ["SubnetTooSmall"]);
    assert.deepEqual(at("10.0.3.16/28", 5, "External"), []);
    assert.deepEqual(at("10.0.3.0/27", 13, "Internal"), []);
    assert.deepEqual(at("10.0.3.0/27", 14, "Internal"), ["SubnetTooSmall"]);
    assert.deepEqual(at("10.0.3.0/25", 32, "External"), ["SkuCapacityExceeded"]);
    assert.ok(at("10.0.3.0/27", 2, "External", "Developer").includes("SkuCapacityExceeded"));
  });
  test("T41 shared stv1 subnet arithmetic", () => {
    const a = { serviceId: "a", subnetId: ids.snetApim, sku: "Premium", capacity: 2, mode: "External" as const };
    const b = { serviceId: "b", subnetId: ids.snetApim, sku: "Developer", capacity: 1, mode: "Internal" as const };
    assert.deepEqual(
      errors(
        run(recommended(), { ...contoso({ capacity: 2 }), id: "a" }, { otherInstances: [b], subscriptionId: "sub-1" }),
      ),
      [],
    );
    const c = run(
      recommended(),
      { ...contoso({ capacity: 3, type: "Internal" }), id: "c" },
      { otherInstances: [a, b], subscriptionId: "sub-1" },
    );
    const tooSmall = c.find((f) => f.code === "SubnetTooSmall");
    assert.match(tooSmall?.message ?? "", /11 usable addresses; 13 are required/);
    const t = recommended();
    vnetA(t).subnets.push({ id: `${ids.vnetA}/subnets/tiny`, name: "tiny", addressPrefix: "10.0.4.0/30" });
    assert.ok(run(t, contoso({ subnet: `${ids.vnetA}/subnets/tiny` })).some((f) => f.code === "SubnetPrefixTooSmall"));
  });
  test("T42 required vs optional flows", () => {
    assert.deepEqual(run(recommended(), contoso()), []);
    const sql = run(
      recommended([rule("deny-sql", 90, "Outbound", "Deny", "Tcp", "VirtualNetwork", "Sql", "1433")]),
      contoso(),
    );
    assert.deepEqual(
      sql.map((f) => [f.code, f.severity, f.target]),
      [["RequiredFlowBlocked", "error", `${ids.nsgApim}/securityRules/deny-sql`]],
    );
    const storage = run(
      recommended([rule("deny-st", 90, "Outbound", "Deny", "Tcp", "VirtualNetwork", "Storage", "443")]),
      contoso(),
    );
    assert.ok(storage.some((f) => f.code === "RequiredFlowBlocked" && f.flow === "OUT-STORAGE"));
    const eh = run(
      recommended([rule("deny-eh", 90, "Outbound", "Deny", "Tcp", "VirtualNetwork", "EventHub", "5671")]),
      contoso(),
    );
    assert.deepEqual(
      eh.map((f) => [f.code, f.severity]),
      [["OptionalFlowBlocked", "warning"]],
    );
    const mgmt = run(
      recommended([rule("deny-mgmt", 90, "Inbound", "Deny", "Tcp", "ApiManagement", "VirtualNetwork", "3443")]),
      contoso(),
    );
    assert.deepEqual(
      mgmt.map((f) => [f.code, f.flow]),
      [["RequiredFlowBlocked", "IN-MGMT"]],
    );
  });
  test("T43 load-balancer probe by SKU", () => {
    const t = recommended([rule("deny-lb", 90, "Inbound", "Deny", "*", "AzureLoadBalancer", "*", "*")]);
    assert.deepEqual(
      run(t, contoso()).map((f) => [f.code, f.severity]),
      [["LoadBalancerProbeBlocked", "error"]],
    );
    assert.deepEqual(
      run(t, contoso({ sku: "Developer" })).map((f) => [f.code, f.severity]),
      [["LoadBalancerProbeBlocked", "info"]],
    );
  });
  test("T44 custom DNS reachability", () => {
    const t = recommended([rule("deny-dns", 90, "Outbound", "Deny", "Udp", "*", "10.0.2.53", "53")]);
    vnetA(t).dhcpOptions = { dnsServers: ["10.0.2.53"] };
    assert.deepEqual(codesOf(run(t, contoso())), ["DnsServerUnreachable"]);
    const ok = recommended();
    vnetA(ok).dhcpOptions = { dnsServers: ["10.0.2.53"] };
    assert.deepEqual(run(ok, contoso()), []);
    ok.dnsServerBehaviour = { "10.0.2.53": { resolvesAzureNames: false } };
    assert.deepEqual(codesOf(run(ok, contoso())), ["DnsServerCannotResolveAzure"]);
    const onprem = recommended();
    vnetA(onprem).dhcpOptions = { dnsServers: ["192.168.10.4"] };
    assert.deepEqual(codesOf(run(onprem, contoso())), ["DnsServerUnreachable"]);
    vnetA(onprem).gateway = { gatewayType: "Vpn", localNetworkAddressPrefixes: ["192.168.0.0/16"] };
    assert.deepEqual(run(onprem, contoso()), []);
  });
  test("T45 Azure DNS is exempt", () => {
    const t = recommended([rule("deny-53", 90, "Outbound", "Deny", "Udp", "*", "*", "53")]);
    assert.deepEqual(run(t, contoso()), []);
    vnetA(t).dhcpOptions = { dnsServers: ["10.0.2.53"] };
    assert.deepEqual(codesOf(run(t, contoso())), ["DnsServerUnreachable"]);
  });

  const tunnel = (routes: Route[], endpoints: string[] = [], policy: "drop" | "forward" = "drop") => {
    const t = recommended();
    t.routeTables.push({
      id: ids.rtApim,
      name: "rt-apim",
      routes: [
        {
          name: "default-nva",
          addressPrefix: "0.0.0.0/0",
          nextHopType: "VirtualAppliance",
          nextHopIpAddress: "10.0.2.100",
        },
        ...routes,
      ],
    });
    const apim = vnetA(t).subnets[0];
    if (apim) {
      apim.routeTable = { id: ids.rtApim };
      apim.serviceEndpoints = endpoints.map((service) => ({ service }));
    }
    const nvaNic = t.networkInterfaces?.[2];
    if (nvaNic) nvaNic.forcedTunnelPolicy = policy;
    return run(t, contoso());
  };
  const summary = (f: ReturnType<typeof run>) =>
    f.map((x) => `${x.severity} ${x.code}${x.flow ? ` ${x.flow}` : ""}`).sort();
  const cpRoutes: Route[] = ["13.64.39.16", "104.214.19.224", "52.162.110.80"].map((ip, i) => ({
    name: `cp-${i}`,
    addressPrefix: `${ip}/32`,
    nextHopType: "Internet",
  }));
  const seedEndpoints = ["Microsoft.Storage", "Microsoft.Sql", "Microsoft.EventHub", "Microsoft.ServiceBus"];

  test("T46 forced tunnelling", () => {
    const f = tunnel([]);
    assert.deepEqual(summary(f), [
      "error ForcedTunnelControlPlaneAsymmetric",
      "error ForcedTunnelDependency OUT-SQL",
      "error ForcedTunnelDependency OUT-STORAGE",
      "warning ForcedTunnelClientAsymmetric",
      "warning ForcedTunnelDependency OUT-AAD",
      "warning ForcedTunnelDependency OUT-CERT",
      "warning ForcedTunnelDependency OUT-EH",
      "warning ForcedTunnelDependency OUT-GIT",
      "warning ForcedTunnelDependency OUT-HEALTH",
      "warning ForcedTunnelDependency OUT-MON",
      "warning ForcedTunnelDependency OUT-SMTP",
    ]);
    const cp = f.find((x) => x.code === "ForcedTunnelControlPlaneAsymmetric");
    for (const ip of ["13.64.39.16", "104.214.19.224", "52.162.110.80"])
      assert.match(cp?.message ?? "", new RegExp(ip.replaceAll(".", "\\.")));
  });
  test("T47 forced tunnelling fixed", () => {
    assert.deepEqual(summary(tunnel(cpRoutes, seedEndpoints)), [
      "warning ForcedTunnelClientAsymmetric",
      "warning ForcedTunnelDependency OUT-AAD",
      "warning ForcedTunnelDependency OUT-CERT",
      "warning ForcedTunnelDependency OUT-HEALTH",
      "warning ForcedTunnelDependency OUT-MON",
      "warning ForcedTunnelDependency OUT-SMTP",
    ]);
    assert.ok(
      summary(tunnel(cpRoutes.slice(0, 1), seedEndpoints)).includes("error ForcedTunnelControlPlaneAsymmetric"),
    );
    assert.ok(
      !summary(
        tunnel([{ name: "cp", addressPrefix: "ApiManagement", nextHopType: "Internet" }], seedEndpoints),
      ).includes("error ForcedTunnelControlPlaneAsymmetric"),
    );
    assert.deepEqual(summary(tunnel(cpRoutes, seedEndpoints, "forward")), ["warning ForcedTunnelClientAsymmetric"]);
  });
  test("T48 multi-region", () => {
    const svc = (subnet?: string) => ({
      ...contoso({ type: "Internal" }),
      properties: {
        ...contoso({ type: "Internal" }).properties,
        additionalLocations: [
          {
            location: "East US",
            sku: { name: "Premium", capacity: 1 },
            virtualNetworkConfiguration: subnet ? { subnetResourceId: subnet } : undefined,
          },
        ],
      },
    });
    const t = recommended();
    assert.ok(run(t, svc()).some((f) => f.code === "MultiRegionLocationVnetMissing"));
    assert.deepEqual(errors(run(t, svc(ids.snetApimEast))), []);
    assert.ok(run(t, svc(ids.snet29)).some((f) => f.code === "VnetRegionMismatch" && f.location === "East US"));
    const east = recommended();
    const rules = recommendedRules().map((r) =>
      r.name === "to-storage" ? { ...r, destinationAddressPrefix: "Storage.EastUS" } : r,
    );
    east.networkSecurityGroups.push({ id: ids.nsgEast, name: "nsg-apim-east", securityRules: rules });
    const eastSubnet = east.virtualNetworks[2]?.subnets[0];
    if (eastSubnet) eastSubnet.networkSecurityGroup = { id: ids.nsgEast };
    const f = run(east, svc(ids.snetApimEast)).filter((x) => x.location === "East US");
    assert.ok(!f.some((x) => x.flow === "OUT-STORAGE"));
    assert.ok(f.some((x) => x.code === "RegionalServiceTagMissingPrimary" && x.severity === "warning"));
  });
});

describe("§19.7 addresses", () => {
  test("T49 reserved addresses", () => {
    const p = (t: string) => (parseCidr(t) as { ok: true; cidr: ReturnType<typeof usableRange> & never }).cidr;
    const a = parseCidr("10.0.3.16/29");
    assert.ok(a.ok);
    assert.deepEqual(reservedAddresses(a.cidr).map(formatIpv4), [
      "10.0.3.16",
      "10.0.3.17",
      "10.0.3.18",
      "10.0.3.19",
      "10.0.3.23",
    ]);
    const u = usableRange(a.cidr);
    assert.deepEqual([formatIpv4(u.first), formatIpv4(u.last), u.count], ["10.0.3.20", "10.0.3.22", 3]);
    const b = parseCidr("10.0.1.0/28");
    assert.ok(b.ok);
    const ub = usableRange(b.cidr);
    assert.deepEqual([formatIpv4(ub.first), formatIpv4(ub.last), ub.count], ["10.0.1.4", "10.0.1.14", 11]);
    void p;
  });
  test("T50 address outputs", () => {
    assert.deepEqual(allocateAddresses("10.0.1.0/28", { sku: "Premium", capacity: 1, mode: "External" })?.dips, [
      "10.0.1.4",
      "10.0.1.5",
    ]);
    const internal = allocateAddresses("10.0.1.0/28", { sku: "Premium", capacity: 1, mode: "Internal" });
    assert.deepEqual([internal?.privateVip, internal?.dips], ["10.0.1.4", ["10.0.1.5", "10.0.1.6"]]);
    const seed = allocateAddresses(
      "10.0.1.0/28",
      { sku: "Premium", capacity: 1, mode: "External" },
      { model: "seed2020" },
    );
    assert.deepEqual([seed?.dips, seed?.externalLbReserved], [["10.0.1.4", "10.0.1.5"], "10.0.1.6"]);
    assert.deepEqual(
      allocateAddresses("10.0.1.0/28", { sku: "Premium", capacity: 2, mode: "External" })?.dips.slice(2),
      ["10.0.1.6", "10.0.1.7"],
    );
    assert.deepEqual(allocateAddresses("10.0.3.16/29", { sku: "Premium", capacity: 1, mode: "External" })?.dips, [
      "10.0.3.20",
      "10.0.3.21",
    ]);
  });
});

describe("§19.7 public IPs and reachability", () => {
  const pip = (name: string, extra: Partial<PublicIpAddress> = {}): PublicIpAddress => ({
    id: `/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/${name}`,
    subscriptionId: "sub-1",
    location: "westus",
    sku: "Standard",
    publicIPAddressVersion: "IPv4",
    ipAddress: "192.0.2.70",
    ...extra,
  });
  const pips = [
    pip("pip-1"),
    pip("pip-2"),
    pip("pip-basic", { sku: "Basic" }),
    pip("pip-east", { location: "eastus" }),
  ];
  const withPip = (name: string, type = "External") => {
    const s = contoso({ type });
    return { ...s, properties: { ...s.properties, publicIpAddressId: pip(name).id } };
  };
  const v14 = (svc: Svc, previous?: DeploymentValidationOptions["previous"]) =>
    run(recommended([], true), svc, { platformVersion: "stv2", publicIpAddresses: pips, previous })
      .filter((f) => f.check === "V14")
      .map((f) => f.code);

  test("T52 stv2 public IP", () => {
    assert.deepEqual(v14(withPip("pip-1")), []);
    const deployed = {
      virtualNetworkType: "External",
      locations: { "West US": { subnetResourceId: ids.snetApim, publicIpAddressId: pip("pip-1").id } },
    };
    assert.deepEqual(v14(withPip("pip-1", "Internal"), deployed), ["PublicIpReused"]);
    assert.deepEqual(v14(withPip("pip-2", "Internal"), deployed), []);
    assert.deepEqual(v14(withPip("pip-basic")), ["PublicIpInvalid"]);
    assert.deepEqual(v14(withPip("pip-east")), ["PublicIpInvalid"]);
  });

  test("T55 reachability of the Internal listener", () => {
    const t = recommended();
    vnetA(t).virtualNetworkPeerings = [{ remoteVirtualNetworkId: ids.vnetB }, { remoteVirtualNetworkId: ids.vnetC }];
    const b = t.virtualNetworks[1];
    const c = t.virtualNetworks[2];
    if (b) b.virtualNetworkPeerings = [{ remoteVirtualNetworkId: ids.vnetA }];
    if (c) c.virtualNetworkPeerings = [{ remoteVirtualNetworkId: ids.vnetA }];
    const idx = compileFixture(t);
    const ask = (clientIp: string, platformVersion: "stv1" | "stv2" = "stv1") =>
      listenerReachable(idx, {
        apimSubnetId: ids.snetApim,
        mode: "Internal",
        platformVersion,
        unitIp: "10.0.1.5",
        port: 443,
        clientIp,
      });
    assert.deepEqual(ask("10.1.0.4"), { reachable: true });
    assert.equal((ask("10.2.1.4") as { reason: string }).reason, "GlobalPeeringBasicIlb");
    assert.deepEqual(ask("10.2.1.4", "stv2"), { reachable: true });
    assert.equal((ask("203.0.113.10") as { reason: string }).reason, "PrivateListener");
    const ext = listenerReachable(idx, {
      apimSubnetId: ids.snetApim,
      mode: "External",
      unitIp: "10.0.1.4",
      port: 443,
      clientIp: "203.0.113.10",
    });
    assert.deepEqual(ext, { reachable: true });
  });
});

describe("§17.1 address changes", () => {
  test("T51 VIP changes", () => {
    const none = { virtualNetworkType: "None" } as const;
    const ext = { virtualNetworkType: "External", subnetResourceId: ids.snetApim } as const;
    const int = { virtualNetworkType: "Internal", subnetResourceId: ids.snetApim } as const;
    assert.deepEqual([addressChange(none, ext).publicVip, addressChange(none, ext).privateVip], [true, "none"]);
    assert.deepEqual([addressChange(ext, int).publicVip, addressChange(ext, int).privateVip], [true, "allocate"]);
    assert.deepEqual([addressChange(int, ext).publicVip, addressChange(int, ext).privateVip], [true, "release"]);
    assert.deepEqual(addressChange(ext, ext), {
      publicVip: false,
      privateVip: "none",
      dips: false,
      reason: "no address change (capacity, hostnames and policies keep the VIPs)",
    });
    assert.equal(addressChange(ext, { ...ext, subnetResourceId: ids.snet29 }).publicVip, true);
    const given: string[] = [];
    for (let i = 0; i < 4; i++) given.push(drawPublicVip("192.0.2.64/26", [], given) as string);
    assert.deepEqual(given, ["192.0.2.65", "192.0.2.66", "192.0.2.67", "192.0.2.68"]);
  });
  test("findings map to NetworkValidationResult", () => {
    const f = run(
      recommended([rule("deny-sql", 90, "Outbound", "Deny", "Tcp", "VirtualNetwork", "Sql", "1433")]),
      contoso(),
    );
    const [r] = toNetworkValidationResults(f);
    assert.deepEqual(
      [r?.location, r?.code, r?.severity, r?.target],
      ["West US", "RequiredFlowBlocked", "Error", `${ids.nsgApim}/securityRules/deny-sql`],
    );
  });
});

describe("§17.2/17.4 subnet lifecycle", () => {
  const snet = () => {
    const s = fixtureTopology().virtualNetworks[0]?.subnets[0];
    assert.ok(s);
    return s;
  };
  const codes = (ds: { code: string }[]) => ds.map((d) => d.code);
  test("T36 navigation link reserves the subnet; deleting the service removes it", () => {
    const linked = linkService(snet(), ids.service);
    assert.deepEqual(
      linked.resourceNavigationLinks?.map((l) => l.link),
      [ids.service],
    );
    assert.deepEqual(codes(checkSubnetOperation(linked, "createResource", 0)), ["SubnetHasResourceNavigationLink"]);
    const released = releaseSubnet(linked, ids.service, "2019-12-01", 0);
    assert.deepEqual(released.resourceNavigationLinks, []);
    assert.deepEqual(checkSubnetOperation(released, "createResource", 0), []);
  });
  test("T59 legacy lock for six hours", () => {
    const t0 = Date.parse("2024-01-01T00:00:00Z");
    const locked = releaseSubnet(linkService(snet(), ids.service), ids.service, "2018-01-01", t0);
    assert.equal(locked.releaseLock?.until, "2024-01-01T06:00:00.000Z");
    assert.deepEqual(codes(checkSubnetOperation(locked, "createResource", t0 + 3600_000)), ["SubnetLocked"]);
    assert.deepEqual(codes(checkSubnetOperation(locked, "deleteVirtualNetwork", t0 + 3600_000)), [
      "InUseSubnetCannotBeDeleted",
    ]);
    assert.deepEqual(checkSubnetOperation(locked, "createResource", t0 + 6 * 3600_000), []);
    assert.deepEqual(checkSubnetOperation(locked, "deleteVirtualNetwork", t0 + 6 * 3600_000), []);
    const t = recommended();
    const apim = vnetA(t).subnets[0];
    if (apim) apim.releaseLock = locked.releaseLock;
    assert.ok(run(t, contoso(), { nowMs: t0 + 3600_000 }).some((f) => f.code === "SubnetLocked"));
    assert.ok(!run(t, contoso(), { nowMs: t0 + 6 * 3600_000 }).some((f) => f.code === "SubnetLocked"));
  });
  test("T60 subnet with API Management cannot move subscription", () => {
    assert.deepEqual(codes(checkSubnetOperation(linkService(snet(), ids.service), "moveToAnotherSubscription", 0)), [
      "SubnetMoveNotAllowed",
    ]);
  });
});

describe("Internal-mode client filter", () => {
  test("inside the network, peered, on-premises; not the internet", () => {
    const t = recommended();
    vnetA(t).virtualNetworkPeerings = [{ remoteVirtualNetworkId: ids.vnetB }];
    vnetA(t).gateway = { gatewayType: "Vpn", localNetworkAddressPrefixes: ["192.168.0.0/16"] };
    const allowed = compileClientFilter(compileFixture(t), ids.snetApim);
    for (const [ip, ok] of [
      ["10.0.2.4", true],
      ["::ffff:10.1.0.9", true],
      ["192.168.7.7", true],
      ["203.0.113.10", false],
      ["10.9.0.1", false],
      ["not-an-ip", false],
    ] as const)
      assert.equal(allowed(ip), ok, ip);
  });
});
