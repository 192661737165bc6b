// The compile-time fast paths (direct member readers, direct dictionary calls, string methods looked up
// once) give the same results and errors as the general member/call path they bypass.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileExpression, toPolicyString } from "./index.js";
import { CONTEXT_TYPES } from "./known-types.js";
import { memberReader } from "./member-readers.js";
import type { FakeContextOptions } from "./test-support.js";
import { fakeContext } from "./test-support.js";

function run(source: string, options: FakeContextOptions = {}): unknown {
  const r = compileExpression(source, { path: "fast", line: 1, column: 1 });
  assert.ok(r.expression, `${source}: ${JSON.stringify(r.diagnostics)}`);
  return r.expression.evaluate(fakeContext(options));
}

test("every property of the context object model has a direct reader", () => {
  for (const [type, info] of Object.entries(CONTEXT_TYPES)) {
    if (info.dictionary) continue;
    for (const [name, memberType] of Object.entries(info.members)) {
      if (memberType.endsWith("()")) continue;
      assert.ok(memberReader(name), `${type}.${name}`);
    }
  }
  assert.equal(memberReader("constructor"), undefined);
  assert.equal(memberReader("toString"), undefined);
});

const cases: Array<[string, unknown, FakeContextOptions?]> = [
  ['@(context.Request.Headers.GetValueOrDefault("X-A"))', "1", { headers: { "x-a": "1" } }],
  ['@(context.Request.Headers.GetValueOrDefault("X-Missing"))', null],
  ['@(context.Request.Headers.GetValueOrDefault("x-m", "d"))', "1,2", { headers: { "x-m": ["1", "2"] } }],
  ['@(context.Request.Headers.GetValueOrDefault(defaultValue: "d", key: "x-none"))', "d"],
  ['@(context.Request.Headers.ContainsKey("X-A"))', true, { headers: { "x-a": "1" } }],
  ['@(context.Request.Url.Query.GetValueOrDefault("A", "none"))', "1,2"],
  ['@(context.Request.Url.Query.ContainsKey("param1"))', true],
  ['@(context.Variables.GetValueOrDefault("n"))', 5, { variables: { n: 5 } }],
  ['@(context.Variables.GetValueOrDefault<int>("n"))', 5, { variables: { n: 5 } }],
  ['@(context.Variables.GetValueOrDefault<string>("none"))', null],
  ['@(context.Variables.GetValueOrDefault<string>("none", "d"))', "d"],
  ['@(context.Variables.ContainsKey("n"))', false],
  ['@(context.Request.MatchedParameters.GetValueOrDefault("id", "none"))', "7", { matchedParameters: { id: "7" } }],
  ['@(context.Request.Headers.GetValueOrDefault("x-a", "").ToUpper())', "ABC", { headers: { "x-a": "abc" } }],
  ['@(context.Request.Headers.GetValueOrDefault("x-a")?.ToUpper())', null],
  ["@(context.Subscription.Id)", "sub-1"],
  ["@(context.Request.Url.Path)", "/echo/resource"],
];

test("fast paths return what the general path returns", () => {
  for (const [source, expected, options] of cases) {
    const value = run(source, options);
    assert.deepEqual(value, expected, source);
  }
});

test("fast paths keep the general path's errors", () => {
  assert.throws(
    () => run('@(context.Variables.GetValueOrDefault<int>("s"))', { variables: { s: "text" } }),
    /InvalidCast|cast/i,
  );
  assert.throws(() => run('@(context.Request.Headers.GetValueOrDefault("x-a").ToUpper())'), /NullReference|null/i);
  assert.equal(toPolicyString(run("@(context.User == null)", { withEntities: false })), "True");
  assert.equal(run("@(context.User?.Id)", { withEntities: false }), null);
});

function jwt(payload: Record<string, unknown>, pad = ""): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT", pad })}.${part(payload)}.`;
}

test("decoded JWTs are reused across evaluations without sharing mutable state", () => {
  const claim =
    '@(context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt()?.Claims.GetValueOrDefault("sub", "none"))';
  for (let i = 0; i < 300; i++) {
    // More distinct tokens than the cache holds: eviction must not change any answer.
    const token = jwt({ sub: `user-${i % 280}` });
    assert.equal(run(claim, { headers: { authorization: `Bearer ${token}` } }), `user-${i % 280}`);
  }
  const big = jwt({ sub: "big" }, "x".repeat(9000));
  assert.equal(run(claim, { headers: { authorization: big } }), "big");
  assert.equal(run(claim, { headers: { authorization: "Bearer not.a.jwt" } }), null);
  assert.equal(run(claim, { headers: { authorization: "Bearer not.a.jwt" } }), null);
  // A claims dictionary changed by one expression is not seen by the next evaluation.
  const token = jwt({ roles: ["a", "b"] });
  const roles = run(`@{ var c = "${token}".AsJwt().Claims; c.Remove("roles"); return c.ContainsKey("roles"); }`);
  assert.equal(roles, false);
  assert.equal(run(`@("${token}".AsJwt().Claims.GetValueOrDefault("roles", ""))`), "a,b");
  const same = run(`@{ var j = "${token}".AsJwt(); return j.Claims == j.Claims; }`);
  assert.equal(same, true);
});

// string.Split scans with indexOf now; these results were produced by the previous character-by-character scan.
const splits: Array<[string, unknown]> = [
  [`@(string.Join("|", "a,b,,c".Split(',')))`, "a|b||c"],
  [`@(string.Join("|", "a,b;c".Split(',', ';')))`, "a|b|c"],
  [`@(string.Join("|", "a,b,c".Split(new[] { ',' }, 2)))`, "a|b,c"],
  [`@(string.Join("|", "a,b,c".Split(new[] { ',' }, 1)))`, "a,b,c"],
  [`@(string.Join("|", "a--b-c".Split(new string[] { "--", "-" }, StringSplitOptions.None)))`, "a|b|c"],
  [`@(string.Join("|", "a-b--c".Split(new string[] { "-", "--" }, StringSplitOptions.None)))`, "a|b||c"],
  [`@(string.Join("|", "a,,b,".Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries)))`, "a|b"],
  [`@(string.Join("|", "a b\\tc".Split()))`, "a|b|c"],
  [`@(string.Join("|", "abc".Split(',')))`, "abc"],
  [`@(string.Join("|", ",a,".Split(',')))`, "|a|"],
  [`@("Bearer abc.def".Split(' ')[1])`, "abc.def"],
  [`@("a::b::c".Split(new[] { "::" }, StringSplitOptions.None).Length)`, 3],
  [`@(string.Join("|", "a;b,c;d".Split(new[] { ';', ',' }, 3)))`, "a|b|c;d"],
];

test("string.Split keeps its results", () => {
  for (const [source, expected] of splits) assert.equal(run(source), expected, source);
});

// Assignments and ++/-- on locals write the slot directly; results as produced by the general Ref path.
const locals: Array<[string, unknown]> = [
  ["@{ int i = 0; int n = 0; while (i < 5) { n = n + i; i++; } return n; }", 10],
  ["@{ int i = 10; var a = i--; var b = --i; return a * 100 + b + i; }", 1016],
  ['@{ string s = "x"; s = s + "y"; s += "z"; return s; }', "xyz"],
  ["@{ var x = 1; var y = (x = 5) + x; return y; }", 10],
  ["@{ var total = 0; for (int i = 0; i < 4; i++) { total += i; } return total; }", 6],
  ['@{ string v = null; v ??= "d"; return v; }', "d"],
  ['@{ var list = new List<int>(); int k = 0; list.Add(k++); list.Add(++k); return string.Join(",", list); }', "0,2"],
];

test("assignments to locals keep their results", () => {
  for (const [source, expected] of locals) assert.equal(run(source), expected, source);
});
