// Virtual-network integration on the management API: network resources with the model's
// validation, service writes validated before "deployment", addresses per mode, DNS snapshot and
// applynetworkconfigurationupdates, NetworkStatus, and the network questions as POST actions.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nsgBody, subnetId, vnetBody } from "../vnet/test-fixtures.js";
import { adminKey, type Harness, startHarness } from "./test-support/harness.js";

const apim = subnetId("vnet", "apim");

/** Polls an operation's Location URL until it stops answering 202. */
async function followLocation(h: Harness, location: string) {
  const path = new URL(location).pathname + new URL(location).search;
  for (let i = 0; i < 200; i++) {
    const r = await h.raw("GET", path, { headers: { authorization: `Bearer ${adminKey}` } });
    if (r.status !== 202) return r;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`operation at ${location} still running`);
}

describe("management: virtual networks", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ network: { publicAddress: "198.51.100.10", privateAddress: "10.77.1.4" } });
  });
  after(() => h.close());

  test("a VNet with a subnet outside its address space is refused with the path of every problem", async () => {
    const body = vnetBody();
    body.properties.subnets[1] = { name: "backend", properties: { addressPrefix: "10.99.2.0/24" } };
    body.properties.subnets[2] = { name: "clients", properties: { addressPrefix: "10.77.3.0/33" } };
    const r = await h.call("PUT", "/virtualNetworks/bad", body);
    assert.equal(r.status, 400);
    const targets = r.body.error.details.map((d: { target: string }) => d.target).join(" ");
    assert.match(targets, /subnets\[1\]/);
    assert.match(targets, /subnets\[2\]/);
    assert.equal((await h.call("GET", "/virtualNetworks/bad")).status, 404);
  });

  test("an NSG with duplicate priorities is refused", async () => {
    const body = nsgBody();
    body.properties.securityRules.push({ ...body.properties.securityRules[0], name: "dup" } as never);
    const r = await h.call("PUT", "/networkSecurityGroups/dup", body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
  });

  test("network resources are stored in ARM shape and listed", async () => {
    assert.equal((await h.call("PUT", "/networkSecurityGroups/nsg-apim", nsgBody())).status, 201);
    const put = await h.call("PUT", "/virtualNetworks/vnet", vnetBody());
    assert.equal(put.status, 201);
    assert.equal(put.body.type, "Microsoft.Network/virtualNetworks");
    assert.match(put.body.id, /providers\/Microsoft\.Network\/virtualNetworks\/vnet$/);
    assert.equal(put.body.location, "local");
    const list = await h.call("GET", "/virtualNetworks");
    assert.deepEqual(
      list.body.value.map((v: { name: string }) => v.name),
      ["vnet"],
    );
  });

  test("a service write into a subnet without an NSG is rejected with every finding", async () => {
    const body = vnetBody();
    body.properties.subnets[0] = { name: "apim", properties: { addressPrefix: "10.77.1.0/24" } } as never;
    assert.equal((await h.call("PUT", "/virtualNetworks/bare", body)).status, 201);
    const r = await h.call("PATCH", "", {
      properties: {
        virtualNetworkType: "External",
        virtualNetworkConfiguration: { subnetResourceId: subnetId("bare", "apim") },
      },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "InvalidNetworkConfiguration");
    assert.ok(r.body.error.details.some((d: { code: string }) => d.code === "NsgRequired"));
    assert.equal((await h.call("GET", "")).body.properties.virtualNetworkType, "None", "nothing half-applied");
    await h.call("DELETE", "/virtualNetworks/bare");
  });

  test("External then Internal: addresses follow the mode, warnings are returned, DNS is snapshotted", async () => {
    const ext = await h.call("PATCH", "", {
      properties: { virtualNetworkType: "External", virtualNetworkConfiguration: { subnetResourceId: apim } },
    });
    assert.equal(ext.status, 200, JSON.stringify(ext.body));
    assert.deepEqual(ext.body.properties.publicIPAddresses, ["198.51.100.10"]);
    assert.equal(ext.body.properties.privateIPAddresses, undefined);
    assert.ok(Array.isArray(ext.body.properties.networkValidationWarnings));
    assert.equal(ext.body.properties.networkSnapshot, undefined, "the snapshot is internal");
    const int = await h.call("PATCH", "", { properties: { virtualNetworkType: "Internal" } });
    assert.equal(int.status, 200);
    assert.deepEqual(int.body.properties.privateIPAddresses, ["10.77.1.4"]);
    const status = await h.call("GET", "/networkstatus");
    assert.equal(status.status, 200);
    assert.deepEqual(status.body, [
      { location: "local", networkStatus: { dnsServers: ["10.77.2.53"], connectivityStatus: [] } },
    ]);
  });

  test("DNS changed on the VNet takes effect only after applynetworkconfigurationupdates", async () => {
    const body = vnetBody();
    body.properties.dhcpOptions.dnsServers = ["10.77.2.54"];
    assert.equal((await h.call("PUT", "/virtualNetworks/vnet", body)).status, 200);
    const before = await h.call("GET", "/locations/local/networkstatus");
    assert.deepEqual(before.body.dnsServers, ["10.77.2.53"]);
    // Long-running as on Azure: 202 with a Location that answers 202 until the work is done.
    const apply = await h.call("POST", "/applynetworkconfigurationupdates", { location: "local" });
    assert.equal(apply.status, 202, JSON.stringify(apply.body));
    const done = await followLocation(h, apply.headers.get("location") as string);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.type, "Microsoft.ApiManagement/service");
    const after = await h.call("GET", "/locations/local/networkstatus");
    assert.deepEqual(after.body.dnsServers, ["10.77.2.54"]);
    const missing = await h.call("GET", "/locations/atlantis/networkstatus");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "LocationNotFound");
    const badApply = await h.call("POST", "/applynetworkconfigurationupdates", { location: 7 });
    assert.equal(badApply.status, 400);
  });

  test("the VNet holding the service's subnet cannot be deleted", async () => {
    const r = await h.call("DELETE", "/virtualNetworks/vnet");
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, "InUseSubnetCannotBeDeleted");
  });

  test("an NSG a subnet still names cannot be deleted (as at the Microsoft.Network paths)", async () => {
    const r = await h.call("DELETE", "/networkSecurityGroups/nsg-apim");
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, "InUseNetworkSecurityGroupCannotBeDeleted");
    assert.match(r.body.error.message, /virtualNetworks\/vnet\/subnets\/apim/);
    assert.equal((await h.call("GET", "/networkSecurityGroups/nsg-apim")).status, 200);
  });

  test("IP flow verify, next hop, effective rules and sizing answer from the declared network", async () => {
    const flow = await h.call("POST", "/ipFlowVerify", {
      direction: "Inbound",
      protocol: "TCP",
      localIPAddress: "10.77.1.4",
      localPort: "443",
      remoteIPAddress: "203.0.113.9",
      remotePort: "50000",
    });
    assert.equal(flow.status, 200, JSON.stringify(flow.body));
    assert.deepEqual(flow.body, { access: "Allow", ruleName: "securityRules/allow-in" });
    const badFlow = await h.call("POST", "/ipFlowVerify", { direction: "Sideways", localIPAddress: "x" });
    assert.equal(badFlow.status, 400);
    const hop = await h.call("POST", "/nextHop", { sourceIPAddress: "10.77.1.4", destinationIPAddress: "10.77.2.10" });
    assert.equal(hop.status, 200);
    assert.equal(hop.body.nextHopType, "VnetLocal");
    const rules = await h.call("POST", "/effectiveSecurityRules", {});
    assert.equal(rules.status, 200);
    assert.ok(rules.body.value[0].effectiveSecurityRules.length >= 2);
    const size = await h.call("POST", "/subnetSizing", {
      addressPrefix: "10.0.0.0/27",
      sku: "Premium",
      mode: "Internal",
    });
    assert.equal(size.status, 200);
    assert.equal(typeof size.body.maxUnits, "number");
    const badSize = await h.call("POST", "/subnetSizing", { addressPrefix: "10.0.0.0/99" });
    assert.equal(badSize.status, 400);
  });

  test("back to None releases the private address and the DNS snapshot", async () => {
    const r = await h.call("PATCH", "", { properties: { virtualNetworkType: "None" } });
    assert.equal(r.status, 200);
    assert.equal(r.body.properties.privateIPAddresses, undefined);
    assert.equal(r.body.properties.virtualNetworkConfiguration, undefined);
    const status = await h.call("GET", "/networkstatus");
    assert.deepEqual(status.body[0].networkStatus.dnsServers, ["168.63.129.16"]);
  });
});

describe("management: control-plane sources", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ allowClient: (ip) => ip === "10.255.255.1" });
  });
  after(() => h.close());

  test("a source that is not allowed is disconnected before TLS", async () => {
    await assert.rejects(h.call("GET", ""));
  });

  test("with no VNet declared, a move into a network is accepted with a NetworkNotDeclared warning", async () => {
    const r = await startHarness();
    try {
      const ok = await r.call("PATCH", "", {
        properties: { virtualNetworkType: "External", virtualNetworkConfiguration: { subnetResourceId: apim } },
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(
        ok.body.properties.networkValidationWarnings.map((w: { code: string }) => w.code),
        ["NetworkNotDeclared"],
      );
    } finally {
      await r.close();
    }
  });
});
