// Policies together with C# expressions: values evaluated per request, conditions, LastError in on-error.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bodyOf, createFakeServices } from "./test-support/fake-context.js";
import { compileOrThrow, documentWith, runStatements, runWith } from "./test-support/run.js";

describe("policies with expressions", () => {
  test("header values, variables and conditions evaluate per request", async () => {
    const ctx = await runStatements(
      `<set-variable name="n" value="@(3 + 4)"/>
       <choose><when condition="@(context.Request.Method == &quot;POST&quot;)"><set-header name="x-m" exists-action="override"><value>@("posted-" + context.Variables["n"])</value></set-header></when></choose>`,
      { request: { method: "POST" } },
    );
    assert.equal(ctx.variables.get("n"), 7);
    assert.deepEqual(ctx.request.headers.get("x-m"), ["posted-7"]);
  });

  test("raw quotes and && inside expression attributes, as the Azure portal writes them", async () => {
    const ctx = await runStatements(
      `<choose><when condition="@(context.Request.Headers.GetValueOrDefault("x-a", "") == "1" && context.Request.Method != "GET")"><set-variable name="hit" value="yes"/></when></choose>`,
      { request: { method: "PUT", headers: { "x-a": "1" } } },
    );
    assert.equal(ctx.variables.get("hit"), "yes");
  });

  test("rate-limit-by-key with an expression key and an increment condition on the response", async () => {
    const services = createFakeServices();
    let status = 500;
    services.backend = () => ({
      statusCode: status,
      statusReason: "",
      headers: new Map(),
      body: { buffered: true, bytes: undefined },
    });
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<rate-limit-by-key calls="1" renewal-period="60" counter-key="@(context.Request.IpAddress)" increment-condition="@(context.Response.StatusCode == 200)"/>`,
      ),
    });
    // Failed calls are not counted …
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 500);
    status = 200;
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 200);
    // … the successful one is, so the next call from the same address is refused, another address is not.
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 429);
    assert.equal((await runWith(pipeline, services, { ipAddress: "10.9.9.9" })).response?.statusCode, 200);
  });

  test("on-error sees context.LastError", async () => {
    const pipeline = compileOrThrow({
      api: `<policies><inbound><ip-filter action="forbid"><address>10.0.0.5</address></ip-filter></inbound><backend><base/></backend><outbound/><on-error><return-response><set-status code="403"/><set-body>@(context.LastError.Source + "/" + context.LastError.Reason)</set-body></return-response></on-error></policies>`,
    });
    const ctx = await runWith(pipeline, createFakeServices());
    assert.equal(bodyOf(ctx.response), "ip-filter/CallerIpBlocked");
  });

  test("an expression that fails at run time goes to on-error as ExpressionValueEvaluationFailure", async () => {
    const ctx = await runStatements(`<set-variable name="x" value="@(int.Parse(&quot;nope&quot;))"/>`);
    assert.equal(ctx.response?.statusCode, 500);
    assert.equal(ctx.lastError?.reason, "ExpressionValueEvaluationFailure");
    assert.equal(ctx.lastError?.source, "set-variable");
  });

  test("expressions reading the body make the pipeline ask for a buffered body", () => {
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<set-variable name="b" value="@(context.Request.Body.As<string>(preserveContent: true))"/>`,
      ),
    });
    assert.equal(pipeline.needsRequestBody, true);
    assert.equal(pipeline.needsResponseBody, false);
  });
});
