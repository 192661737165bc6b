// ARM shapes, validators (T19 ASG placement, T31 routes, bad input), expressions and templates.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluate, parseExpression } from "./arm-expressions.js";
import { fromArmNetworkSecurityGroup, toArmNetworkSecurityGroup } from "./arm-shapes.js";
import { loadTemplate } from "./arm-template.js";
import {
  validateNetworkSecurityGroup,
  validateRouteTable,
  validateTopology,
  validateVirtualNetwork,
} from "./arm-validators.js";
import { defaultSecurityRules } from "./nsg-rules.js";
import { checkTemplate } from "./template-check.js";
import { fixtureCatalog, fixtureTopology, ids } from "./test-support/fixtures.js";

const catalog = fixtureCatalog();
const codes = (ds: readonly { code: string; path?: string }[]) => ds.map((d) => `${d.code} ${d.path}`);

describe("ARM validators", () => {
  test("T31 route validation", () => {
    const table = {
      properties: {
        routes: [
          {
            name: "a",
            properties: { addressPrefix: "0.0.0.0/0", nextHopType: "Internet", nextHopIpAddress: "10.0.0.4" },
          },
          { name: "b", properties: { addressPrefix: "10.0.0.0/8", nextHopType: "VirtualAppliance" } },
          { name: "c", properties: { addressPrefix: "10.1.0.0/16", nextHopType: "VNetPeering" } },
          { name: "d", properties: { addressPrefix: "10.0.0.1/16", nextHopType: "None" } },
          { name: "e", properties: { addressPrefix: "Storage.WestUS", nextHopType: "Internet" } },
        ],
      },
    };
    assert.deepEqual(codes(validateRouteTable(table, catalog)), [
      "RouteNextHopIpAddressNotAllowed properties.routes[0].properties.nextHopIpAddress",
      "RouteNextHopIpAddressRequired properties.routes[1].properties.nextHopIpAddress",
      "RouteNextHopTypeNotAllowed properties.routes[2].properties.nextHopType",
      "InvalidCIDRNotation properties.routes[3].properties.addressPrefix",
    ]);
  });
  test("virtual network: overlaps, outside the space, host bits, DNS", () => {
    const vnet = {
      name: "v",
      properties: {
        addressSpace: { addressPrefixes: ["10.0.0.0/16", "10.0.128.0/17"] },
        dhcpOptions: { dnsServers: ["10.0.0.300"] },
        subnets: [
          { name: "a", properties: { addressPrefix: "10.0.1.0/24" } },
          { name: "b", properties: { addressPrefix: "10.0.1.128/25" } },
          { name: "c", properties: { addressPrefix: "10.9.0.0/24" } },
          { name: "d", properties: { addressPrefix: "10.0.2.1/24" } },
          { name: "e", properties: { addressPrefix: "10.0.3.0/30" } },
        ],
      },
    };
    assert.deepEqual(
      validateVirtualNetwork(vnet).map((d) => d.code),
      [
        "NetcfgInvalidAddressSpace",
        "NetcfgInvalidSubnet",
        "NetcfgSubnetRangeOutsideVnet",
        "InvalidCIDRNotation",
        "SubnetPrefixTooSmall",
        "InvalidDnsServer",
      ],
    );
    assert.deepEqual(
      validateVirtualNetwork("nonsense").map((d) => d.code),
      ["InvalidResourceName", "AddressSpaceMissing"],
    );
  });
  test("NSG in ARM shape: paths point into properties", () => {
    const nsg = {
      properties: {
        securityRules: [
          {
            name: "x",
            properties: {
              priority: 50,
              direction: "Inbound",
              access: "Allow",
              protocol: "Tcp",
              sourceAddressPrefix: "*",
              destinationAddressPrefix: "*",
              sourcePortRange: "*",
              destinationPortRange: "1-2-3",
            },
          },
        ],
      },
    };
    assert.deepEqual(codes(validateNetworkSecurityGroup(nsg, catalog)), [
      "SecurityRuleInvalidPriority properties.securityRules[0].properties.priority",
      "SecurityRuleInvalidPortRange properties.securityRules[0].properties.destinationPortRange",
    ]);
    const round = fromArmNetworkSecurityGroup(
      toArmNetworkSecurityGroup({ id: ids.nsgApim, name: "nsg-apim", securityRules: [] }, defaultSecurityRules),
      { subscriptionId: "s", resourceGroup: "r" },
    );
    assert.equal(round.id, ids.nsgApim);
  });
  test("T19 ASG members must share a VNet", () => {
    const t = fixtureTopology();
    assert.deepEqual(validateTopology(t), []);
    t.networkInterfaces?.push({
      id: "nic-b",
      subnetId: ids.snetB,
      privateIPAddress: "10.1.0.4",
      applicationSecurityGroups: [{ id: ids.asgWeb }],
    });
    assert.deepEqual(
      validateTopology(t).map((d) => d.code),
      ["ApplicationSecurityGroupVnetMismatch"],
    );
  });
});

describe("ARM expressions", () => {
  const scope = {
    parameter: (n: string) => ({ name: "apim", vnet: { subnets: [{ name: "s0" }] }, n: 3 })[n],
    variable: (n: string) => ({ prefix: "10.0.0.0/16" })[n],
    copyIndex: () => 2,
    reference: () => ({ ipAddress: "1.2.3.4" }),
    subscriptionId: "sub",
    resourceGroup: { name: "rg", location: "westus" },
    deploymentName: "d",
  };
  const cases: [string, unknown][] = [
    ["[concat('a', parameters('name'), 'b')]", "aapimb"],
    ["[format('{0}-{1}', 'x', 2)]", "x-2"],
    [
      "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
      "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
    ],
    [
      "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'x')]",
      "/subscriptions/sub/providers/Microsoft.Resources/resourceGroups/x",
    ],
    ["[resourceGroup().location]", "westus"],
    ["[subscription().subscriptionId]", "sub"],
    ["[toUpper(if(equals(parameters('n'), 3), 'yes', 'no'))]", "YES"],
    ["[and(not(empty(parameters('name'))), or(false(), true()))]", true],
    ["[length(split('a,b,c', ','))]", 3],
    ["[replace('a-b', '-', '_')]", "a_b"],
    ["[int(string(add(1, 2)))]", 3],
    ["[cidrSubnet(variables('prefix'), 24, copyIndex())]", "10.0.2.0/24"],
    ["[parameters('vnet').subnets[0].name]", "s0"],
    ["[reference('x').ipAddress]", "1.2.3.4"],
    ["[concat('it''s')]", "it's"],
  ];
  for (const [text, expected] of cases)
    test(text, () => assert.deepEqual(evaluate(parseExpression(text), scope), expected));
  test("uniqueString is deterministic and 13 characters", () => {
    const a = evaluate(parseExpression("[uniqueString(resourceGroup().id)]"), scope);
    assert.equal(a, evaluate(parseExpression("[uniqueString(resourceGroup().id)]"), scope));
    assert.match(String(a), /^[a-z2-7]{13}$/);
  });
  test("bad expressions throw Unresolvable only", () => {
    for (const text of [
      "[concat('a'",
      "[listKeys('x', '2019-01-01').keys[0]]",
      "[parameters('vnet').nope]",
      "[cidrSubnet('10.0.0.0/24', 16, 0)]",
    ])
      assert.throws(() => evaluate(parseExpression(text), scope), { name: "Unresolvable" }, text);
  });
});

describe("ARM templates", () => {
  const template = {
    parameters: {
      count: { type: "int", defaultValue: 2 },
      loc: { type: "string", defaultValue: "[resourceGroup().location]" },
    },
    variables: { vnetName: "vnet1", subnets: { copy: [] } },
    resources: [
      {
        type: "Microsoft.Network/virtualNetworks",
        name: "[variables('vnetName')]",
        location: "[parameters('loc')]",
        properties: {
          addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
          copy: [
            {
              name: "subnets",
              count: "[parameters('count')]",
              input: {
                name: "[concat('s', copyIndex('subnets'))]",
                properties: { addressPrefix: "[cidrSubnet('10.0.0.0/16', 24, copyIndex('subnets'))]" },
              },
            },
          ],
        },
      },
      {
        type: "Microsoft.Network/publicIPAddresses",
        name: "[concat('pip', copyIndex())]",
        copy: { name: "pips", count: 2 },
        properties: {
          x: "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet1')).addressSpace.addressPrefixes[0]]",
        },
      },
      { condition: "[equals(1, 2)]", type: "Microsoft.Network/routeTables", name: "never" },
      { type: "Microsoft.Web/sites", name: "x", properties: { key: "[listKeys('k', '2020').primary]" } },
    ],
  };
  test("parameters, copy loops, conditions, reference()", () => {
    const loaded = loadTemplate(template, {});
    assert.deepEqual(
      loaded.resources.map((r) => r.name),
      ["vnet1", "pip0", "pip1", "x"],
    );
    const vnet = loaded.resources[0]?.body as {
      location: string;
      properties: { subnets: { properties: { addressPrefix: string } }[] };
    };
    assert.equal(vnet.location, "westus");
    assert.deepEqual(
      vnet.properties.subnets.map((s) => s.properties.addressPrefix),
      ["10.0.0.0/24", "10.0.1.0/24"],
    );
    assert.equal((loaded.resources[1]?.body as { properties: { x: string } } | undefined)?.properties.x, "10.0.0.0/16");
    assert.deepEqual(codes(loaded.diagnostics), ["UnresolvableExpression resources[3].properties.key"]);
  });
  test("a parameters file overrides defaults", () => {
    const loaded = loadTemplate(template, { parameters: { parameters: { count: { value: 3 } } } });
    assert.equal(
      (loaded.resources[0]?.body as { properties: { subnets: unknown[] } } | undefined)?.properties.subnets.length,
      3,
    );
  });
  test("not a template, never a throw", () => {
    for (const bad of [null, 42, "x", { resources: "no" }, { resources: [null, 7, { type: "[concat(" }] }]) {
      const r = checkTemplate(bad, { catalog });
      assert.ok(Array.isArray(r.findings));
    }
  });
});
