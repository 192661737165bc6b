// Every policy expression in the shared corpus must compile, or be rejected with a diagnostic that names
// the construct and carries a position. Compiled ones are also run against a fake context: whatever they
// throw must be a .NET-shaped exception (CsException), never a JavaScript crash.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { sharedPath } from "../../test-support/shared-dir.js";
import { compileExpression, isExpression } from "./index.js";
import { CsException } from "./runtime/errors.js";
import { extractExpressions, fakeContext } from "./test-support.js";

const ROOT = sharedPath("corpus/policies");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith(".xml") ? [full] : [];
  });
}

const all = files(ROOT).flatMap((f) => extractExpressions(relative(ROOT, f), readFileSync(f, "utf8")));

test("the corpus has policy expressions to check", () => {
  assert.ok(all.length > 700, `found ${all.length}`);
  assert.ok(all.every((e) => isExpression(e.source)));
});

test("every corpus expression compiles or is rejected with a positioned diagnostic naming the construct", () => {
  let compiled = 0;
  const rejected: string[] = [];
  for (const e of all) {
    const r = compileExpression(e.source, { path: e.file, line: e.line, column: e.column });
    if (r.expression) {
      compiled++;
      assert.equal(r.diagnostics.length, 0);
      continue;
    }
    assert.ok(r.diagnostics.length > 0, `${e.file}:${e.line} rejected without diagnostics`);
    for (const d of r.diagnostics) {
      assert.equal(d.severity, "error");
      assert.match(d.code, /^POLICY_ERR_EXPRESSION_/);
      // Unsupported constructs are named; syntax errors say what was expected.
      if (d.code === "POLICY_ERR_EXPRESSION_UNSUPPORTED")
        assert.match(d.message, /'[^']+'/, `${e.file}:${e.line}: ${d.message}`);
      assert.ok(d.line !== undefined && d.line >= e.line, `${e.file}:${e.line}: line ${d.line}`);
      assert.ok(d.column !== undefined && d.column >= 1);
    }
    rejected.push(`${e.file}:${r.diagnostics[0]!.line}:${r.diagnostics[0]!.column} ${r.diagnostics[0]!.message}`);
  }
  console.log(`corpus expressions: ${compiled} of ${all.length} compile; rejected:\n  ${rejected.join("\n  ")}`);
  // The rejected ones are invalid C# in the samples, or System.Xml (not available in Moat).
  assert.ok(compiled / all.length > 0.97, `${compiled} of ${all.length}`);
});

test("compiled corpus expressions only fail at run time with .NET-shaped exceptions", () => {
  const jwt = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from('{"sub":"u1","name":"Ada","exp":2000000000}').toString("base64url")}.sig`;
  let ran = 0;
  for (const e of all) {
    const r = compileExpression(e.source, { path: e.file, line: e.line, column: e.column });
    if (!r.expression) continue;
    const ctx = fakeContext({
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, cookie: "a=1; b=2", "content-type": "application/json" },
      body: '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"usage":{"total_tokens":3}}',
      response: { statusCode: 200, body: '{"access_token":"t","usage":{"total_tokens":3}}' },
      variables: { status: "ok", cacheKey: "k", body: "{}", urlId: 1, isMobile: false },
    });
    try {
      r.expression.evaluate(ctx);
      ran++;
    } catch (error) {
      assert.ok(error instanceof CsException, `${e.file}:${e.line} threw ${(error as Error).stack}`);
    }
  }
  assert.ok(ran > 100, `ran ${ran}`);
});

test("damaged corpus expressions never crash the compiler: they get diagnostics", () => {
  let variants = 0;
  for (const e of all.slice(0, 400)) {
    const s = e.source;
    const step = Math.max(1, Math.floor(s.length / 7));
    for (let k = 1; k < s.length; k += step) {
      for (const damaged of [s.slice(0, k), s.slice(0, k) + s.slice(k + 1), `${s.slice(0, k)})${s.slice(k)}`]) {
        variants++;
        const r = compileExpression(damaged, { path: e.file, line: e.line, column: e.column });
        if (!r.expression) assert.ok(r.diagnostics.length > 0, damaged);
      }
    }
  }
  assert.ok(variants > 5000, `${variants}`);
});
