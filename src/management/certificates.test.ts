// Certificate uploads: subject, thumbprint and expiry are read from the uploaded PFX or PEM.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Harness, startHarness, testCert } from "./test-support/harness.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("a PEM certificate is read; data and password are never returned", async () => {
  const { cert } = await testCert();
  const res = await h.call("PUT", "/certificates/pem1", { properties: { data: Buffer.from(cert).toString("base64") } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.properties.subject, "CN=localhost");
  assert.match(res.body.properties.thumbprint, /^[0-9A-F]{40}$/);
  assert.ok(!Number.isNaN(Date.parse(res.body.properties.expirationDate)));
  assert.equal(res.body.properties.data, undefined);
});

test("a PFX with its password is read; a wrong password is a 400 naming data", { skip: !hasOpenssl() }, async () => {
  const { cert, key } = await testCert();
  const dir = mkdtempSync(join(tmpdir(), "moat-pfx-"));
  try {
    writeFileSync(join(dir, "c.pem"), cert);
    writeFileSync(join(dir, "k.pem"), key);
    execFileSync("openssl", [
      "pkcs12",
      "-export",
      "-inkey",
      join(dir, "k.pem"),
      "-in",
      join(dir, "c.pem"),
      "-out",
      join(dir, "c.pfx"),
      "-passout",
      "pass:s3cret",
    ]);
    const data = readFileSync(join(dir, "c.pfx")).toString("base64");
    const ok = await h.call("PUT", "/certificates/pfx1", { properties: { data, password: "s3cret" } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.properties.subject, "CN=localhost");
    assert.equal(ok.body.properties.password, undefined);
    const wrong = await h.call("PUT", "/certificates/pfx2", { properties: { data, password: "nope" } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.details[0].target, "properties.data");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("garbage data is a 400 naming data", async () => {
  const res = await h.call("PUT", "/certificates/bad", { properties: { data: "bm90IGEgY2VydA==" } });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.details[0].target, "properties.data");
});
