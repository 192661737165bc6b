// The runtime with a real gateway over loopback addresses (no namespaces needed): 127.0.0.3 plays
// the public address, 127.0.0.2 the private one. Mode changes re-bind on one port without
// dropping a request in flight; backends resolve through the VNet's DNS server and are reached
// from the private address; Internal mode keeps only clients of the network's address space.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { GatewayUnit } from "../gateway/unit.js";
import { type ConfigStore, createConfigStore } from "../store/index.js";
import { getAnswer } from "../test-support/http-answer.js";
import { freePort } from "../test-support/ports.js";
import type { VnetRuntime } from "./runtime.js";
import { nsgId, subnetId } from "./test-fixtures.js";
import { startAttachedUnit, testVnetRuntime } from "./testing/attached-unit.js";
import { type DnsServer, startDnsServer } from "./testing/dns-server.js";

/** One GET on a connection of its own (a pooled one could outlive a listener the test closes). */
const get = (url: string) => {
  const u = new URL(url);
  return getAnswer(u.hostname, Number(u.port), u.pathname + u.search);
};

describe("vnet runtime with a real gateway", () => {
  let store: ConfigStore;
  let backend: Server;
  let dns: DnsServer;
  let unit: GatewayUnit;
  let runtime: VnetRuntime;
  let port: number;
  let release: () => void = () => {};

  const service = (mode: string, dnsServers: string[], appliedAt: string) => ({
    location: "local",
    sku: { name: "Developer", capacity: 1 },
    virtualNetworkType: mode,
    ...(mode === "None" ? {} : { virtualNetworkConfiguration: { subnetResourceId: subnetId("vnet", "apim") } }),
    networkSnapshot: { appliedAt, dnsServers: { local: dnsServers } },
  });
  const vnet = (prefixes: string[], nsg = false) => ({
    location: "local",
    properties: {
      addressSpace: { addressPrefixes: prefixes },
      subnets: [
        {
          name: "apim",
          properties: { addressPrefix: "10.77.1.0/24", ...(nsg ? { networkSecurityGroup: { id: nsgId } } : {}) },
        },
      ],
    },
  });

  before(async () => {
    dns = await startDnsServer({ "api.corp.internal": "127.0.0.1" });
    backend = createServer((req, res) => {
      const reply = () => res.end(JSON.stringify({ from: req.socket.remoteAddress, url: req.url }));
      if (req.url?.includes("slow")) release = reply;
      else reply();
    });
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
    const backendPort = (backend.address() as AddressInfo).port;
    store = await createConfigStore("sqlite::memory:", { dataDir: "." });
    await store.put("service", "", service("None", [], ""));
    await store.put("virtualNetwork", "virtualNetworks/vnet", vnet(["10.77.0.0/16"]));
    await store.put("api", "apis/echo", {
      displayName: "echo",
      path: "echo",
      serviceUrl: `http://api.corp.internal:${backendPort}`,
      protocols: ["http"],
      subscriptionRequired: false,
    });
    await store.put("operation", "apis/echo/operations/any", { displayName: "any", method: "GET", urlTemplate: "/*" });
    runtime = testVnetRuntime(
      store,
      { defaultHost: "127.0.0.1", publicAddress: "127.0.0.3", privateAddress: "127.0.0.2" },
      { networkStatusIntervalMs: 300 },
    );
    await runtime.start();
    port = await freePort();
    unit = await startAttachedUnit(store, runtime, "127.0.0.1", port);
  });

  after(async () => {
    await runtime?.close();
    await unit?.close();
    await new Promise((r) => backend?.close(r));
    await dns?.close();
    await store?.close();
  });

  test("None: the default host; the host resolver cannot find the private name", async () => {
    const r = await get(`http://127.0.0.1:${port}/echo/x`);
    assert.ok("status" in r && r.status === 502, JSON.stringify(r));
  });

  test("External: public and private addresses, backend by name through the VNet's DNS, from the private address", async () => {
    await store.put("service", "", service("External", [`127.0.0.1:${dns.port}`], "t1"));
    await runtime.refresh();
    assert.deepEqual(
      unit.gateway.addresses().map((a) => a.host),
      ["127.0.0.3", "127.0.0.2"],
    );
    const r = await get(`http://127.0.0.3:${port}/echo/x`);
    assert.ok("status" in r && r.status === 200, JSON.stringify(r));
    assert.equal(JSON.parse(r.body).from, "127.0.0.2");
    assert.ok(dns.queries.includes("api.corp.internal A"));
    assert.ok("error" in (await get(`http://127.0.0.1:${port}/echo/x`)), "the default host no longer listens");
  });

  test("Internal: a request in flight finishes; the public address closes; outside clients are refused", async () => {
    const slow = get(`http://127.0.0.2:${port}/echo/slow`);
    await new Promise((r) => setTimeout(r, 200));
    await store.put("service", "", service("Internal", [`127.0.0.1:${dns.port}`], "t1"));
    await runtime.refresh();
    release();
    const done = await slow;
    assert.ok("status" in done && done.status === 200, JSON.stringify(done));
    assert.deepEqual(
      unit.gateway.addresses().map((a) => a.host),
      ["127.0.0.2"],
    );
    const pub = await get(`http://127.0.0.3:${port}/echo/x`);
    assert.deepEqual(pub, { error: "ECONNREFUSED" });
    const outside = await get(`http://127.0.0.2:${port}/echo/x`);
    assert.ok("error" in outside, "127.0.0.1 is outside 10.77.0.0/16");
  });

  test("the network's address space grows: the same listener now accepts the client", async () => {
    await store.put("virtualNetwork", "virtualNetworks/vnet", vnet(["10.77.0.0/16", "127.0.0.0/8"]));
    await runtime.refresh();
    const r = await get(`http://127.0.0.2:${port}/echo/x`);
    assert.ok("status" in r && r.status === 200, JSON.stringify(r));
    assert.equal(runtime.plan().mode, "Internal");
    assert.ok(runtime.allowManagementClient("127.0.0.1"), "loopback is always allowed");
    assert.ok(runtime.allowManagementClient("10.77.3.20"), "the network is allowed");
    assert.ok(!runtime.allowManagementClient("198.51.100.1"));
  });

  test("NetworkStatus: a backend the declared NSG blocks is reported with the rule, next to the live probe", async () => {
    await store.put("networkSecurityGroup", "networkSecurityGroups/nsg-apim", {
      location: "local",
      properties: {
        securityRules: [
          {
            name: "deny-backend",
            properties: {
              priority: 200,
              direction: "Outbound",
              access: "Deny",
              protocol: "Tcp",
              sourceAddressPrefix: "*",
              sourcePortRange: "*",
              destinationAddressPrefix: "127.0.0.1/32",
              destinationPortRange: "*",
            },
          },
        ],
      },
    });
    await store.put("virtualNetwork", "virtualNetworks/vnet", vnet(["10.77.0.0/16", "127.0.0.0/8"], true));
    await runtime.refresh();
    const deadline = Date.now() + 5000;
    let entry: { status: string; error: string } | undefined;
    while (Date.now() < deadline) {
      entry = runtime.status("local")?.connectivityStatus.find((e) => e.resourceType === "Backend");
      if (entry?.status === "failure") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(entry?.status, "failure", JSON.stringify(runtime.status("local")));
    assert.match(entry?.error ?? "", /deny-backend/);
    assert.deepEqual(runtime.status("local")?.dnsServers, [`127.0.0.1:${dns.port}`]);
    assert.equal(runtime.status("East US"), undefined, "another location is not this process's to report");
  });
});
