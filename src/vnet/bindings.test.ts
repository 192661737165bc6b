import assert from "node:assert/strict";
import { test } from "node:test";
import { type AccessMode, type HostAddresses, planBindings, samePlan } from "./bindings.js";
import { compileSourceFilter } from "./client-filter.js";

const host: HostAddresses = { defaultHost: "0.0.0.0", publicAddress: "198.51.100.10", privateAddress: "10.77.1.4" };

const cases: [string, AccessMode, Partial<HostAddresses>, string[], boolean, string | undefined][] = [
  ["both addresses", "None", {}, ["0.0.0.0"], false, undefined],
  ["both addresses", "External", {}, ["198.51.100.10", "10.77.1.4"], false, "10.77.1.4"],
  ["both addresses", "Internal", {}, ["10.77.1.4"], true, "10.77.1.4"],
  ["no public address", "External", { publicAddress: undefined }, ["0.0.0.0"], false, "10.77.1.4"],
  ["no private address", "Internal", { privateAddress: undefined }, ["0.0.0.0"], true, undefined],
];

for (const [label, mode, over, hosts, networkOnly, source] of cases)
  test(`${mode}, ${label}: binds ${hosts.join(", ")}`, () => {
    const p = planBindings(mode, { ...host, ...over });
    assert.deepEqual(p.hosts, hosts);
    assert.equal(p.networkClientsOnly, networkOnly);
    assert.equal(p.backendSource, source);
  });

test("a plan without a private address says why", () => {
  assert.equal(planBindings("Internal", { defaultHost: "0.0.0.0" }).warnings.length, 2);
});

test("samePlan compares what a rebind changes", () => {
  assert.ok(samePlan(planBindings("Internal", host), planBindings("Internal", host)));
  assert.ok(!samePlan(planBindings("Internal", host), planBindings("External", host)));
  assert.ok(!samePlan(undefined, planBindings("None", host)));
});

test("source filters: CIDRs, plain addresses, mapped IPv6, ::1, and bad entries named by index", () => {
  const f = compileSourceFilter(["127.0.0.0/8", "10.77.0.0/16", "192.0.2.7", "::1", "300.1.1.1/8"]);
  for (const ip of ["127.0.0.1", "10.77.3.20", "::ffff:10.77.1.9", "192.0.2.7", "::1"]) assert.ok(f.allows(ip), ip);
  for (const ip of ["198.51.100.1", "192.0.2.8", "::2", "", "garbage"]) assert.ok(!f.allows(ip), ip);
  assert.equal(f.diagnostics.length, 1);
  assert.equal(f.diagnostics[0]?.path, "network.managementAllowedSources[4]");
});
