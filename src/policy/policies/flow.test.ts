import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bodyOf, createFakeServices, emptyEnvironment } from "../test-support/fake-context.js";
import { compileOrThrow, documentWith, runStatements, runWith } from "../test-support/run.js";
import type { PolicyResponse } from "../types.js";
import { retryDelayMs } from "./retry.js";

const send = (v: string, url = "http://svc.test/") =>
  `<send-request mode="new" response-variable-name="${v}" timeout="5"><set-url>${url}</set-url><set-method>POST</set-method><set-header name="x-a"><value>1</value></set-header><set-body>hello</set-body></send-request>`;

describe("choose", () => {
  test("first true branch wins, otherwise as fallback", async () => {
    const ctx = await runStatements(
      `<choose><when condition="false"><set-variable name="v" value="a"/></when><when condition="true"><set-variable name="v" value="b"/></when><otherwise><set-variable name="v" value="c"/></otherwise></choose>`,
    );
    assert.equal(ctx.variables.get("v"), "b");
  });
  test("otherwise after when only; at least one when", async () => {
    await assert.rejects(runStatements(`<choose><otherwise/><when condition="true"/></choose>`), /must come before/);
    await assert.rejects(runStatements(`<choose/>`), /at least one <when>/);
  });
});

describe("send-request / send-one-way-request / wait", () => {
  test("stores the response in a variable", async () => {
    const services = createFakeServices();
    services.httpHandler = () => ({
      statusCode: 201,
      statusReason: "Created",
      headers: [["X-B", "2"]],
      body: Buffer.from("done"),
    });
    const ctx = await runStatements(send("r"), { services });
    const call = services.httpCalls[0];
    assert.deepEqual(
      [call?.url, call?.method, call?.headers, call?.body, call?.timeoutMs],
      ["http://svc.test/", "POST", [["x-a", "1"]], "hello", 5000],
    );
    const r = ctx.variables.get("r") as PolicyResponse;
    assert.deepEqual([r.statusCode, r.headers.get("x-b"), r.body.bytes?.toString()], [201, ["2"], "done"]);
  });

  test("a failing call goes to on-error, or yields null with ignore-error", async () => {
    const services = createFakeServices();
    services.httpHandler = () => {
      throw new Error("request timed out");
    };
    const failed = await runStatements(send("r"), { services });
    assert.deepEqual([failed.lastError?.source, failed.lastError?.reason], ["send-request", "Timeout"]);
    const ignored = await runStatements(send("r").replace("timeout=", `ignore-error="true" timeout=`), { services });
    assert.equal(ignored.variables.get("r"), null);
    assert.equal(ignored.response?.statusCode, 200);
  });

  test("send-one-way-request does not wait and never fails the request", async () => {
    const services = createFakeServices();
    services.httpHandler = () => Promise.reject(new Error("down"));
    const ctx = await runStatements(
      `<send-one-way-request mode="new"><set-url>http://log.test/</set-url></send-one-way-request>`,
      { services },
    );
    assert.equal(ctx.response?.statusCode, 200);
    assert.equal(services.httpCalls.length, 1);
  });

  test("wait for all runs the children concurrently", async () => {
    const services = createFakeServices();
    let inFlight = 0;
    let peak = 0;
    services.httpHandler = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { statusCode: 200, statusReason: "OK", headers: [], body: Buffer.alloc(0) };
    };
    const ctx = await runStatements(`<wait for="all">${send("a")}${send("b")}</wait>`, { services });
    assert.equal(peak, 2);
    assert.ok(ctx.variables.has("a") && ctx.variables.has("b"));
  });
});

describe("retry", () => {
  test("delays: fixed, linear, exponential capped, first fast retry", () => {
    assert.equal(retryDelayMs(3, { intervalS: 2, firstFastRetry: false }), 2000);
    assert.equal(retryDelayMs(3, { intervalS: 2, deltaS: 1, firstFastRetry: false }), 4000);
    // exponential: interval + (2^(n-1) - 1)·delta (jitter 1.0 here), capped at max-interval
    const exp = { intervalS: 1, deltaS: 1, maxIntervalS: 5, firstFastRetry: false };
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, exp, () => 0.5)),
      [1000, 2000, 4000, 5000],
    );
    // jitter stays within 0.8–1.2 of delta
    assert.equal(
      retryDelayMs(2, { ...exp, maxIntervalS: 30 }, () => 0),
      1800,
    );
    assert.equal(
      retryDelayMs(2, { ...exp, maxIntervalS: 30 }, () => 1),
      2200,
    );
    assert.equal(retryDelayMs(1, { intervalS: 9, firstFastRetry: true }), 0);
  });

  test("runs the children once plus `count` retries while the condition holds", async () => {
    const services = createFakeServices();
    await runStatements(`<retry condition="true" count="2" interval="0">${send("r")}</retry>`, { services });
    assert.equal(services.httpCalls.length, 3);
    const once = createFakeServices();
    await runStatements(`<retry condition="false" count="5" interval="0">${send("r")}</retry>`, { services: once });
    assert.equal(once.httpCalls.length, 1);
  });
});

describe("caching", () => {
  test("cache-lookup / cache-store: a second GET is answered from the cache", async () => {
    const services = createFakeServices();
    let calls = 0;
    services.backend = () => ({
      statusCode: 200,
      statusReason: "OK",
      headers: new Map([["content-type", ["text/plain"]]]),
      body: { buffered: true, bytes: Buffer.from(`n${++calls}`) },
    });
    const pipeline = compileOrThrow({
      api: `<policies><inbound><base/><cache-lookup vary-by-developer="false" vary-by-developer-groups="false"><vary-by-query-parameter>v</vary-by-query-parameter></cache-lookup></inbound><backend><base/></backend><outbound><base/><cache-store duration="60"/></outbound><on-error/></policies>`,
    });
    assert.equal(bodyOf((await runWith(pipeline, services, { url: "https://g.test/a?v=1" })).response), "n1");
    assert.equal(bodyOf((await runWith(pipeline, services, { url: "https://g.test/a?v=1" })).response), "n1");
    assert.equal(bodyOf((await runWith(pipeline, services, { url: "https://g.test/a?v=2" })).response), "n2");
    assert.equal(
      bodyOf((await runWith(pipeline, services, { method: "POST", url: "https://g.test/a?v=1" })).response),
      "n3",
    );
    services.clock.advance(61_000);
    assert.equal(bodyOf((await runWith(pipeline, services, { url: "https://g.test/a?v=1" })).response), "n4");
  });

  test("cache-store-value / cache-lookup-value / cache-remove-value", async () => {
    const services = createFakeServices();
    await runStatements(`<cache-store-value key="token" value="abc" duration="10"/>`, { services });
    const hit = await runStatements(`<cache-lookup-value key="token" variable-name="t" default-value="none"/>`, {
      services,
    });
    assert.equal(hit.variables.get("t"), "abc");
    await runStatements(`<cache-remove-value key="token"/>`, { services });
    const miss = await runStatements(`<cache-lookup-value key="token" variable-name="t" default-value="none"/>`, {
      services,
    });
    assert.equal(miss.variables.get("t"), "none");
  });
});

describe("logging, metrics, trace, authentication", () => {
  test("log-to-eventhub, emit-metric with default dimensions, trace", async () => {
    const services = createFakeServices();
    const env = emptyEnvironment({ loggerIds: new Set(["hub"]) });
    const ctx = await runStatements(
      `<log-to-eventhub logger-id="hub" partition-id="1">hello</log-to-eventhub><emit-metric name="calls" namespace="moat" value="2"><dimension name="API ID"/><dimension name="tier" value="gold"/></emit-metric><trace source="test" severity="information"><message>hi</message><metadata name="k" value="v"/></trace>`,
      { services, env },
    );
    assert.deepEqual(services.logs, [{ loggerId: "hub", message: "hello", partitionId: "1" }]);
    assert.deepEqual(services.metrics, [
      { name: "calls", value: 2, dimensions: { "API ID": "echo-api", tier: "gold" }, namespace: "moat" },
    ]);
    assert.deepEqual(ctx.trace, [{ source: "test", message: "[information] hi k=v" }]);
  });

  test("authentication-basic sets the backend Authorization header", async () => {
    const ctx = await runStatements(`<authentication-basic username="u" password="p"/>`);
    assert.deepEqual(ctx.request.headers.get("authorization"), [`Basic ${Buffer.from("u:p").toString("base64")}`]);
  });

  test("authentication-managed-identity gets an IMDS token once and caches it", async () => {
    const services = createFakeServices();
    services.httpHandler = (req) => ({
      statusCode: 200,
      statusReason: "OK",
      headers: [],
      body: Buffer.from(
        JSON.stringify({
          access_token: `tok-${new URL(req.url).searchParams.get("resource")}`,
          expires_on: String(services.clock.now() / 1000 + 3600),
        }),
      ),
    });
    const pipeline = compileOrThrow({
      api: documentWith("inbound", `<authentication-managed-identity resource="https://vault.azure.net"/>`),
    });
    const a = await runWith(pipeline, services);
    await runWith(pipeline, services);
    assert.deepEqual(a.request.headers.get("authorization"), ["Bearer tok-https://vault.azure.net"]);
    assert.equal(services.httpCalls.length, 1);
    assert.deepEqual(services.httpCalls[0]?.headers, [["metadata", "true"]]);
  });
});

describe("validation policies", () => {
  test("validate-content: size limit and JSON well-formedness", async () => {
    const policy = `<validate-content unspecified-content-type-action="prevent" max-size="10" size-exceeded-action="prevent" errors-variable-name="errs"><content type="application/json" validate-as="json" action="prevent"/></validate-content>`;
    const big = await runStatements(policy, {
      request: { method: "POST", headers: { "content-type": "application/json" }, body: `{"a":"0123456789"}` },
    });
    assert.equal(big.response?.statusCode, 400);
    const broken = await runStatements(policy, {
      request: { method: "POST", headers: { "content-type": "application/json" }, body: `{"a":` },
    });
    assert.equal(broken.lastError?.reason, "IncorrectMessage");
    const ok = await runStatements(policy, {
      request: { method: "POST", headers: { "content-type": "application/json" }, body: `{"a":1}` },
    });
    assert.equal(ok.response?.statusCode, 200);
    assert.equal(ok.variables.get("errs"), undefined);
  });

  test("validate-status-code: undeclared backend status becomes 502", async () => {
    const services = createFakeServices();
    services.backend = () => ({
      statusCode: 500,
      statusReason: "Oops",
      headers: new Map(),
      body: { buffered: true, bytes: undefined },
    });
    const ctx = await runStatements(
      `<validate-status-code unspecified-status-code-action="prevent"><status-code code="200" action="ignore"/></validate-status-code>`,
      { section: "outbound", services },
    );
    assert.equal(ctx.response?.statusCode, 502);
  });
});
