import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, defaultConfig, loadConfig } from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "moat-config-"));

test("defaults apply when nothing is given", () => {
  const config = loadConfig({ env: {} });
  assert.deepEqual({ ...config }, { ...defaultConfig });
  assert.equal(config.management.port, 3443);
  assert.ok(Object.isFrozen(config.gateway));
});

test("file, then environment, then flags override in that order", () => {
  const file = join(dir, "moat.yaml");
  writeFileSync(file, "gateway:\n  httpPort: 9000\n  httpsPort: 9443\nserviceName: contoso\n");
  const config = loadConfig({
    file,
    env: { MOAT_GATEWAY_HTTP_PORT: "9100", MOAT_DATA_DIR: "/var/lib/moat" },
    flags: { "gateway-http-port": "9200" },
  });
  assert.equal(config.gateway.httpPort, 9200);
  assert.equal(config.gateway.httpsPort, 9443);
  assert.equal(config.serviceName, "contoso");
  assert.equal(config.dataDir, "/var/lib/moat");
});

test("gateway.leanHttp: on by default, off by file or MOAT_GATEWAY_LEAN_HTTP, a non-boolean names the key", () => {
  assert.equal(loadConfig({ env: {} }).gateway.leanHttp, true);
  assert.equal(loadConfig({ env: { MOAT_GATEWAY_LEAN_HTTP: "false" } }).gateway.leanHttp, false);
  const file = join(dir, "lean.yaml");
  writeFileSync(file, "gateway:\n  leanHttp: false\n  httpPort: 9000\n");
  const fromFile = loadConfig({ file, env: {} });
  assert.equal(fromFile.gateway.leanHttp, false);
  assert.equal(fromFile.gateway.httpsPort, 8443);
  assert.throws(
    () => loadConfig({ env: { MOAT_GATEWAY_LEAN_HTTP: "sometimes" } }),
    (err: unknown) => err instanceof ConfigError && /gateway\.leanHttp/.test(err.message),
  );
});

test("JSON configuration files are read too", () => {
  const file = join(dir, "moat.json");
  writeFileSync(file, JSON.stringify({ portal: { port: 8181 } }));
  assert.equal(loadConfig({ file, env: {} }).portal.port, 8181);
});

test("a bad value stops start-up with a message naming the key", () => {
  assert.throws(
    () => loadConfig({ env: { MOAT_MANAGEMENT_PORT: "seventy" } }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /management\.port/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ flags: { "gateway-https-port": "70000" } }), /gateway\.httpsPort/);
  assert.throws(() => loadConfig({ env: { MOAT_ADMIN_KEY: "short" } }), /adminKey: must be at least 16/);
});

test("unknown keys, variables and flags are refused by name", () => {
  const file = join(dir, "typo.yaml");
  writeFileSync(file, "gatway:\n  httpPort: 1\n");
  assert.throws(() => loadConfig({ file, env: {} }), /unknown key\(s\) gatway/);
  assert.throws(() => loadConfig({ env: { MOAT_GATEWAY_PROT: "1" } }), /MOAT_GATEWAY_PROT/);
  assert.throws(() => loadConfig({ flags: { "no-such-flag": true } }), /--no-such-flag/);
});

test("an unreadable or malformed file is a ConfigError naming the file", () => {
  assert.throws(() => loadConfig({ file: join(dir, "missing.yaml") }), /cannot read configuration file/);
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "gateway: [unclosed\n");
  assert.throws(() => loadConfig({ file: bad }), /not valid YAML/);
});

test("MOAT_TEST_* variables are for tests and ignored by the loader", () => {
  assert.equal(loadConfig({ env: { MOAT_TEST_SOMETHING: "x" } }).serviceName, "moat");
});

test("the change feed's retention is configurable and checked", () => {
  const config = loadConfig({ env: { MOAT_CHANGE_FEED_KEEP_REVISIONS: "500", MOAT_CHANGE_FEED_KEEP_SECONDS: "600" } });
  assert.deepEqual({ ...config.changeFeed }, { keepRevisions: 500, keepSeconds: 600 });
  assert.throws(() => loadConfig({ env: { MOAT_CHANGE_FEED_KEEP_REVISIONS: "5" } }), /changeFeed\.keepRevisions/);
});
