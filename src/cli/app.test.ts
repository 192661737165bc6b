// `moat serve`'s composition: first start generates TLS material and keys into the data directory,
// later starts reuse them, configuration errors name the key, and the process stops on SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Agent, fetch } from "undici";
import { portalOrigins, startApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "moat-app-"));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
/** Every listener on an ephemeral port, so tests never collide with a running Moat. */
const ports = { "management-port": "0", "gateway-http-port": "0", "gateway-https-port": "0", "portal-port": "0" };
const agent = new Agent({ connect: { rejectUnauthorized: false } });
after(() => agent.close());

test("first start generates cert and admin key (0600); restart reuses them; the API answers", async () => {
  const dataDir = join(tempDir(), "data");
  const config = loadConfig({ flags: { "data-dir": dataDir, ...ports } });
  const app = await startApp(config);
  try {
    assert.equal(app.generatedAdminKey, true);
    assert.equal(statSync(join(dataDir, "admin.key")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, "sas-signing.key")).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dataDir, "admin.key"), "utf8").trim(), app.adminKey);
    const res = await fetch(`${app.managementUrl}/?api-version=2024-05-01`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${app.adminKey}` },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { name: string }).name, "moat");
  } finally {
    await app.close();
  }
  const cert = readFileSync(join(dataDir, "tls-cert.pem"), "utf8");
  const again = await startApp(config);
  try {
    assert.equal(again.generatedAdminKey, false);
    assert.equal(readFileSync(join(dataDir, "tls-cert.pem"), "utf8"), cert);
    assert.equal(readFileSync(join(dataDir, "admin.key"), "utf8").trim(), again.adminKey);
  } finally {
    await again.close();
  }
});

test("MOAT_ADMIN_KEY sets the key explicitly", async () => {
  const dataDir = tempDir();
  const config = loadConfig({
    env: { MOAT_ADMIN_KEY: "explicit-admin-key-123456" },
    flags: { "data-dir": dataDir, ...ports },
  });
  const app = await startApp(config);
  try {
    assert.equal(app.adminKey, "explicit-admin-key-123456");
    assert.equal(app.generatedAdminKey, false);
  } finally {
    await app.close();
  }
});

test("configuration problems name the key", async () => {
  assert.throws(
    () => loadConfig({ env: { MOAT_ADMIN_KEY: "short" } }),
    (err: unknown) => err instanceof ConfigError && /adminKey/.test(err.message),
  );
  const config = loadConfig({
    flags: { "data-dir": tempDir(), ...ports, "management-cert-file": "/nonexistent/cert.pem" },
  });
  await assert.rejects(
    startApp(config),
    (err: unknown) => err instanceof ConfigError && /management\.certFile/.test(err.message),
  );
});

test("a busy management port is a ConfigError naming management.port", async () => {
  const first = await startApp(loadConfig({ flags: { "data-dir": tempDir(), ...ports } }));
  try {
    const port = new URL(first.managementUrl).port;
    const config = loadConfig({ flags: { "data-dir": tempDir(), ...ports, "management-port": port } });
    await assert.rejects(
      startApp(config),
      (err: unknown) => err instanceof ConfigError && /management\.port/.test(err.message),
    );
  } finally {
    await first.close();
  }
});

test("try-it CORS: a derived localhost portal URL also allows 127.0.0.1 and [::1]; a configured one only itself", () => {
  assert.deepEqual(portalOrigins("http://localhost:8081", true), [
    "http://localhost:8081",
    "http://127.0.0.1:8081",
    "http://[::1]:8081",
  ]);
  assert.deepEqual(portalOrigins("http://localhost:8081", false), ["http://localhost:8081"]);
  assert.deepEqual(portalOrigins("http://10.0.0.4:8081", true), ["http://10.0.0.4:8081"]);
  assert.deepEqual(portalOrigins("https://portal.contoso.internal/", false), ["https://portal.contoso.internal"]);
});

test("busy gateway and portal ports are ConfigErrors naming their keys", async () => {
  const blocker = createNetServer();
  await new Promise<void>((r) => blocker.listen(0, "0.0.0.0", r));
  const busy = String((blocker.address() as AddressInfo).port);
  try {
    for (const [flag, key] of [
      ["gateway-http-port", /gateway\.httpPort: cannot listen on 0\.0\.0\.0:\d+ \(EADDRINUSE\)/],
      ["gateway-https-port", /gateway\.httpsPort/],
      ["portal-port", /portal\.port/],
    ] as const) {
      const config = loadConfig({ flags: { "data-dir": tempDir(), ...ports, [flag]: busy } });
      await assert.rejects(
        startApp(config, { gateway: true }),
        (err: unknown) => err instanceof ConfigError && key.test(err.message),
      );
    }
  } finally {
    blocker.close();
  }
});

test("moat serve prints the key once and stops cleanly on SIGTERM", async () => {
  const dataDir = tempDir();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })",
      "serve",
    ],
    {
      cwd: join(import.meta.dirname, "../.."),
      env: {
        ...process.env,
        MOAT_DATA_DIR: dataDir,
        MOAT_MANAGEMENT_PORT: "0",
        MOAT_GATEWAY_HTTP_PORT: "0",
        MOAT_GATEWAY_HTTPS_PORT: "0",
        MOAT_PORTAL_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    child.stdout.on("data", () => {
      if (
        /generated administrator key/.test(out) &&
        /\n {2}\S+\n/.test(out.split("generated administrator key")[1] ?? "")
      ) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  assert.match(out, /management API listening on https:\/\/127\.0\.0\.1:\d+/);
  assert.ok(out.includes(readFileSync(join(dataDir, "admin.key"), "utf8").trim()));
  child.kill("SIGTERM");
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, out);
  assert.match(out, /SIGTERM received/);
});
