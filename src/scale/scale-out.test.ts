// Scale-out for real: one management process and three gateway units (separate processes) sharing
// PostgreSQL (a schema of its own) and Redis (a key prefix of its own), each reached through a TCP
// proxy the test cuts to simulate an outage without touching the machine's shared servers.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { until } from "../test-support/wait.js";
import {
  ADMIN_KEY,
  anyGetOperation,
  type ClusterEnv,
  createClusterEnv,
  gatewayGet,
  type ManagementClient,
  managementClient,
  openApiBody,
  policyXml,
} from "./test-support/cluster-env.js";
import { type MoatProcess, spawnMoat } from "./test-support/moat-process.js";

const LIMIT = 20;

interface Unit {
  process: MoatProcess;
  dataDir: string;
  port: number;
  metricsPort: number;
}

describe("scale-out: 3 gateway units + management on shared PostgreSQL and Redis", { timeout: 240_000 }, () => {
  let env: ClusterEnv;
  let backend: Server;
  let management: MoatProcess;
  let mgmt: ManagementClient;
  const units: Unit[] = [];
  const processes: MoatProcess[] = [];

  const gatewayEnv = (dataDir: string): Record<string, string> => ({
    MOAT_ROLE: "gateway",
    MOAT_STORE: env.storeUrl,
    MOAT_REDIS: env.redisUrl,
    MOAT_DATA_DIR: dataDir,
    MOAT_GATEWAY_HOST: "127.0.0.1",
    MOAT_GATEWAY_HTTP_PORT: "0",
    MOAT_GATEWAY_HTTPS_PORT: "0",
    MOAT_METRICS_ENABLED: "true",
    MOAT_METRICS_PORT: "0",
    MOAT_LIMITS_MODE: "exact",
    MOAT_LIMITS_FAIL_MODE: "open",
    // The host running the tests is shared and often overloaded: a generous deadline keeps a slow
    // answer from being taken for an outage (a timed-out call follows failMode and costs exactness).
    MOAT_LIMITS_COMMAND_TIMEOUT_MS: "5000",
    MOAT_LIMITS_KEY_PREFIX: env.keyPrefix,
    MOAT_LOG_LEVEL: "warn",
  });

  const startUnit = async (dataDir: string): Promise<Unit> => {
    const p = spawnMoat([], gatewayEnv(dataDir));
    processes.push(p);
    const m = await p.waitFor(/listening on port\(s\) (\d+), \d+, metrics on [\d.]+:(\d+)/);
    return { process: p, dataDir, port: Number(m[1]), metricsPort: Number(m[2]) };
  };

  const configHeaders = () => Promise.all(units.map((u) => gatewayGet(u.port, "/cfg/v").then((r) => r.header)));
  const setConfigVersion = (version: string) =>
    mgmt.call("PUT", "/apis/cfg/policies/policy", {
      properties: {
        format: "rawxml",
        value: policyXml(
          "",
          `<set-header name="x-config" exists-action="override"><value>${version}</value></set-header>`,
        ),
      },
    });

  before(async () => {
    env = await createClusterEnv("scale");
    backend = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

    management = spawnMoat([], {
      MOAT_ROLE: "management",
      MOAT_STORE: env.storeUrl,
      MOAT_REDIS: env.redisUrl,
      MOAT_DATA_DIR: env.tempDir(),
      MOAT_ADMIN_KEY: ADMIN_KEY,
      MOAT_MANAGEMENT_PORT: "0",
      MOAT_PORTAL_PORT: "0",
      MOAT_PORTAL_HOST: "127.0.0.1",
      MOAT_LOG_LEVEL: "warn",
    });
    processes.push(management);
    const url = (await management.waitFor(/management API listening on (https:\/\/[\d.]+:\d+)/))[1] as string;
    mgmt = managementClient(url);

    const api = (name: string) => openApiBody(name, backendUrl);
    const op = anyGetOperation;
    for (const [method, path, body] of [
      ["PUT", "/apis/lim", api("lim")],
      ["PUT", "/apis/lim/operations/any", op],
      [
        "PUT",
        "/apis/lim/policies/policy",
        {
          properties: {
            format: "rawxml",
            value: policyXml(
              `<rate-limit-by-key calls="${LIMIT}" renewal-period="300" counter-key="@(&quot;shared&quot;)" />`,
            ),
          },
        },
      ],
      // Same policy on another key: warms every unit's pipeline and Redis scripts before the measured burst.
      ["PUT", "/apis/warm", api("warm")],
      ["PUT", "/apis/warm/operations/any", op],
      [
        "PUT",
        "/apis/warm/policies/policy",
        {
          properties: {
            format: "rawxml",
            value: policyXml(
              `<rate-limit-by-key calls="100000" renewal-period="300" counter-key="@(&quot;warm&quot;)" />`,
            ),
          },
        },
      ],
      ["PUT", "/apis/cfg", api("cfg")],
      ["PUT", "/apis/cfg/operations/any", op],
    ] as const) {
      const res = await mgmt.call(method, path, body);
      assert.ok(
        res.status === 200 || res.status === 201,
        `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
      );
    }
    assert.ok([200, 201].includes((await setConfigVersion("v1")).status));

    units.push(...(await Promise.all([0, 1, 2].map(() => startUnit(env.tempDir())))));
    await until(async () => (await configHeaders()).every((h) => h === "v1"), "every unit serving v1");
    for (let i = 0; i < 5; i++) await Promise.all(units.map((u) => gatewayGet(u.port, "/warm/x")));
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await mgmt?.close();
    await new Promise((r) => backend?.close(r));
    await env?.close();
  });

  test("units say which location they serve and run no management API", () => {
    for (const u of units) {
      assert.match(u.process.output(), /serving location "local" \(the service's primary location\)/);
      assert.doesNotMatch(u.process.output(), /management API listening/);
    }
  });

  test(`a limit of ${LIMIT} calls hit concurrently through all 3 units admits exactly ${LIMIT} (exact mode)`, async () => {
    const calls = Array.from({ length: LIMIT * 4 }, (_, i) => gatewayGet((units[i % 3] as Unit).port, "/lim/x"));
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    assert.equal(
      statuses.filter((s) => s === 200).length,
      LIMIT,
      `${statuses.join(",")}\n${units.map((u) => u.process.output()).join("\n")}`,
    );
    assert.equal(statuses.filter((s) => s === 429).length, LIMIT * 3);
  });

  test("a policy change made through management is served by every unit; revision and lag are metrics", async () => {
    const latencies: number[] = [];
    for (const version of ["v2", "v3", "v4"]) {
      assert.equal((await setConfigVersion(version)).status, 200);
      latencies.push(await until(async () => (await configHeaders()).every((h) => h === version), `all on ${version}`));
    }
    console.log(`config change → all 3 units: ${latencies.map((ms) => `${ms.toFixed(0)} ms`).join(", ")}`);
    assert.ok(Math.max(...latencies) < 5000);
    for (const u of units) {
      const text = await (await fetch(`http://127.0.0.1:${u.metricsPort}/metrics`)).text();
      const revision = /^moat_unit_config_revision\{[^}]*\} (\d+)/m.exec(text)?.[1];
      assert.ok(Number(revision) > 0, text);
      assert.match(text, /^moat_unit_config_revisions_behind\{[^}]*\} 0$/m);
      assert.match(text, /^moat_unit_dependency_up\{[^}]*dependency="store"[^}]*\} 1$/m);
      assert.match(text, /^moat_unit_dependency_up\{[^}]*dependency="redis"[^}]*\} 1$/m);
      assert.match(text, /^moat_gateway_requests_total/m);
    }
  });

  test("PostgreSQL, then Redis, cut during load: no crash, no lost acknowledged write, recovery", async () => {
    let load = true;
    const loadStatuses: number[] = [];
    const loader = (async () => {
      let i = 0;
      while (load) {
        const u = units[i++ % units.length] as Unit;
        loadStatuses.push(
          await gatewayGet(u.port, "/cfg/v").then(
            (r) => r.status,
            () => 0,
          ),
        );
      }
    })();
    const acked: string[] = [];
    let writes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const name = `nv${writes++}`;
        const res = await mgmt.call("PUT", `/namedValues/${name}`, { properties: { displayName: name, value: "x" } });
        if (res.status === 200 || res.status === 201) acked.push(name);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await until(() => acked.length >= 5, "writes before the outage");

    // PostgreSQL goes away.
    await env.pgProxy.cut();
    const refused = await mgmt.call("PUT", "/namedValues/during", {
      properties: { displayName: "during", value: "x" },
    });
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal((refused.body as { error?: { code?: string } }).error?.code, "ServiceUnavailable");
    assert.match(String((refused.body as { error: { message: string } }).error.message), /\S/);
    const servedDuringOutage = loadStatuses.length;
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await configHeaders(), ["v4", "v4", "v4"], "units keep serving the last configuration");

    // A unit restarted meanwhile starts from its local config backup.
    const old = units.pop() as Unit;
    await old.process.stop("SIGKILL");
    const restarted = await startUnit(old.dataDir);
    units.push(restarted);
    assert.match(restarted.process.output(), /configuration store unavailable .* serving revision \d+ from/);
    assert.equal((await gatewayGet(restarted.port, "/cfg/v")).header, "v4");
    const metrics = await (await fetch(`http://127.0.0.1:${restarted.metricsPort}/metrics`)).text();
    assert.match(metrics, /^moat_unit_dependency_up\{[^}]*dependency="store"[^}]*\} 0$/m);

    // PostgreSQL returns: writes work again and every unit, the restarted one included, catches up.
    await env.pgProxy.restore();
    await until(async () => (await setConfigVersion("v5")).status === 200, "management writes accepted again", 30_000);
    await until(async () => (await configHeaders()).every((h) => h === "v5"), "all units on v5 after recovery", 30_000);

    // Redis goes away: counters fail open, caches are bypassed, nothing crashes.
    await env.redisProxy.cut();
    const open = await Promise.all(units.map((u) => gatewayGet(u.port, "/lim/x")));
    assert.deepEqual(
      open.map((r) => r.status),
      [200, 200, 200],
      "fail-open while Redis is down",
    );
    await env.redisProxy.restore();
    // Redis back: the shared counter (exhausted earlier) limits again on every unit.
    await until(
      async () => (await Promise.all(units.map((u) => gatewayGet(u.port, "/lim/x")))).every((r) => r.status === 429),
      "shared counter enforced again",
      20_000,
    );

    writing = false;
    await writer;
    load = false;
    await loader;
    assert.ok(loadStatuses.length > servedDuringOutage, "load kept being served");
    const failures = loadStatuses.filter((s) => s !== 200).length;
    assert.ok(failures <= 3, `requests failed under load: ${failures} of ${loadStatuses.length}`);
    // Every acknowledged write survived.
    const listed = await mgmt.call("GET", "/namedValues?$top=1000");
    const names = new Set(((listed.body as { value: { name: string }[] }).value ?? []).map((v) => v.name));
    for (const name of acked) assert.ok(names.has(name), `acknowledged write ${name} lost`);
    for (const p of processes) if (p !== old.process) assert.equal(p.exited, false, `a process exited:\n${p.output()}`);
  });
});
