// NetworkStatus against real listeners on loopback: TCP, a UDP DNS server, an SMTP banner, HTTP,
// Redis (the local one when present, a RESP stub otherwise), plus the declared-model verdict.
import assert from "node:assert/strict";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { after, before, describe, test } from "node:test";
import { createManualClock } from "../core/clock.js";
import type { SecurityRule } from "../network/model.js";
import { compileFixture, fixtureTopology, ids, rule } from "../network/test-support/fixtures.js";
import { dependenciesFromConfig } from "./dependencies.js";
import { createNetworkStatusMonitor, type Dependency, modelVerdict } from "./monitor.js";
import { runProbe } from "./probes.js";

let tcp: Server;
let smtp: Server;
let badSmtp: Server;
let resp: Server;
let http: HttpServer;
let dns: UdpSocket;
const port = (s: Server | HttpServer) => (s.address() as AddressInfo).port;
let dnsPort = 0;
let closedPort = 0;

/** Answers every A query with 127.0.0.1: enough DNS to prove the server is reachable and answers. */
function dnsAnswer(query: Buffer): Buffer {
  let q = 12;
  while (q < query.length && query[q] !== 0) q += (query[q] as number) + 1;
  const question = query.subarray(12, q + 5);
  const header = Buffer.from([query[0] as number, query[1] as number, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
  return Buffer.concat([header, question, answer]);
}

const listen = (s: Server | HttpServer) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
const close = (s: Server | HttpServer) => new Promise<void>((resolve) => s.close(() => resolve()));

before(async () => {
  tcp = createServer((c) => c.end());
  smtp = createServer((c) => c.end("220 relay.test ESMTP ready\r\n"));
  badSmtp = createServer((c) => c.end("554 no service\r\n"));
  resp = createServer((c) => c.on("data", () => c.end("+PONG\r\n")));
  http = createHttpServer((req, res) => res.writeHead(req.url === "/down" ? 503 : 200).end("ok"));
  await Promise.all([tcp, smtp, badSmtp, resp, http].map(listen));
  dns = createSocket("udp4");
  dns.on("message", (msg, rinfo) => dns.send(dnsAnswer(msg), rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => dns.bind(0, "127.0.0.1", () => resolve()));
  dnsPort = dns.address().port;
  const probe = createServer();
  await listen(probe);
  closedPort = port(probe);
  await close(probe);
});

after(async () => {
  await Promise.all([tcp, smtp, badSmtp, resp, http].map(close));
  dns.close();
});

describe("probes over real connections", () => {
  test("each kind succeeds against its listener and fails with a short reason", async () => {
    const ok = await Promise.all([
      runProbe({ kind: "tcp", host: "127.0.0.1", port: port(tcp) }, 1000),
      runProbe({ kind: "smtp", host: "127.0.0.1", port: port(smtp) }, 1000),
      runProbe({ kind: "redis", host: "127.0.0.1", port: port(resp) }, 1000),
      runProbe({ kind: "http", url: `http://127.0.0.1:${port(http)}/` }, 1000),
      runProbe({ kind: "dns", server: "127.0.0.1", port: dnsPort, query: "contoso.azure-api.net" }, 1000),
    ]);
    assert.deepEqual(
      ok.map((r) => r.error),
      [undefined, undefined, undefined, undefined, undefined],
    );
    const bad = await Promise.all([
      runProbe({ kind: "tcp", host: "127.0.0.1", port: closedPort }, 1000),
      runProbe({ kind: "smtp", host: "127.0.0.1", port: port(badSmtp) }, 1000),
      runProbe({ kind: "http", url: `http://127.0.0.1:${port(http)}/down` }, 1000),
      runProbe({ kind: "dns", server: "127.0.0.1", port: closedPort, query: "contoso.azure-api.net" }, 500),
    ]);
    assert.match(bad[0]?.error ?? "", /^TCP 127\.0\.0\.1:\d+ refused$/);
    assert.match(bad[1]?.error ?? "", /is not 220/);
    assert.match(bad[2]?.error ?? "", /returned 503/);
    assert.match(bad[3]?.error ?? "", /^DNS 127\.0\.0\.1 (refused|timed out) on udp\/\d+$/);
  });
});

describe("the local Redis", () => {
  test("answers PING", async () => {
    const r = await runProbe(
      {
        kind: "redis",
        host: process.env.MOAT_TEST_REDIS_HOST ?? "127.0.0.1",
        port: Number(process.env.MOAT_TEST_REDIS_PORT ?? 6379),
      },
      1000,
    );
    assert.equal(r.error, undefined);
  });
});

describe("NetworkStatus monitor", () => {
  const deps = (): Dependency[] => [
    {
      name: "config-store",
      resourceType: "SQLDatabase",
      isOptional: false,
      probe: { kind: "tcp", host: "127.0.0.1", port: port(tcp) },
    },
    {
      name: "smtpi-ch1.msn.com:25028",
      resourceType: "Email",
      isOptional: true,
      probe: { kind: "smtp", host: "127.0.0.1", port: port(smtp) },
    },
    {
      name: "LocalGatewayRedis",
      resourceType: "InternalCache",
      isOptional: true,
      probe: { kind: "redis", host: "127.0.0.1", port: port(resp) },
      flow: { protocol: "Tcp", ip: "10.0.2.10", port: 6379 },
    },
  ];

  test("initializing, then success; lastStatusChange moves only on flips", async () => {
    const clock = createManualClock(Date.parse("2024-01-01T00:00:00Z"));
    const m = createNetworkStatusMonitor({ dependencies: deps(), clock, probeTimeoutMs: 1000 });
    assert.deepEqual(m.status().dnsServers, ["168.63.129.16"]);
    assert.ok(m.status().connectivityStatus.every((e) => e.status === "initializing"));
    await m.probeNow();
    let s = m.status().connectivityStatus;
    assert.ok(
      s.every((e) => e.status === "success" && e.lastUpdated === "2024-01-01T00:00:00Z"),
      JSON.stringify(s),
    );
    clock.advance(15 * 60 * 1000);
    await m.probeNow();
    s = m.status().connectivityStatus;
    assert.ok(
      s.every((e) => e.lastUpdated === "2024-01-01T00:15:00Z" && e.lastStatusChange === "2024-01-01T00:00:00Z"),
    );
  });

  test("the declared NSG is reported next to the live result", async () => {
    const t = fixtureTopology();
    (t.networkSecurityGroups[0] as { securityRules: SecurityRule[] }).securityRules = [
      rule("deny-all-out", 200, "Outbound", "Deny", "*", "*", "*", "*"),
    ];
    const model = { index: compileFixture(t), subnetId: ids.snetApim, sourceIp: "10.0.1.4" };
    const clock = createManualClock(Date.parse("2024-01-01T00:00:00Z"));
    const m = createNetworkStatusMonitor({ dependencies: deps(), clock, model, probeTimeoutMs: 1000 });
    await m.probeNow();
    const redis = m.status().connectivityStatus.find((e) => e.name === "LocalGatewayRedis");
    assert.equal(redis?.status, "failure");
    assert.equal(redis?.error, "model: NSG rule deny-all-out (priority 200, nsg-apim) blocks TCP 6379 to 10.0.2.10");
    const dnsDep: Dependency = {
      name: "dns",
      resourceType: "DnsServer",
      isOptional: false,
      probe: { kind: "dns", server: "10.0.2.53", query: "x" },
    };
    assert.match(modelVerdict(model, dnsDep) ?? "", /blocks UDP 53 to 10\.0\.2\.53/);
    m.setModel(undefined);
    clock.advance(1000);
    await m.probeNow();
    const again = m.status().connectivityStatus.find((e) => e.name === "LocalGatewayRedis");
    assert.deepEqual([again?.status, again?.lastStatusChange], ["success", "2024-01-01T00:00:01Z"]);
  });

  test("a dead dependency fails with the live reason; reset goes back to initializing", async () => {
    const clock = createManualClock(0);
    const m = createNetworkStatusMonitor({
      dependencies: [
        {
          name: "backend",
          resourceType: "Backend",
          isOptional: true,
          probe: { kind: "tcp", host: "127.0.0.1", port: closedPort },
        },
      ],
      clock,
      dnsServers: ["10.0.2.53"],
      probeTimeoutMs: 500,
    });
    await m.probeNow();
    assert.match(m.status().connectivityStatus[0]?.error ?? "", /^live: TCP 127\.0\.0\.1:\d+ refused$/);
    m.reset(["10.0.2.54"]);
    assert.deepEqual(m.status().dnsServers, ["10.0.2.54"]);
    assert.equal(m.status().connectivityStatus[0]?.status, "initializing");
  });

  test("start() probes at once and every interval; stop() freezes lastUpdated", async () => {
    let calls = 0;
    const clock = createManualClock(0);
    const m = createNetworkStatusMonitor({
      dependencies: deps().slice(0, 1),
      clock,
      intervalMs: 20,
      probe: async () => {
        calls++;
        return { ok: true, durationMs: 0 };
      },
    });
    m.start();
    await new Promise((r) => setTimeout(r, 90));
    m.stop();
    const seen = calls;
    assert.ok(seen >= 2, `probed ${seen} times`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, seen);
  });
});

describe("spec §19.7 NetworkStatus cases", () => {
  const sqlDep: Dependency = {
    name: "sqlsrv0001.database.windows.net",
    resourceType: "SQLDatabase",
    isOptional: false,
    probe: { kind: "tcp", host: "sqlsrv0001.database.windows.net", port: 1433 },
    flow: { protocol: "Tcp", ip: "198.51.100.130", port: 1433 },
  };
  const blobDep: Dependency = {
    name: "apimgmtst0001.blob.core.windows.net",
    resourceType: "BlobStorage",
    isOptional: false,
    probe: { kind: "tcp", host: "apimgmtst0001.blob.core.windows.net", port: 443 },
    flow: { protocol: "Tcp", ip: "198.51.100.10", port: 443 },
  };
  const live = async () => ({ ok: true, durationMs: 0 });
  const at = (m: number) =>
    `2024-01-01T${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}:00Z`;

  test("T57 refresh: a rule added between probes shows at the next probe, naming the rule", async () => {
    const t0 = Date.parse("2024-01-01T00:00:00Z");
    const clock = createManualClock(t0);
    const model = (extra: SecurityRule[] = []) => {
      const t = fixtureTopology({ recommended: true });
      const nsg = t.networkSecurityGroups[0] as { securityRules: SecurityRule[] };
      nsg.securityRules = [...nsg.securityRules.map((r) => ({ ...r, priority: r.priority + 50 })), ...extra];
      return { index: compileFixture(t), subnetId: ids.snetApim, sourceIp: "10.0.1.4" };
    };
    const m = createNetworkStatusMonitor({ dependencies: [sqlDep, blobDep], clock, model: model(), probe: live });
    await m.probeNow();
    clock.set(t0 + 15 * 60_000);
    await m.probeNow();
    clock.set(t0 + 20 * 60_000);
    m.setModel(model([rule("deny-sql", 100, "Outbound", "Deny", "Tcp", "*", "Sql", "1433")]));
    clock.set(t0 + 29 * 60_000);
    let sql = m.status().connectivityStatus[0];
    assert.deepEqual([sql?.status, sql?.lastUpdated], ["success", at(15)]);
    clock.set(t0 + 30 * 60_000);
    await m.probeNow();
    const [s, b] = m.status().connectivityStatus;
    assert.deepEqual([s?.status, s?.lastStatusChange, s?.isOptional], ["failure", at(30), false]);
    assert.match(s?.error ?? "", /NSG rule deny-sql \(priority 100, nsg-apim\) blocks TCP 1433/);
    assert.deepEqual([b?.status, b?.lastUpdated, b?.lastStatusChange], ["success", at(30), at(0)]);
    clock.set(t0 + 60 * 60_000);
    sql = m.status().connectivityStatus[0];
    assert.equal(sql?.lastUpdated, at(30));
  });

  test("T56 DNS snapshot: Azure DNS shown as 168.63.129.16; apply resets to initializing", async () => {
    const m = createNetworkStatusMonitor({ dependencies: [blobDep], clock: createManualClock(0), probe: live });
    assert.deepEqual(m.status().dnsServers, ["168.63.129.16"]);
    await m.probeNow();
    m.reset(["10.0.2.53"]);
    assert.deepEqual(m.status(), {
      dnsServers: ["10.0.2.53"],
      connectivityStatus: [{ ...m.status().connectivityStatus[0], status: "initializing" } as never],
    });
  });
});

describe("Moat's own dependencies", () => {
  test("from configuration, probed live against the local PostgreSQL and Redis", async () => {
    const { dependencies, diagnostics } = dependenciesFromConfig({
      storeUrl: "postgres://postgres@127.0.0.1:5432/test",
      redisUrl: "redis://127.0.0.1:6379",
      smtp: { host: "127.0.0.1", port: port(smtp) },
      dnsServers: ["127.0.0.1"],
      backends: [`http://127.0.0.1:${port(http)}/`, "not a url"],
    });
    assert.deepEqual(
      diagnostics.map((d) => d.path),
      ["backends[1]"],
    );
    assert.deepEqual(
      dependencies.map((d) => d.resourceType),
      ["ConfigurationStore", "Cache", "Email", "DnsServer", "Backend"],
    );
    const m = createNetworkStatusMonitor({
      dependencies: dependencies.filter((d) => d.resourceType !== "DnsServer"),
      clock: createManualClock(0),
      probeTimeoutMs: 1000,
    });
    await m.probeNow();
    assert.deepEqual(
      m.status().connectivityStatus.map((e) => `${e.resourceType} ${e.status} ${e.error}`),
      ["ConfigurationStore success ", "Cache success ", "Email success ", "Backend success "],
    );
  });
});
