import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sharedPath } from "../../test-support/shared-dir.js";
import { checkPolicyFiles, formatCheck, policyCommand } from "./policy.js";

const CORPUS = `${sharedPath("corpus/policies")}/`;

describe("moat policy check", () => {
  const dir = mkdtempSync(join(tmpdir(), "moat-policy-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("every corpus document compiles or is rejected naming the construct and its line — no crash", () => {
    const results = checkPolicyFiles([CORPUS], { scope: "api", namedValues: new Map() });
    assert.ok(results.length >= 180, `found ${results.length} documents`);
    for (const r of results) {
      for (const d of r.diagnostics.filter((x) => x.severity === "error")) {
        assert.notEqual(d.code, "POLICY_ERR_INTERNAL", `${r.file}: ${d.message}`);
        assert.ok(d.line !== undefined && d.line > 0, `${r.file}: ${d.code} has no line`);
        assert.ok(d.message.length > 10, `${r.file}: ${d.code} says too little`);
      }
    }
    const ok = results.filter((r) => r.ok).length;
    console.log(`corpus: ${ok} of ${results.length} documents compile`);
    // Whatever the expression interpreter supports, the documents without problems of their own compile.
    assert.ok(ok >= 100, `only ${ok} compile`);
  });

  test("prints ok or each diagnostic with line:column, a summary, and exit code 1 on failure", async () => {
    writeFileSync(
      join(dir, "good.xml"),
      `<policies><inbound><base/><set-header name="x"><value>{{Tenant}}</value></set-header></inbound></policies>`,
    );
    writeFileSync(
      join(dir, "bad.xml"),
      `<policies>\n  <inbound>\n    <rate-limit-by-key calls="x" renewal-period="10" counter-key="k"/>\n  </inbound>\n</policies>`,
    );
    writeFileSync(join(dir, "names.json"), JSON.stringify({ Tenant: "contoso" }));
    const lines: string[] = [];
    const original = console.log;
    console.log = (line: string) => lines.push(line);
    let code: number;
    try {
      code = await policyCommand.run(["check", dir, "--named-values", join(dir, "names.json")]);
    } finally {
      console.log = original;
    }
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      "bad.xml: failed",
      `  3:24 error POLICY_ERR_INVALID_INTEGER (inbound/rate-limit-by-key[1]/@calls): attribute "calls" of <rate-limit-by-key> must be an integer, got "x"`,
      "good.xml: ok",
      "1 of 2 documents compile",
    ]);
  });

  test("unknown named values are warnings offline; usage errors exit 2", async () => {
    const file = join(dir, "named.xml");
    writeFileSync(file, `<policies><inbound><set-backend-service base-url="{{backend}}"/></inbound></policies>`);
    const [result] = checkPolicyFiles([file], { scope: "api", namedValues: new Map() });
    assert.equal(result?.ok, true);
    assert.match(
      formatCheck(result as NonNullable<typeof result>, dir).join("\n"),
      /warning POLICY_WARN_UNKNOWN_NAMED_VALUE/,
    );
    const original = console.error;
    console.error = () => {};
    try {
      assert.equal(await policyCommand.run(["check"]), 2);
      assert.equal(await policyCommand.run(["check", file, "--scope", "galaxy"]), 2);
    } finally {
      console.error = original;
    }
  });
});
