// The per-request `context` view: built once per PolicyContext and kept in its own slot (no WeakMap),
// reused by every expression of the request, and rebuilt where the pipeline replaces a part.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PolicyContext } from "../types.js";
import { ContextView, createExpressionContext } from "./context-view.js";
import { compileExpression } from "./index.js";
import { CsException } from "./runtime/errors.js";
import { JValue, parseJson } from "./runtime/json.js";
import { fakeContext, fakeResponse, headerMap } from "./test-support.js";

function evaluate(source: string, ctx: PolicyContext): unknown {
  const r = compileExpression(source, { path: "view", line: 1, column: 1 });
  assert.ok(r.expression, JSON.stringify(r.diagnostics));
  return r.expression.evaluate(ctx);
}

test("the view lives in the context's own slot and is shared by the request's expressions", () => {
  const ctx = fakeContext({ withEntities: true });
  assert.equal(ctx.expressionView, undefined);
  const view = createExpressionContext(ctx);
  assert.ok(view instanceof ContextView);
  assert.equal(ctx.expressionView, view);
  assert.equal(createExpressionContext(ctx), view);
  evaluate("@(context.Request.Method)", ctx);
  assert.equal(ctx.expressionView, view);
  // Parts are built once per request: the same object on every read.
  assert.equal(view.Request, view.Request);
  assert.equal(view.Request.Headers, view.Request.Headers);
  assert.equal(view.Request.Url.Query, view.Request.Url.Query);
  assert.equal(view.Subscription, view.Subscription);
  assert.equal(view.Variables, view.Variables);
});

test("a context copied with spread gets its own view, reading its own fields", () => {
  const ctx = fakeContext({ method: "GET" });
  evaluate("@(context.Request.Method)", ctx);
  const copy: PolicyContext = { ...ctx, request: { ...ctx.request, method: "POST" } };
  assert.equal(evaluate("@(context.Request.Method)", copy), "POST");
  assert.notEqual(copy.expressionView, ctx.expressionView);
  assert.equal(evaluate("@(context.Request.Method)", ctx), "GET");
});

test("replaced parts of the request and response are seen by later expressions", () => {
  const ctx = fakeContext({ headers: { "x-a": "1" } });
  assert.equal(evaluate('@(context.Request.Headers.GetValueOrDefault("x-a", "none"))', ctx), "1");
  ctx.request.headers = headerMap({ "x-a": "2" });
  assert.equal(evaluate('@(context.Request.Headers.GetValueOrDefault("x-a", "none"))', ctx), "2");
  ctx.request.url = { ...ctx.request.url, path: "/rewritten", query: new Map([["q", ["v"]]]) };
  assert.equal(evaluate("@(context.Request.Url.Path)", ctx), "/rewritten");
  assert.equal(evaluate('@(context.Request.Url.Query.GetValueOrDefault("q", ""))', ctx), "v");
  assert.equal(evaluate("@(context.Response == null)", ctx), true);
  ctx.response = fakeResponse({ statusCode: 503 });
  assert.equal(evaluate("@(context.Response.StatusCode)", ctx), 503);
  ctx.response = fakeResponse({ statusCode: 200, headers: { "x-b": "b" } });
  assert.equal(evaluate("@(context.Response.StatusCode)", ctx), 200);
  assert.equal(evaluate('@(context.Response.Headers.GetValueOrDefault("x-b", ""))', ctx), "b");
  ctx.lastError = {
    source: "s",
    reason: "r",
    message: "first",
    scope: "api",
    section: "inbound",
    path: "",
    policyId: "",
  };
  assert.equal(evaluate("@(context.LastError.Message)", ctx), "first");
  ctx.lastError = { ...ctx.lastError, message: "second" };
  assert.equal(evaluate("@(context.LastError.Message)", ctx), "second");
});

test("GetValueOrDefault<T> tests the stored value as `is T` does: a mismatch is an InvalidCastException", () => {
  const ctx = fakeContext({
    variables: { list: ["a"], obj: parseJson('{"a":1}'), when: "2020-01-01", n: new JValue(5) },
  });
  const read = (source: string) => () => evaluate(source, ctx);
  assert.deepEqual(read('@(context.Variables.GetValueOrDefault<string[]>("list"))')(), ["a"]);
  assert.equal(read('@(context.Variables.GetValueOrDefault<int>("n"))')(), 5);
  for (const source of [
    '@(context.Variables.GetValueOrDefault<string[]>("obj"))',
    '@(context.Variables.GetValueOrDefault<JValue>("obj"))',
    '@(context.Variables.GetValueOrDefault<DateTimeOffset>("when"))',
  ]) {
    assert.throws(read(source), (e: unknown) => e instanceof CsException && e.type === "InvalidCastException", source);
    // The same value fails the `is` test of the same type.
    const type = source.match(/<(.+)>/)![1]!;
    const name = source.match(/\("(\w+)"\)/)![1]!;
    assert.equal(evaluate(`@(context.Variables["${name}"] is ${type})`, ctx), false);
  }
});
