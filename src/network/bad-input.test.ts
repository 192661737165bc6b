// "Never a crash": malformed documents, services, rules and templates come back as diagnostics.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validateNetworkSecurityGroup, validateRouteTable, validateVirtualNetwork } from "./arm-validators.js";
import { ipFlowVerify } from "./nsg-eval.js";
import { loadServiceTags } from "./service-tags.js";
import { sizeSubnet } from "./sizing.js";
import { checkTemplate } from "./template-check.js";
import { compileFixture, fixtureCatalog, fixtureTopology } from "./test-support/fixtures.js";
import { topologyFromDocument } from "./topology-document.js";
import { compileNetwork } from "./topology-index.js";
import { validateDeployment } from "./validate-deployment.js";

const garbage: unknown[] = [
  null,
  undefined,
  0,
  "x",
  [],
  {},
  { properties: null },
  { properties: { subnets: [null, 1, { properties: { addressPrefix: 7 } }] } },
  {
    virtualNetworks: [
      null,
      { subnets: "no", addressSpace: 3 },
      { id: "v", subnets: [null, { id: "s", addressPrefix: "10.0.0.0/33" }] },
    ],
  },
  {
    networkSecurityGroups: [null, { securityRules: [null, { priority: "high" }] }],
    routeTables: [{ routes: [null, { nextHopType: 4 }] }],
  },
  { networkInterfaces: [null, { id: 1 }], value: "x" },
  {
    value: [
      null,
      { type: "Microsoft.Network/virtualNetworks", properties: { addressSpace: { addressPrefixes: ["nonsense"] } } },
    ],
  },
  {
    resources: [
      null,
      {
        type: "Microsoft.ApiManagement/service",
        properties: {
          virtualNetworkType: "Internal",
          virtualNetworkConfiguration: "x",
          additionalLocations: [null, 3, { location: 9 }],
        },
      },
    ],
  },
];

describe("bad input never throws", () => {
  test("documents, validators, templates", () => {
    const catalog = fixtureCatalog();
    for (const g of garbage) {
      const { topology } = topologyFromDocument(g, catalog);
      const index = compileNetwork(topology, catalog);
      validateDeployment(g as never, index);
      validateVirtualNetwork(g);
      validateNetworkSecurityGroup(g, catalog);
      validateRouteTable(g, catalog);
      checkTemplate(g, { catalog });
      loadServiceTags([g]);
    }
  });
  test("services with odd fields get findings", () => {
    const index = compileFixture(fixtureTopology({ recommended: true }));
    const f = validateDeployment(
      {
        location: 5,
        sku: "Premium",
        properties: { virtualNetworkType: "Internal", additionalLocations: [{ location: "East US" }] },
      } as never,
      index,
    );
    assert.deepEqual(
      f.filter((x) => x.severity === "error").map((x) => x.code),
      ["VnetSkuNotSupported", "VnetConfigurationMissing", "MultiRegionLocationVnetMissing"],
    );
    assert.deepEqual(
      validateDeployment(
        { location: "West US", sku: { name: "Premium" }, properties: { virtualNetworkType: "Sideways" } } as never,
        index,
      ).map((x) => x.code),
      ["VnetTypeInvalid"],
    );
  });
  test("IP flow verify and sizing reject garbage with a named field", () => {
    const index = compileFixture(fixtureTopology());
    const r = ipFlowVerify(index, {
      targetResourceId: "nope",
      direction: "Up",
      protocol: "GRE",
      localPort: "x",
      remotePort: "1",
      localIPAddress: "::1",
      remoteIPAddress: "1.2.3.4",
    });
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(
        r.diagnostics.map((d) => d.path),
        ["direction", "protocol", "localPort", "localIPAddress", "targetResourceId"],
      );
    assert.deepEqual(sizeSubnet("10.0.0.0/33", "Premium", "External"), {
      ok: false,
      code: "InvalidCIDRNotation",
      message: '"10.0.0.0/33" is not an IPv4 prefix with host bits clear (e.g. 10.0.1.0/28)',
    });
  });
  test("service-tag files with bad prefixes are reported with paths", () => {
    const { diagnostics } = loadServiceTags([
      { values: [{ name: "Storage", properties: { addressPrefixes: ["1.2.3.4/40", "2603::/48"] } }, { nope: 1 }] },
    ]);
    assert.deepEqual(
      diagnostics.map((d) => `${d.code} ${d.path}`),
      [
        "ServiceTagPrefixInvalid serviceTags[0].values[0].properties.addressPrefixes[0]",
        "ServiceTagEntryInvalid serviceTags[0].values[1]",
      ],
    );
  });
});
