// One `--role gateway` unit (no cluster) follows the service's network like `moat serve`: from the
// wildcard of None mode to the private address of Internal mode in place, refusing clients outside
// the network, and reaching a backend by a name only the VNet's DNS server knows.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { HEALTH_PATH } from "../gateway/server/handler.js";
import { type ConfigStore, createConfigStore } from "../store/index.js";
import { getAnswer as call } from "../test-support/http-answer.js";
import { untilValue as until } from "../test-support/wait.js";
import { subnetId } from "../vnet/test-fixtures.js";
import { type DnsServer, startDnsServer } from "../vnet/testing/dns-server.js";
import { crossesWildcard, type GatewayRole, startGatewayRole } from "./gateway-role.js";

test("moving across a wildcard is what cluster workers cannot do in place", () => {
  const wildcard = [{ host: "0.0.0.0", port: 8080 }];
  assert.equal(crossesWildcard(wildcard, [{ host: "10.0.0.4", port: 8080 }]), true);
  assert.equal(crossesWildcard([{ host: "10.0.0.4", port: 8080 }], wildcard), true);
  assert.equal(crossesWildcard(wildcard, wildcard), false);
  assert.equal(
    crossesWildcard(
      [
        { host: "198.51.100.1", port: 8080 },
        { host: "10.0.0.4", port: 8080 },
      ],
      [{ host: "10.0.0.4", port: 8080 }],
    ),
    false,
    "External to Internal only closes the public listener",
  );
});

describe("a --role gateway unit in a virtual network", () => {
  let dir: string;
  let store: ConfigStore;
  let dns: DnsServer;
  let backend: Server;
  let role: GatewayRole;
  let port: number;
  const logs: string[] = [];

  const service = (mode: string) =>
    store.put("service", "", {
      location: "local",
      sku: { name: "Developer", capacity: 1 },
      virtualNetworkType: mode,
      ...(mode === "None" ? {} : { virtualNetworkConfiguration: { subnetResourceId: subnetId("vnet", "apim") } }),
      networkSnapshot: { appliedAt: "t1", dnsServers: { local: [`127.0.0.1:${dns.port}`] } },
    });
  const vnet = (prefixes: string[]) =>
    store.put("virtualNetwork", "virtualNetworks/vnet", {
      location: "local",
      properties: {
        addressSpace: { addressPrefixes: prefixes },
        subnets: [{ name: "apim", properties: { addressPrefix: "10.77.1.0/24" } }],
      },
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "moat-role-net-"));
    dns = await startDnsServer({ "api.corp.internal": "127.0.0.1" });
    backend = createServer((req, res) => res.end(JSON.stringify({ from: req.socket.remoteAddress })));
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
    const storeUrl = `sqlite:${join(dir, "moat.db")}`;
    store = await createConfigStore(storeUrl, { dataDir: dir });
    await store.put("api", "apis/echo", {
      displayName: "echo",
      path: "echo",
      serviceUrl: `http://api.corp.internal:${(backend.address() as AddressInfo).port}`,
      protocols: ["http"],
      subscriptionRequired: false,
    });
    await store.put("operation", "apis/echo/operations/any", { displayName: "any", method: "GET", urlTemplate: "/*" });
    await vnet(["10.77.0.0/16"]);
    await service("None");
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "0.0.0.0", r));
    port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    role = await startGatewayRole(
      {
        storeUrl,
        dataDir: dir,
        serviceName: "moat",
        location: "local",
        unitName: "unit-1",
        host: "0.0.0.0",
        httpPort: port,
        httpsPort: 0,
        portalOrigins: [],
        logLevel: "silent",
        redisUrl: "",
        limits: { mode: "exact", failMode: "open", keyPrefix: "t:" },
        network: { publicAddress: "127.0.0.3", privateAddress: "127.0.0.2", statusIntervalMs: 60_000 },
      },
      (_level, message) => logs.push(message),
    );
  });

  after(async () => {
    await role?.close();
    await store?.close();
    await new Promise((r) => backend?.close(r));
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("None: the unit listens on gateway.host (every address)", async () => {
    assert.deepEqual(role.addresses, [{ host: "0.0.0.0", port, secure: false }]);
    const r = await call("127.0.0.3", port, HEALTH_PATH);
    assert.ok("status" in r && r.status === 200, JSON.stringify(r));
  });

  test("Internal: the wildcard and public address close in place; outside clients are refused", async () => {
    await service("Internal");
    await until(
      () => call("127.0.0.3", port, HEALTH_PATH),
      (a) => "error" in a && a.error === "ECONNREFUSED",
      "the public address closed",
    );
    assert.deepEqual(await call("127.0.0.1", port, HEALTH_PATH), { error: "ECONNREFUSED" });
    const outside = await call("127.0.0.2", port, HEALTH_PATH);
    assert.ok(
      "error" in outside && outside.error !== "ECONNREFUSED",
      `listening, but 127.0.0.1 is refused: ${JSON.stringify(outside)}`,
    );
    assert.ok(
      logs.some((l) => /gateway re-bound for the network mode \(mode=Internal/.test(l)),
      logs.join("\n"),
    );
  });

  test("a client inside the network reaches the backend by a name only the VNet's DNS knows", async () => {
    await vnet(["10.77.0.0/16", "127.0.0.0/8"]);
    const r = await until(
      () => call("127.0.0.2", port, "/echo/x"),
      (a) => "status" in a && a.status === 200,
      "the call from inside the network",
    );
    assert.equal(JSON.parse((r as { body: string }).body).from, "127.0.0.2", "from privateAddress");
    assert.ok(dns.queries.includes("api.corp.internal A"), dns.queries.join(", "));
  });
});
