// Spec network.md §19.2–19.3: T01–T21 (NSG rule validation, evaluation, IP flow verify).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SecurityRule, Topology } from "./model.js";
import { evaluateFlow, type Flow, ipFlowVerify } from "./nsg-eval.js";
import { validateSecurityRules } from "./nsg-rules.js";
import { compileFixture, fixtureCatalog, fixtureTopology, ids, rule } from "./test-support/fixtures.js";

const catalog = fixtureCatalog();
const codes = (rules: SecurityRule[]) => validateSecurityRules(rules, catalog).diagnostics.map((d) => d.code);
const inbound = (name: string, priority: number, extra: Partial<SecurityRule> = {}): SecurityRule => ({
  ...rule(name, priority, "Inbound", "Allow", "Tcp", "*", "*", "443"),
  ...extra,
});

describe("§19.2 NSG rule validation", () => {
  test("T01 priority bounds", () => {
    for (const [p, ok] of [
      [99, false],
      [4097, false],
      [100, true],
      [4096, true],
    ] as const)
      assert.deepEqual(codes([inbound("r", p)]), ok ? [] : ["SecurityRuleInvalidPriority"], `priority ${p}`);
  });
  test("T02 priority conflict per direction", () => {
    const d = validateSecurityRules([inbound("a", 300), inbound("b", 300)], catalog).diagnostics;
    assert.equal(d[0]?.code, "SecurityRuleConflict");
    assert.match(d[0]?.message ?? "", /rule a conflicts with rule b/);
    assert.deepEqual(codes([inbound("a", 300), { ...inbound("b", 300), direction: "Outbound" }]), []);
  });
  test("T03 port syntax", () => {
    const cases: [Partial<SecurityRule>, boolean][] = [
      [{ destinationPortRange: "80,443" }, false],
      [{ destinationPortRange: undefined, destinationPortRanges: ["80", "443"] }, true],
      [{ destinationPortRange: "65536" }, false],
      [{ destinationPortRange: "443-80" }, false],
      [{ destinationPortRange: "6381-6383" }, true],
      [{ destinationPortRange: "*" }, true],
    ];
    for (const [extra, ok] of cases)
      assert.deepEqual(
        codes([inbound("r", 200, extra)]),
        ok ? [] : ["SecurityRuleInvalidPortRange"],
        JSON.stringify(extra),
      );
  });
  test("T04 plural prefixes refuse tags and *", () => {
    const plural = (list: string[]) =>
      codes([inbound("r", 200, { sourceAddressPrefix: undefined, sourceAddressPrefixes: list })]);
    assert.deepEqual(plural(["VirtualNetwork", "10.0.0.0/8"]), ["SecurityRuleParameterContainsUnsupportedValue"]);
    assert.deepEqual(plural(["*"]), ["SecurityRuleParameterContainsUnsupportedValue"]);
    assert.deepEqual(plural(["10.0.0.0/8", "192.168.1.1"]), []);
  });
  test("T05 bad prefixes; regional tags normalised", () => {
    for (const p of ["any", "10.0.0.0/33", "Storage.Atlantis", "AzureActiveDirectory.WestUS", "10.0.0.1/24"])
      assert.deepEqual(codes([inbound("r", 200, { sourceAddressPrefix: p })]), ["SecurityRuleInvalidAddressPrefix"], p);
    const { rules, diagnostics } = validateSecurityRules(
      [inbound("r", 200, { sourceAddressPrefix: "storage.westus" })],
      catalog,
    );
    assert.deepEqual(diagnostics, []);
    assert.equal(rules[0]?.stored.sourceAddressPrefix, "Storage.WestUS");
  });
  test("T06 protocols", () => {
    for (const [p, canonical] of [
      ["Tcp", "Tcp"],
      ["udp", "Udp"],
      ["ICMP", "Icmp"],
      ["Esp", "Esp"],
      ["Ah", "Ah"],
      ["*", "*"],
    ]) {
      const { rules, diagnostics } = validateSecurityRules([inbound("r", 200, { protocol: p as string })], catalog);
      assert.deepEqual(diagnostics, []);
      assert.equal(rules[0]?.protocol, canonical);
    }
    assert.deepEqual(codes([inbound("r", 200, { protocol: "Gre" })]), ["SecurityRuleInvalidProtocol"]);
  });
  test("T07 names and limits", () => {
    assert.deepEqual(codes([inbound("a".repeat(80), 200)]), []);
    assert.deepEqual(codes([inbound("a".repeat(81), 200)]), ["SecurityRuleInvalidName"]);
    for (const [n, ok] of [
      ["-x", false],
      ["x-", false],
      ["x_", true],
      ["a.b-c_d", true],
    ] as const)
      assert.deepEqual(codes([inbound(n, 200)]), ok ? [] : ["SecurityRuleInvalidName"], n);
    const many = Array.from({ length: 1001 }, (_, i) =>
      inbound(`r${i}`, 100 + (i % 3000), { direction: i < 3000 ? "Inbound" : "Outbound" }),
    );
    assert.ok(codes(many).includes("NetworkSecurityGroupRuleLimitExceeded"));
  });
});

function withRules(rules: SecurityRule[], mutate?: (t: Topology) => void) {
  const t = fixtureTopology();
  (t.networkSecurityGroups[0] as { securityRules: SecurityRule[] }).securityRules = rules;
  mutate?.(t);
  return t;
}

function decide(
  t: Topology,
  flow: Flow,
  target = { subnetId: ids.snetApim } as { subnetId: string; nicId?: string },
  options = {},
) {
  const d = evaluateFlow(compileFixture(t, options), target, flow);
  if ("error" in d) throw new Error(d.error);
  return d;
}

const tcpIn = (src: string, dst: string, port: number): Flow => ({
  direction: "Inbound",
  protocol: "Tcp",
  srcIp: src,
  srcPort: 50000,
  dstIp: dst,
  dstPort: port,
});
const tcpOut = (src: string, dst: string, port: number): Flow => ({
  direction: "Outbound",
  protocol: "Tcp",
  srcIp: src,
  srcPort: 40000,
  dstIp: dst,
  dstPort: port,
});
const denyAllIn = rule("deny-all-in", 4000, "Inbound", "Deny", "*", "*", "*", "*");

describe("§19.3 NSG evaluation / IP flow verify", () => {
  const cases: [string, SecurityRule[], Flow, "Allow" | "Deny", string | undefined][] = [
    ["T08 default deny", [], tcpIn("203.0.113.10", "10.0.1.4", 443), "Deny", "defaultSecurityRules/DenyAllInBound"],
    [
      "T09 default vnet allow",
      [],
      tcpIn("10.0.2.4", "10.0.1.4", 443),
      "Allow",
      "defaultSecurityRules/AllowVnetInBound",
    ],
    [
      "T10 host VIP is VirtualNetwork",
      [],
      tcpIn("168.63.129.16", "10.0.1.4", 6390),
      "Allow",
      "defaultSecurityRules/AllowVnetInBound",
    ],
    ["T11 probe blocked", [denyAllIn], tcpIn("168.63.129.16", "10.0.1.4", 6390), "Deny", "securityRules/deny-all-in"],
    [
      "T11 probe allowed",
      [denyAllIn, rule("allow-lb", 3000, "Inbound", "Allow", "Tcp", "AzureLoadBalancer", "VirtualNetwork", "6390")],
      tcpIn("168.63.129.16", "10.0.1.4", 6390),
      "Allow",
      "securityRules/allow-lb",
    ],
    [
      "T11 other port",
      [denyAllIn, rule("allow-lb", 3000, "Inbound", "Allow", "Tcp", "AzureLoadBalancer", "VirtualNetwork", "6390")],
      tcpIn("168.63.129.16", "10.0.1.4", 6391),
      "Deny",
      "securityRules/deny-all-in",
    ],
    [
      "T12 outbound default to Storage",
      [],
      tcpOut("10.0.1.4", "198.51.100.10", 443),
      "Allow",
      "defaultSecurityRules/AllowInternetOutBound",
    ],
  ];
  const t13 = [
    rule("to-storage", 100, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Storage", "443"),
    rule("deny-internet", 4096, "Outbound", "Deny", "*", "*", "Internet", "*"),
  ];
  cases.push(
    ["T13 tag allow", t13, tcpOut("10.0.1.4", "198.51.100.10", 443), "Allow", "securityRules/to-storage"],
    ["T13 other port deny", t13, tcpOut("10.0.1.4", "198.51.100.10", 445), "Deny", "securityRules/deny-internet"],
    ["T13 vnet allowed", t13, tcpOut("10.0.1.4", "10.0.2.4", 1433), "Allow", "defaultSecurityRules/AllowVnetOutBound"],
  );
  const t14 = [
    rule("to-storage-wus", 100, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Storage.WestUS", "443"),
    rule("deny-internet", 4096, "Outbound", "Deny", "*", "*", "Internet", "*"),
  ];
  cases.push(
    ["T14 other region denied", t14, tcpOut("10.0.1.4", "198.51.100.70", 443), "Deny", "securityRules/deny-internet"],
    ["T14 own region allowed", t14, tcpOut("10.0.1.4", "198.51.100.10", 443), "Allow", "securityRules/to-storage-wus"],
  );
  const t15 = [rule("rl", 200, "Inbound", "Allow", "Udp", "VirtualNetwork", "VirtualNetwork", "4290"), denyAllIn];
  cases.push(
    ["T15 udp allowed", t15, { ...tcpIn("10.0.2.4", "10.0.1.4", 4290), protocol: "Udp" }, "Allow", "securityRules/rl"],
    ["T15 tcp denied", t15, tcpIn("10.0.2.4", "10.0.1.4", 4290), "Deny", "securityRules/deny-all-in"],
  );
  const t16 = [
    rule("cache", 200, "Inbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "6381-6383"),
    denyAllIn,
  ];
  cases.push(
    ["T16 in range", t16, tcpIn("10.0.2.4", "10.0.1.4", 6383), "Allow", "securityRules/cache"],
    ["T16 out of range", t16, tcpIn("10.0.2.4", "10.0.1.4", 6384), "Deny", "securityRules/deny-all-in"],
    ["T20 intra-subnet", [denyAllIn], tcpIn("10.0.1.4", "10.0.1.6", 6381), "Deny", "securityRules/deny-all-in"],
  );
  for (const [name, rules, flow, access, ruleName] of cases)
    test(name, () => {
      const d = decide(withRules(rules), flow);
      assert.equal(d.access, access);
      assert.equal(d.ruleName, ruleName);
    });

  test("T10 with vnetTagIncludesHostVip=false", () => {
    const d = decide(withRules([]), tcpIn("168.63.129.16", "10.0.1.4", 6390), undefined, {
      vnetTagIncludesHostVip: false,
    });
    assert.equal(d.ruleName, "defaultSecurityRules/AllowAzureLoadBalancerInBound");
  });

  test("T17 subnet then NIC inbound, NIC then subnet outbound", () => {
    const build = (vm1Rules?: SecurityRule[]) => {
      const t = fixtureTopology();
      t.networkSecurityGroups.push({
        id: ids.nsgApps,
        name: "nsg-apps",
        securityRules: [rule("web", 100, "Inbound", "Allow", "Tcp", "Internet", "*", "80")],
      });
      (t.virtualNetworks[0]?.subnets[1] as { networkSecurityGroup?: { id: string } }).networkSecurityGroup = {
        id: ids.nsgApps,
      };
      if (vm1Rules) {
        t.networkSecurityGroups.push({ id: ids.nsgVm1, name: "nsg-vm1", securityRules: vm1Rules });
        (t.networkInterfaces?.[0] as { networkSecurityGroup?: { id: string } }).networkSecurityGroup = {
          id: ids.nsgVm1,
        };
      }
      return t;
    };
    const target = { subnetId: ids.snetApps, nicId: ids.nicVm1 };
    let d = decide(build([]), tcpIn("203.0.113.10", "10.0.2.4", 80), target);
    assert.deepEqual([d.access, d.nsgId, d.ruleName], ["Deny", ids.nsgVm1, "defaultSecurityRules/DenyAllInBound"]);
    d = decide(build(), tcpIn("203.0.113.10", "10.0.2.4", 80), target);
    assert.deepEqual([d.access, d.nsgId, d.ruleName], ["Allow", ids.nsgApps, "securityRules/web"]);
    d = decide(
      build([rule("no-web-out", 100, "Outbound", "Deny", "Tcp", "*", "Internet", "80")]),
      tcpOut("10.0.2.4", "203.0.113.10", 80),
      target,
    );
    assert.deepEqual([d.access, d.nsgId, d.trace.length], ["Deny", ids.nsgVm1, 1]);
  });

  test("T18 no NSG anywhere", () => {
    const t = fixtureTopology();
    const apim = t.virtualNetworks[0]?.subnets[0];
    assert.ok(apim);
    delete apim.networkSecurityGroup;
    const r = ipFlowVerify(compileFixture(t), {
      targetResourceId: ids.snetApim,
      direction: "Inbound",
      protocol: "TCP",
      localPort: "443",
      remotePort: "50000",
      localIPAddress: "10.0.1.4",
      remoteIPAddress: "203.0.113.10",
    });
    assert.ok(r.ok);
    assert.deepEqual(r.result, { access: "Allow" });
  });

  test("T19 application security groups", () => {
    const rules = [
      {
        ...rule("from-web", 100, "Inbound", "Allow", "Tcp", "*", "10.0.1.0/28", "443"),
        sourceAddressPrefix: undefined,
        sourceApplicationSecurityGroups: [{ id: ids.asgWeb }],
      },
      denyAllIn,
    ];
    const idx = compileFixture(withRules(rules));
    const at = (src: string, srcNic?: string) =>
      evaluateFlow(idx, { subnetId: ids.snetApim }, { ...tcpIn(src, "10.0.1.4", 443), srcNic });
    assert.equal((at("10.0.2.4", ids.nicVm1) as { ruleName: string }).ruleName, "securityRules/from-web");
    assert.equal((at("10.0.2.5", ids.nicVm2) as { ruleName: string }).ruleName, "securityRules/deny-all-in");
    assert.equal((at("203.0.113.10") as { ruleName: string }).ruleName, "securityRules/deny-all-in");
  });

  test("T21 IP flow verify input checks", () => {
    const idx = compileFixture(fixtureTopology());
    const base = {
      targetResourceId: ids.snetApim,
      direction: "Inbound",
      protocol: "TCP",
      localPort: "443",
      remotePort: "50000",
      localIPAddress: "10.0.1.4",
      remoteIPAddress: "203.0.113.10",
    };
    for (const [field, value] of [
      ["protocol", "ICMP"],
      ["localPort", "80-90"],
      ["localIPAddress", "10.0.1"],
    ]) {
      const r = ipFlowVerify(idx, { ...base, [field as string]: value });
      assert.equal(r.ok, false, field);
      if (!r.ok)
        assert.deepEqual([r.diagnostics[0]?.code, r.diagnostics[0]?.path], ["InvalidIpFlowVerifyParameters", field]);
    }
  });
});

describe("IPv6 in rules", () => {
  test("accepted and ignored by IPv4 evaluation", () => {
    const { rules, diagnostics } = validateSecurityRules(
      [
        inbound("v6", 200, { sourceAddressPrefix: "2001:db8::/32" }),
        inbound("mixed", 210, {
          sourceAddressPrefix: undefined,
          sourceAddressPrefixes: ["2001:db8::/32", "10.0.0.0/8"],
        }),
      ],
      catalog,
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      rules.map((r) => (r.source.kind === "cidrs" ? r.source.cidrs.map((c) => c.text) : r.source.kind)),
      [[], ["10.0.0.0/8"]],
    );
  });
});
