// Proof on real networks (issue 4, "Prove it for real"): Moat runs as `moat serve` inside a network
// namespace with a public and a private interface; a backend and the VNet's DNS server live in a
// backend subnet; clients sit on the internet and inside the network. Needs root and iproute2;
// skips with the reason otherwise. Namespaces are created per run and removed in `after`.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { nsgBody, subnetId, vnetBody } from "./test-fixtures.js";
import {
  addresses,
  createTestNetwork,
  netnsUnavailable,
  type Role,
  type TestNetwork,
  waitForLine,
} from "./testing/netns.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fetchClient = join(root, "src/vnet/testing/fetch-client.mjs");
// `moat <args>` through tsx, as `npx moat` runs the built CLI.
const moatArgs = (...args: string[]) => [
  "--import",
  "tsx",
  "-e",
  `import(${JSON.stringify(join(root, "src/cli/main.ts"))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`,
  ...args,
];
const adminKey = "netns-test-admin-key-0123456789";
const apim = subnetId("vnet", "apim");
const unavailable = netnsUnavailable();

type Reply = { status?: number; body?: unknown; error?: string; message?: string };
// biome-ignore lint/suspicious/noExplicitAny: replies are inspected loosely
type Body = any;

describe("virtual networks for real (network namespaces)", { skip: unavailable ?? false }, () => {
  let net: TestNetwork;
  let moat: ChildProcess;
  let dataDir: string;
  const output: string[] = [];

  const request = async (role: Role, spec: Record<string, unknown>): Promise<Reply> => {
    const { stdout } = await net
      .exec(role, process.execPath, [fetchClient, JSON.stringify(spec)], {
        NODE_EXTRA_CA_CERTS: join(dataDir, "tls-cert.pem"),
      })
      .catch((err: { stdout?: string; stderr?: string; message: string }) => ({
        stdout: err.stdout?.trim()
          ? err.stdout
          : JSON.stringify({ error: "ClientFailed", message: `${err.message} ${err.stderr ?? ""}` }),
      }));
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as Reply;
  };
  const management = (method: string, path: string, body?: unknown) =>
    request("moat", {
      method,
      url: `https://localhost:3443${path}${path.includes("?") ? "&" : "?"}api-version=2024-05-01`,
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body }),
    });
  const moatCli = (args: string[]) =>
    net.exec("moat", process.execPath, moatArgs(...args), {
      NODE_EXTRA_CA_CERTS: join(dataDir, "tls-cert.pem"),
    });
  /** Retries until `check` passes: the runtime applies a change a moment after the write. */
  const eventually = async <T>(what: string, attempt: () => Promise<T>, check: (v: T) => boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = await attempt();
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.fail(`${what}: last answer ${JSON.stringify(last)}`);
  };
  const gatewayFrom = (role: Role, host: string, path = "/echo/hello") =>
    request(role, { url: `http://${host}:8080${path}`, timeoutMs: 3000 });

  before(async () => {
    const tag = randomBytes(3).toString("hex");
    net = await createTestNetwork(tag);
    dataDir = mkdtempSync(join(tmpdir(), "moat-netns-"));
    const backend = net.spawn(
      "backend",
      process.execPath,
      ["--import", "tsx", join(root, "src/vnet/testing/backend-main.ts")],
      {
        MOAT_TEST_HTTP: `${addresses.backend}:8000`,
        MOAT_TEST_DNS: `${addresses.dns}:53`,
        MOAT_TEST_RECORDS: JSON.stringify({ "api.corp.internal": addresses.backend }),
      },
    );
    await waitForLine(backend, /^ready/, 60_000);
    const config = join(dataDir, "moat.json");
    writeFileSync(
      config,
      JSON.stringify({
        serviceName: "moat",
        location: "local",
        dataDir,
        adminKey,
        management: { host: "0.0.0.0", port: 3443 },
        gateway: { host: "0.0.0.0", httpPort: 8080, httpsPort: 8443 },
        portal: { host: "0.0.0.0", port: 8081 },
        network: { publicAddress: addresses.moatPublic, privateAddress: addresses.moatPrivate },
        networkStatus: { intervalSeconds: 2 },
        log: { level: "warn" },
      }),
    );
    moat = net.spawn("moat", process.execPath, moatArgs("serve", "--config", config), {});
    moat.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
    moat.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
    await waitForLine(moat, /management API listening/, 90_000);
  });

  after(async () => {
    await net?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("setup: network resources and an API whose backend is a private host name", async () => {
    for (const [method, path, body] of [
      ["PUT", "/networkSecurityGroups/nsg-apim", nsgBody()],
      ["PUT", "/virtualNetworks/vnet", vnetBody()],
      [
        "PUT",
        "/apis/echo",
        {
          properties: {
            displayName: "echo",
            path: "echo",
            serviceUrl: "http://api.corp.internal:8000",
            protocols: ["http"],
            subscriptionRequired: false,
          },
        },
      ],
      ["PUT", "/apis/echo/operations/any", { properties: { displayName: "any", method: "GET", urlTemplate: "/*" } }],
    ] as const) {
      const r = await management(method, path, body);
      assert.ok(r.status === 200 || r.status === 201, `${method} ${path}: ${JSON.stringify(r)}`);
    }
  });

  test("External (moat network create): an internet client reaches the private backend by host name", async () => {
    const cli = await moatCli([
      "network",
      "create",
      "--name",
      "moat",
      "--subnet",
      apim,
      "--vpn-type",
      "External",
      "--location",
      "local",
      "--management-url",
      "https://localhost:3443",
      "--admin-key",
      adminKey,
    ]);
    assert.match(cli.stdout, /-> 200/, cli.stdout + cli.stderr);
    const r = await eventually(
      "internet client through the public address",
      () => gatewayFrom("internet", addresses.moatPublic),
      (x) => x.status === 200,
    );
    const body = r.body as Body;
    assert.equal(body.backend, "private");
    assert.equal(body.from, addresses.moatPrivate, "backend connections leave from the private address");
    const service = await management("GET", "");
    assert.deepEqual((service.body as Body).properties.publicIPAddresses, [addresses.moatPublic]);
    assert.equal((service.body as Body).properties.privateIPAddresses, undefined);
  });

  test("NetworkStatus reports the VNet's DNS server and the backend, probed for real", async () => {
    const status = await eventually(
      "DNS and backend probed",
      () => management("GET", "/networkstatus"),
      (r) => {
        const entries = ((r.body as Body)?.[0]?.networkStatus?.connectivityStatus ?? []) as Body[];
        return ["DnsServer", "Backend"].every((t) =>
          entries.some((e) => e.resourceType === t && e.status === "success"),
        );
      },
    );
    assert.deepEqual((status.body as Body)[0].networkStatus.dnsServers, [addresses.dns]);
  });

  test("an unknown backend name is reported with the DNS server that could not resolve it", async () => {
    await management("PUT", "/apis/dead", {
      properties: {
        displayName: "dead",
        path: "dead",
        serviceUrl: "http://missing.corp.internal:8000",
        protocols: ["http"],
        subscriptionRequired: false,
      },
    });
    await management("PUT", "/apis/dead/operations/any", {
      properties: { displayName: "any", method: "GET", urlTemplate: "/*" },
    });
    const r = await eventually(
      "502 for the unresolvable backend",
      () => gatewayFrom("internet", addresses.moatPublic, "/dead/x"),
      (x) => x.status === 502,
    );
    assert.equal(r.status, 502);
    const status = await eventually(
      "backend failure in NetworkStatus",
      () => management("GET", "/networkstatus"),
      (x) =>
        JSON.stringify(x.body).includes("missing.corp.internal") &&
        JSON.stringify(x.body).includes("could not resolve"),
    );
    const entry = ((status.body as Body)[0].networkStatus.connectivityStatus as Body[]).find((e) =>
      e.name.startsWith("missing.corp.internal"),
    );
    assert.equal(entry.status, "failure");
    assert.match(entry.error, /DNS 10\.77\.2\.53 could not resolve missing\.corp\.internal/);
    assert.equal((await management("DELETE", "/apis/dead")).status !== 500, true);
  });

  test("Internal (moat network update-region): only clients inside the network get through; no restart", async () => {
    const pid = moat.pid;
    const service = await management("GET", "");
    const file = join(dataDir, "service.json");
    writeFileSync(file, JSON.stringify(service.body));
    const cli = await moatCli([
      "network",
      "update-region",
      "--service",
      file,
      "--location",
      "local",
      "--subnet",
      apim,
      "--vpn-type",
      "Internal",
      "--management-url",
      "https://localhost:3443",
      "--admin-key",
      adminKey,
    ]);
    assert.match(cli.stdout, /-> 200/, cli.stdout + cli.stderr);
    const inside = await eventually(
      "inside client through the private address",
      () => gatewayFrom("inside", addresses.moatPrivate),
      (x) => x.status === 200,
    );
    assert.equal((inside.body as Body).from, addresses.moatPrivate);
    const publicTry = await eventually(
      "public address closed",
      () => gatewayFrom("internet", addresses.moatPublic),
      (x) => x.error !== undefined,
    );
    assert.equal(publicTry.error, "ECONNREFUSED", JSON.stringify(publicTry));
    // The internet namespace routes to the private address too: Moat itself refuses the client.
    const privateTry = await gatewayFrom("internet", addresses.moatPrivate);
    assert.ok(privateTry.error !== undefined && privateTry.status === undefined, JSON.stringify(privateTry));
    // The developer portal moved with the gateway: private address only.
    const portalInside = await eventually(
      "portal on the private address",
      () => request("inside", { url: `http://${addresses.moatPrivate}:8081/`, timeoutMs: 3000 }),
      (x) => x.status !== undefined,
    );
    assert.equal(portalInside.status, 200, JSON.stringify(portalInside).slice(0, 300));
    const portalOutside = await request("internet", { url: `http://${addresses.moatPublic}:8081/`, timeoutMs: 3000 });
    assert.equal(portalOutside.error, "ECONNREFUSED", JSON.stringify(portalOutside));
    const after = await management("GET", "");
    assert.deepEqual((after.body as Body).properties.privateIPAddresses, [addresses.moatPrivate]);
    assert.equal(moat.pid, pid);
    assert.equal(moat.exitCode, null, "Moat was not restarted");
  });

  test("the management endpoint accepts only the control-plane sources allowed (loopback and the network)", async () => {
    const outside = await request("internet", {
      url: `https://${addresses.moatPublic}:3443/`,
      timeoutMs: 3000,
      insecure: true,
    });
    assert.equal(outside.status, undefined, JSON.stringify(outside));
    assert.doesNotMatch(String(outside.error), /CERT|TIMEOUT|Abort/i, "closed by Moat, not by TLS or a lost route");
    const inside = await request("inside", {
      url: `https://${addresses.moatPrivate}:3443/`,
      timeoutMs: 3000,
      insecure: true,
    });
    assert.ok(inside.status !== undefined && inside.status >= 400, JSON.stringify(inside));
  });

  test("back to External without a restart: the internet client gets through again", async () => {
    const r = await management("PATCH", "", { properties: { virtualNetworkType: "External" } });
    assert.equal(r.status, 200, JSON.stringify(r));
    const again = await eventually(
      "internet client again",
      () => gatewayFrom("internet", addresses.moatPublic),
      (x) => x.status === 200,
    );
    assert.equal((again.body as Body).from, addresses.moatPrivate);
    assert.equal(moat.exitCode, null);
    assert.ok(!output.join("").includes("Error:"), output.join("").slice(-3000));
  });
});

if (unavailable) test(`netns tests skipped: ${unavailable}`, { skip: unavailable }, () => {});
