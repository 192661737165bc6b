// Virtual-network behaviour of gateway units for real: `moat serve --role gateway --units 2` (two
// cluster workers sharing the ports on 0.0.0.0) beside a `--role management` process, on the
// machine's PostgreSQL and Redis. Loopback addresses play the host's two interfaces (127.0.0.3
// public, 127.0.0.2 private); a test DNS server is the VNet's. The units serve "West US", an
// additional location, so what `GET …/locations/westus/networkstatus` reports comes from them alone.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { HEALTH_PATH } from "../gateway/server/handler.js";
import { type ConfigStore, createConfigStore } from "../store/index.js";
import { getAnswer as call } from "../test-support/http-answer.js";
import { freePort } from "../test-support/ports.js";
import { untilValue } from "../test-support/wait.js";
import { subnetId } from "../vnet/test-fixtures.js";
import { type DnsServer, startDnsServer } from "../vnet/testing/dns-server.js";
import {
  ADMIN_KEY,
  type ClusterEnv,
  createClusterEnv,
  type ManagementClient,
  managementClient,
} from "./test-support/cluster-env.js";
import { type MoatProcess, spawnMoat } from "./test-support/moat-process.js";

const PUBLIC = "127.0.0.3";
const PRIVATE = "127.0.0.2";

// Worker replacement takes seconds: poll gently.
const until = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 30_000) =>
  untilValue(probe, ok, what, ms, 100);

const calls = (n: number, host: string, port: number, path: string) =>
  Promise.all(Array.from({ length: n }, () => call(host, port, path)));

interface Entry {
  name: string;
  status: string;
  error: string;
  resourceType: string;
}
interface Status {
  dnsServers: string[];
  connectivityStatus: Entry[];
  reportedBy?: string[];
}

describe("gateway units in a virtual network (--role gateway --units 2)", { timeout: 240_000 }, () => {
  let env: ClusterEnv;
  let store: ConfigStore;
  let dns: DnsServer;
  let backend: Server;
  let backendPort: number;
  let management: MoatProcess;
  let units: MoatProcess;
  let mgmt: ManagementClient;
  let port: number;

  const service = async (mode: string) => {
    const current = (await store.get("service", ""))?.properties ?? {};
    const inNetwork = mode !== "None";
    await store.put("service", "", {
      ...current,
      virtualNetworkType: mode,
      additionalLocations: [
        {
          location: "West US",
          sku: { name: "Developer", capacity: 1 },
          ...(inNetwork ? { virtualNetworkConfiguration: { subnetResourceId: subnetId("vnet", "apim") } } : {}),
        },
      ],
      networkSnapshot: { appliedAt: "t1", dnsServers: { "West US": [`127.0.0.1:${dns.port}`] } },
    });
  };
  const vnet = (prefixes: string[]) =>
    store.put("virtualNetwork", "virtualNetworks/vnet", {
      location: "West US",
      properties: {
        addressSpace: { addressPrefixes: prefixes },
        subnets: [{ name: "apim", properties: { addressPrefix: "10.77.1.0/24" } }],
      },
    });
  const westUs = async (): Promise<Status> => {
    const res = await mgmt.call("GET", "/locations/westus/networkstatus");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as Status;
  };

  before(async () => {
    env = await createClusterEnv("unitnet");
    dns = await startDnsServer({ "api.corp.internal": "127.0.0.1" });
    backend = createServer((req, res) => res.end(JSON.stringify({ from: req.socket.remoteAddress })));
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
    backendPort = (backend.address() as AddressInfo).port;

    const shared = {
      MOAT_STORE: env.storeUrl,
      MOAT_REDIS: env.redisUrl,
      MOAT_LIMITS_KEY_PREFIX: env.keyPrefix,
      MOAT_NETWORK_STATUS_INTERVAL_SECONDS: "1",
      MOAT_LOG_LEVEL: "warn",
    };
    management = spawnMoat([], {
      ...shared,
      MOAT_ROLE: "management",
      MOAT_DATA_DIR: env.tempDir(),
      MOAT_ADMIN_KEY: ADMIN_KEY,
      MOAT_MANAGEMENT_PORT: "0",
      MOAT_PORTAL_PORT: "0",
      MOAT_PORTAL_HOST: "127.0.0.1",
    });
    const url = (await management.waitFor(/management API listening on (https:\/\/[\d.]+:\d+)/))[1] as string;
    mgmt = managementClient(url);
    store = await createConfigStore(env.storeUrl, { dataDir: env.tempDir() });
    const api = (name: string, serviceUrl: string) => ({
      properties: { displayName: name, path: name, serviceUrl, protocols: ["http"], subscriptionRequired: false },
    });
    const op = { properties: { displayName: "any", method: "GET", urlTemplate: "/*" } };
    for (const [path, body] of [
      ["/apis/echo", api("echo", `http://api.corp.internal:${backendPort}`)],
      ["/apis/echo/operations/any", op],
      ["/apis/gone", api("gone", "http://missing.corp.internal:1")],
    ] as const) {
      const res = await mgmt.call("PUT", path, body);
      assert.ok([200, 201].includes(res.status), `PUT ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await vnet(["10.77.0.0/16"]);
    await service("None");

    port = await freePort("0.0.0.0");
    units = spawnMoat(["--role", "gateway", "--units", "2"], {
      ...shared,
      MOAT_DATA_DIR: env.tempDir(),
      MOAT_LOCATION: "westus",
      MOAT_GATEWAY_HOST: "0.0.0.0",
      MOAT_GATEWAY_HTTP_PORT: String(port),
      MOAT_GATEWAY_HTTPS_PORT: String(await freePort("0.0.0.0")),
      MOAT_NETWORK_PUBLIC_ADDRESS: PUBLIC,
      MOAT_NETWORK_PRIVATE_ADDRESS: PRIVATE,
    });
    await units.waitFor(/gateway unit 2 of 2 .*listening on port\(s\)/, 120_000);
  });

  after(async () => {
    await units?.stop();
    await management?.stop();
    await mgmt?.close();
    await store?.close();
    await new Promise((r) => backend?.close(r));
    await dns?.close();
    await env?.close();
  });

  test("None: the units serve gateway.host (every address); the host's resolver cannot find the private name", async () => {
    for (const host of ["127.0.0.1", PUBLIC])
      assert.deepEqual(
        (await calls(4, host, port, HEALTH_PATH)).map((a) => ("status" in a ? a.status : a.error)),
        [200, 200, 200, 200],
      );
    const r = await call(PUBLIC, port, "/echo/x");
    assert.ok("status" in r && r.status >= 500, JSON.stringify(r));
  });

  test("External: both workers move to the public and private addresses and resolve the backend through the VNet's DNS", async () => {
    await service("External");
    const answers = await until(
      () => calls(6, PUBLIC, port, "/echo/x"),
      (list) => list.every((a) => "status" in a && a.status === 200),
      "every call through the public address answered by the backend",
      90_000,
    );
    for (const a of answers)
      assert.equal(JSON.parse((a as { body: string }).body).from, PRIVATE, "from privateAddress");
    assert.ok(dns.queries.includes("api.corp.internal A"), dns.queries.join(", "));
    await until(
      () => call("127.0.0.1", port, HEALTH_PATH),
      (a) => "error" in a && a.error === "ECONNREFUSED",
      "the wildcard listener released by both workers",
    );
    // Workers cannot move off a shared wildcard in place (see gateway-role.ts): fresh ones took over.
    assert.match(units.output(), /unit 1 \(pid \d+\) is replaced: .*cross a wildcard/);
    assert.match(units.output(), /unit 2 \(pid \d+\) is replaced: .*cross a wildcard/);
  });

  test("Internal: no worker answers on the public address; clients outside the network are refused", async () => {
    await service("Internal");
    await until(
      () => calls(4, PUBLIC, port, HEALTH_PATH),
      (list) => list.every((a) => "error" in a && a.error === "ECONNREFUSED"),
      "the public address closed on every worker",
    );
    const outside = await calls(6, PRIVATE, port, HEALTH_PATH);
    for (const a of outside) assert.ok("error" in a, `127.0.0.1 is outside 10.77.0.0/16: ${JSON.stringify(a)}`);
  });

  test("the network's address space grows to hold the client: every worker lets it in", async () => {
    await vnet(["10.77.0.0/16", "127.0.0.0/8"]);
    const answers = await until(
      () => calls(6, PRIVATE, port, "/echo/x"),
      (list) => list.every((a) => "status" in a && a.status === 200),
      "calls from inside the network answered",
    );
    for (const a of answers) assert.equal(JSON.parse((a as { body: string }).body).from, PRIVATE);
  });

  test("NetworkStatus of the units' location merges both units' probes: store, Redis, DNS, backends", async () => {
    const status = await until(
      westUs,
      (s) =>
        (s.reportedBy ?? []).length === 2 &&
        s.connectivityStatus.some((e) => e.resourceType === "Backend" && e.status === "success") &&
        s.connectivityStatus.some((e) => e.name.startsWith("missing.corp.internal") && e.status === "failure"),
      "both units' reports with probe results",
    );
    assert.deepEqual(
      (status.reportedBy ?? []).map((u) => u.replace(/@.*/, "")).sort(),
      ["unit-1", "unit-2"],
      "the units serving West US, and nobody else",
    );
    assert.deepEqual(status.dnsServers, [`127.0.0.1:${dns.port}`]);
    const byName = new Map(status.connectivityStatus.map((e) => [e.name, e]));
    assert.equal(byName.get(`api.corp.internal:${backendPort}`)?.status, "success", "resolved through the VNet's DNS");
    const gone = byName.get("missing.corp.internal:1");
    assert.match(gone?.error ?? "", /unit-1@.*could not resolve missing\.corp\.internal/);
    assert.match(gone?.error ?? "", /unit-2@.*could not resolve missing\.corp\.internal/);
    const kinds = new Set(status.connectivityStatus.filter((e) => e.status === "success").map((e) => e.resourceType));
    for (const kind of ["ConfigurationStore", "Cache", "DnsServer", "Backend"])
      assert.ok(kinds.has(kind), `${kind} probed by the units: ${JSON.stringify(status.connectivityStatus)}`);
    const local = (await mgmt.call("GET", "/locations/local/networkstatus")).body as Status;
    assert.ok(!(local.reportedBy ?? []).some((u) => u.startsWith("unit-")), "units report only their own location");
  });

  test("stopped units take their reports with them", async () => {
    assert.equal(await units.stop("SIGTERM"), 0, units.output());
    const status = await until(westUs, (s) => s.connectivityStatus.length === 0, "the reports removed", 15_000);
    assert.equal(status.reportedBy, undefined);
  });
});
