import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredEntity } from "../model/resources.js";
import { checkUnitLocation, describeLocationCheck, normaliseLocation, serviceLocations } from "./location.js";

const service = (properties: Record<string, unknown>): StoredEntity => ({
  kind: "service",
  id: "",
  name: "",
  parentId: "",
  properties,
  etag: '"1"',
  revision: 1,
});

const multi = service({
  location: "West Europe",
  additionalLocations: [
    { location: "East US", sku: { name: "Premium", capacity: 1 } },
    { location: "japaneast", sku: { name: "Premium", capacity: 1 }, disableGateway: true },
    { sku: { name: "Premium", capacity: 1 } },
  ],
});

test("location names compare across Azure's spellings", () => {
  for (const [a, b] of [
    ["West Europe", "westeurope"],
    ["west-europe", "WestEurope"],
    ["East US 2", "eastus2"],
  ] as const)
    assert.equal(normaliseLocation(a), normaliseLocation(b), `${a} vs ${b}`);
  assert.notEqual(normaliseLocation("East US"), normaliseLocation("East US 2"));
});

test("a unit's location is checked against the primary and additionalLocations", () => {
  const table: [string, string][] = [
    ["westeurope", "primary"],
    ["East US", "additional"],
    ["eastus", "additional"],
    ["Japan East", "additional"],
    ["northeurope", "unknown"],
  ];
  for (const [location, kind] of table) assert.equal(checkUnitLocation(multi, location).kind, kind, location);
  assert.deepEqual(serviceLocations(multi), ["West Europe", "East US", "japaneast"]);
  const disabled = checkUnitLocation(multi, "Japan East");
  assert.ok(disabled.kind === "additional" && disabled.gatewayDisabled);
  assert.match(describeLocationCheck(disabled), /disableGateway/);
});

test("an unknown location says which ones exist", () => {
  const message = describeLocationCheck(checkUnitLocation(multi, "mars"));
  assert.match(message, /"mars" is unknown/);
  assert.match(message, /"West Europe", "East US", "japaneast"/);
  assert.match(describeLocationCheck(checkUnitLocation(undefined, "local")), /no service/);
  assert.match(describeLocationCheck(checkUnitLocation(service({}), "local")), /known: none/);
});
