// Spec network.md §19.4–19.5: T22–T33 (service tags per context, routing).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parseIpv4 } from "./ipv4.js";
import type { Route, Topology } from "./model.js";
import { evaluateFlow, type Flow } from "./nsg-eval.js";
import { validateSecurityRules } from "./nsg-rules.js";
import { effectiveRoutes, nextHop } from "./routes.js";
import { loadServiceTags } from "./service-tags.js";
import {
  compileFixture,
  fixtureCatalog,
  fixtureTopology,
  ids,
  rule,
  sampleTagsPath,
  tagOverlay,
} from "./test-support/fixtures.js";

const tcpIn = (src: string, port = 443): Flow => ({
  direction: "Inbound",
  protocol: "Tcp",
  srcIp: src,
  srcPort: 50000,
  dstIp: "10.0.1.4",
  dstPort: port,
});
const vnetA = (t: Topology) => t.virtualNetworks[0] as Topology["virtualNetworks"][number];

function ruleAt(t: Topology, flow: Flow, options = {}) {
  const d = evaluateFlow(compileFixture(t, options), { subnetId: ids.snetApim }, flow);
  if ("error" in d) throw new Error(d.error);
  return `${d.access} ${d.ruleName}`;
}

function withRouteTable(
  t: Topology,
  id: string,
  subnetIndex: number,
  routes: Route[],
  disableBgpRoutePropagation = false,
): Topology {
  t.routeTables.push({ id, name: id.split("/").pop() as string, routes, disableBgpRoutePropagation });
  const subnet = vnetA(t).subnets[subnetIndex];
  if (subnet) subnet.routeTable = { id };
  return t;
}

const nva = (addressPrefix: string, ip = "10.0.2.100"): Route => ({
  name: `to-${addressPrefix.replace(/\W/g, "-")}`,
  addressPrefix,
  nextHopType: "VirtualAppliance",
  nextHopIpAddress: ip,
});

describe("§19.4 service tags", () => {
  test("T22 peering enters VirtualNetwork", () => {
    const t = fixtureTopology();
    vnetA(t).virtualNetworkPeerings = [{ remoteVirtualNetworkId: ids.vnetB, peeringState: "Connected" }];
    assert.equal(ruleAt(t, tcpIn("10.1.0.4")), "Allow defaultSecurityRules/AllowVnetInBound");
    vnetA(t).virtualNetworkPeerings = [];
    assert.equal(ruleAt(t, tcpIn("10.1.0.4")), "Deny defaultSecurityRules/DenyAllInBound");
  });
  test("T23 on-premises enters VirtualNetwork", () => {
    const t = fixtureTopology();
    assert.equal(ruleAt(t, tcpIn("192.168.5.5")), "Deny defaultSecurityRules/DenyAllInBound");
    vnetA(t).gateway = { gatewayType: "Vpn", localNetworkAddressPrefixes: ["192.168.0.0/16"] };
    assert.equal(ruleAt(t, tcpIn("192.168.5.5")), "Allow defaultSecurityRules/AllowVnetInBound");
  });
  test("T24 default route widens VirtualNetwork", () => {
    const t = withRouteTable(fixtureTopology(), ids.rtApim, 0, [nva("0.0.0.0/0")]);
    assert.equal(ruleAt(t, tcpIn("203.0.113.10")), "Allow defaultSecurityRules/AllowVnetInBound");
    assert.equal(
      ruleAt(t, tcpIn("203.0.113.10"), { vnetTagIncludesUdrPrefixes: false }),
      "Deny defaultSecurityRules/DenyAllInBound",
    );
    for (const flag of [true, false])
      assert.ok(
        compileFixture(t, { vnetTagIncludesUdrPrefixes: flag })
          .tagContext(ids.snetApim)
          .isInternet(parseIpv4("203.0.113.10") as number),
      );
  });
  test("T25 classic aliases", () => {
    for (const [alias, canonical] of [
      ["VIRTUAL_NETWORK", "VirtualNetwork"],
      ["INTERNET", "Internet"],
      ["AZURE_LOADBALANCER", "AzureLoadBalancer"],
      ["AZURE_LOAD_BALANCER", "AzureLoadBalancer"],
      ["virtualnetwork", "VirtualNetwork"],
    ]) {
      const { rules, diagnostics } = validateSecurityRules(
        [rule("r", 100, "Inbound", "Allow", "Tcp", alias as string, "*", "*")],
        fixtureCatalog(),
      );
      assert.deepEqual(diagnostics, []);
      assert.equal(rules[0]?.stored.sourceAddressPrefix, canonical);
    }
    const t = fixtureTopology();
    (t.networkSecurityGroups[0] as { securityRules: unknown[] }).securityRules = [
      rule("lb", 100, "Inbound", "Deny", "Tcp", "AZURE_LOAD_BALANCER", "*", "*"),
    ];
    assert.equal(ruleAt(t, tcpIn("168.63.129.16")), "Deny securityRules/lb");
  });
  test("T26 hierarchy", () => {
    const idx = compileFixture(fixtureTopology());
    const ctx = idx.tagContext(ids.snetApim);
    const c = fixtureCatalog();
    const has = (tag: string, ip: string) =>
      ctx.contains(c.resolve(tag) as NonNullable<ReturnType<typeof c.resolve>>, parseIpv4(ip) as number);
    for (const tag of ["Storage.WestUS", "Storage", "AzureCloud", "Internet"])
      assert.ok(has(tag, "198.51.100.10"), tag);
    assert.ok(!has("VirtualNetwork", "198.51.100.10"));
    assert.ok(!has("Storage.EastUS", "198.51.100.10"));
    assert.ok(!has("Internet", "10.0.2.4"));
  });
});

const hop = (t: Topology, subnet: string, dst: string) => {
  const h = nextHop(compileFixture(t), subnet, dst);
  return h ? `${h.nextHopType}${h.nextHopIpAddress ? ` ${h.nextHopIpAddress}` : ""}` : "unknown";
};

describe("§19.5 routing", () => {
  test("T27 longest prefix, UDR over system", () => {
    const t = withRouteTable(fixtureTopology(), ids.rtApps, 1, [
      nva("10.0.0.0/16", "10.0.3.20"),
      { name: "local", addressPrefix: "10.0.2.0/24", nextHopType: "VnetLocal" },
    ]);
    assert.equal(hop(t, ids.snetApps, "10.0.2.9"), "VnetLocal");
    assert.equal(hop(t, ids.snetApps, "10.0.1.4"), "VirtualAppliance 10.0.3.20");
    const sys = effectiveRoutes(compileFixture(t), ids.snetApps).find(
      (r) => r.source === "Default" && r.addressPrefix === "10.0.0.0/16",
    );
    assert.equal(sys?.state, "Invalid");
  });
  test("T28 reserved prefixes", () => {
    const t = fixtureTopology();
    for (const [dst, expected] of [
      ["192.168.1.1", "None"],
      ["10.5.0.1", "None"],
      ["172.20.0.1", "None"],
      ["100.64.0.1", "None"],
      ["8.8.8.8", "Internet"],
      ["10.0.2.4", "VnetLocal"],
    ])
      assert.equal(hop(t, ids.snetApim, dst as string), expected, dst);
  });
  test("T29 default-route override", () => {
    const t = withRouteTable(fixtureTopology(), ids.rtApim, 0, [nva("0.0.0.0/0")]);
    assert.equal(hop(t, ids.snetApim, "8.8.8.8"), "VirtualAppliance 10.0.2.100");
    assert.equal(hop(t, ids.snetApim, "192.168.1.1"), "VirtualAppliance 10.0.2.100");
    assert.equal(hop(t, ids.snetApim, "10.0.2.4"), "VnetLocal");
  });
  test("T30 service endpoint beats the tunnel, per subnet", () => {
    const t = withRouteTable(fixtureTopology(), ids.rtApim, 0, [nva("0.0.0.0/0")]);
    const apim = vnetA(t).subnets[0];
    assert.ok(apim);
    apim.serviceEndpoints = [{ service: "Microsoft.Storage", locations: ["westus"] }];
    assert.equal(hop(t, ids.snetApim, "198.51.100.10"), "VirtualNetworkServiceEndpoint");
    assert.equal(hop(t, ids.snetApim, "198.51.100.70"), "VirtualAppliance 10.0.2.100");
    assert.equal(hop(t, ids.snetApim, "198.51.100.130"), "VirtualAppliance 10.0.2.100");
    apim.serviceEndpoints = [];
    const apps = vnetA(t).subnets[1];
    if (apps) apps.serviceEndpoints = [{ service: "Microsoft.Storage", locations: ["westus"] }];
    assert.equal(hop(t, ids.snetApim, "198.51.100.10"), "VirtualAppliance 10.0.2.100");
  });
  test("T32 BGP rules", () => {
    const t = fixtureTopology();
    vnetA(t).gateway = { gatewayType: "Vpn", bgpRoutes: ["10.0.1.0/24"] };
    assert.equal(hop(t, ids.snetApps, "10.0.1.4"), "VnetLocal");
    vnetA(t).gateway = { gatewayType: "Vpn", localNetworkAddressPrefixes: ["192.168.0.0/16"] };
    withRouteTable(t, ids.rtApps, 1, [nva("192.168.0.0/16")]);
    assert.equal(hop(t, ids.snetApps, "192.168.1.1"), "VirtualAppliance 10.0.2.100");
    const t2 = fixtureTopology();
    vnetA(t2).gateway = { gatewayType: "Vpn", localNetworkAddressPrefixes: ["192.168.0.0/16"] };
    assert.equal(hop(t2, ids.snetApps, "192.168.1.1"), "VirtualNetworkGateway");
    withRouteTable(t2, ids.rtApps, 1, [], true);
    assert.equal(hop(t2, ids.snetApps, "192.168.1.1"), "None");
  });
  test("T33 service tags in UDRs", () => {
    const t = withRouteTable(fixtureTopology(), ids.rtApim, 0, [
      nva("Storage", "10.0.3.20"),
      { name: "b", addressPrefix: "198.51.100.0/26", nextHopType: "Internet" },
    ]);
    assert.equal(hop(t, ids.snetApim, "198.51.100.10"), "Internet");
    assert.equal(hop(t, ids.snetApim, "198.51.100.70"), "VirtualAppliance 10.0.3.20");
    const t2 = withRouteTable(fixtureTopology(), ids.rtApim, 0, [
      nva("Storage", "10.0.3.20"),
      { name: "b", addressPrefix: "Storage.WestUS", nextHopType: "None" },
    ]);
    assert.equal(hop(t2, ids.snetApim, "198.51.100.10"), "None");
  });
});

describe("placeholder prefixes for tags without data", () => {
  test("regional ⊆ tag ⊆ AzureCloud ⊆ Internet, and real data wins", () => {
    const sample = JSON.parse(readFileSync(sampleTagsPath, "utf8"));
    const c = loadServiceTags([sample], { placeholders: true }).catalog;
    const storage = c.resolve("Storage");
    const regional = c.resolve("Storage.WestUS");
    const cloud = c.resolve("AzureCloud");
    assert.ok(storage && regional && cloud);
    const r = c.prefixes(regional)[0];
    assert.ok(r && c.isPlaceholder(regional));
    const inside = (tag: typeof storage) => c.prefixes(tag).some((p) => p.first <= r.first && p.last >= r.last);
    assert.ok(inside(storage) && inside(cloud));
    const api = c.resolve("ApiManagement");
    assert.ok(api && !c.isPlaceholder(api));
    const withData = loadServiceTags([sample, tagOverlay], { placeholders: true }).catalog;
    const sql = withData.resolve("Sql.EastUS");
    assert.ok(sql);
    assert.deepEqual(withData.prefixes(sql), []);
  });
});

describe("Azure's own download format", () => {
  test("ServiceTags_Public.json shape loads as an overlay", () => {
    const download = {
      changeNumber: 300,
      cloud: "Public",
      values: [
        {
          name: "Storage",
          id: "Storage",
          properties: {
            changeNumber: 1,
            region: "",
            platform: "Azure",
            systemService: "AzureStorage",
            addressPrefixes: ["20.60.0.0/16", "2603:1000::/40"],
          },
        },
        {
          name: "Storage.WestUS",
          id: "Storage.WestUS",
          properties: { region: "westus", addressPrefixes: ["20.60.1.0/24"] },
        },
        {
          name: "AzureCloud.westus",
          id: "AzureCloud.westus",
          properties: { region: "westus", addressPrefixes: ["13.64.0.0/16"] },
        },
      ],
    };
    const sample = JSON.parse(readFileSync(sampleTagsPath, "utf8"));
    const { catalog, diagnostics } = loadServiceTags([sample, download]);
    assert.deepEqual(diagnostics, []);
    const regional = catalog.resolve("storage.westus");
    assert.deepEqual(regional && catalog.prefixes(regional).map((c) => c.text), ["20.60.1.0/24"]);
    const cloud = catalog.resolve("AzureCloud.WestUS");
    assert.deepEqual(cloud && catalog.prefixes(cloud).map((c) => c.text), ["13.64.0.0/16"]);
    const all = catalog.resolve("AzureCloud");
    assert.ok(all && catalog.prefixes(all).some((c) => c.text === "20.60.0.0/16"));
  });
});
