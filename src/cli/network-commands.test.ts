// `moat network create` / `update-region` (New-AzApiManagement -VirtualNetwork and
// Update-AzApiManagementRegion) against a running management API: the service moves into the
// network, is validated on the way, and switches mode; a broken network is refused with findings.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { adminKey, type Harness, startHarness } from "../management/test-support/harness.js";
import { nsgBody, subnetId, vnetBody } from "../vnet/test-fixtures.js";
import { runNetwork } from "./commands/network.js";

describe("moat network create / update-region against the management API", () => {
  let h: Harness;
  let dir: string;
  const previousTls = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const apim = subnetId("vnet", "apim");

  before(async () => {
    // The harness serves a self-signed certificate; only this test process skips verification.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    h = await startHarness({ network: { publicAddress: "198.51.100.10", privateAddress: "10.77.1.4" } });
    dir = mkdtempSync(join(tmpdir(), "moat-net-cli-"));
    assert.equal((await h.call("PUT", "/networkSecurityGroups/nsg-apim", nsgBody())).status, 201);
    assert.equal((await h.call("PUT", "/virtualNetworks/vnet", vnetBody())).status, 201);
  });
  after(async () => {
    if (previousTls === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previousTls;
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const common = ["--management-url", "", "--admin-key", adminKey];
  const withUrl = (args: string[]) => args.map((a, i) => (a === "" && args[i - 1] === "--management-url" ? h.url : a));

  test("create puts the service into the subnet in External mode", async () => {
    const r = await runNetwork(
      withUrl([
        "create",
        "--name",
        "moat",
        "--subnet",
        apim,
        "--vpn-type",
        "External",
        "--location",
        "local",
        ...common,
      ]),
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /-> 200/);
    const service = await h.call("GET", "");
    assert.equal(service.body.properties.virtualNetworkType, "External");
    assert.equal(service.body.properties.virtualNetworkConfiguration.subnetname, "apim");
    assert.deepEqual(service.body.properties.publicIPAddresses, ["198.51.100.10"]);
  });

  test("update-region switches to Internal; the private address appears", async () => {
    const file = join(dir, "service.json");
    writeFileSync(file, JSON.stringify((await h.call("GET", "")).body));
    const r = await runNetwork(
      withUrl([
        "update-region",
        "--service",
        file,
        "--location",
        "local",
        "--subnet",
        apim,
        "--vpn-type",
        "Internal",
        ...common,
      ]),
    );
    assert.equal(r.code, 0, r.output);
    const service = await h.call("GET", "");
    assert.equal(service.body.properties.virtualNetworkType, "Internal");
    assert.deepEqual(service.body.properties.privateIPAddresses, ["10.77.1.4"]);
  });

  test("a subnet without an NSG is refused by the API with the finding, and nothing changes", async () => {
    const bare = vnetBody();
    bare.properties.subnets[0] = { name: "apim", properties: { addressPrefix: "10.77.1.0/24" } } as never;
    assert.equal((await h.call("PUT", "/virtualNetworks/bare", bare)).status, 201);
    const file = join(dir, "service.json");
    writeFileSync(file, JSON.stringify((await h.call("GET", "")).body));
    const r = await runNetwork(
      withUrl([
        "update-region",
        "--service",
        file,
        "--location",
        "local",
        "--subnet",
        subnetId("bare", "apim"),
        ...common,
      ]),
    );
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /-> 400/);
    assert.match(r.output, /NsgRequired/);
    assert.equal((await h.call("GET", "")).body.properties.virtualNetworkConfiguration.subnetname, "apim");
  });
});
