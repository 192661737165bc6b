import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bodyOf, createFakeServices } from "../test-support/fake-context.js";
import { runStatements } from "../test-support/run.js";
import { compileUriTemplate } from "./rewrite-uri.js";

describe("set-header / set-query-parameter", () => {
  test("override, skip, append, delete on the request", async () => {
    const ctx = await runStatements(
      `<set-header name="X-A" exists-action="override"><value>1</value><value>2</value></set-header>
       <set-header name="x-b" exists-action="skip"><value>new</value></set-header>
       <set-header name="x-c" exists-action="append"><value>more</value></set-header>
       <set-header name="x-d" exists-action="delete"/>`,
      { request: { headers: { "x-a": "0", "x-b": "old", "x-c": "first", "x-d": "gone" } } },
    );
    const h = ctx.request.headers;
    assert.deepEqual(
      [h.get("x-a"), h.get("x-b"), h.get("x-c"), h.get("x-d")],
      [["1", "2"], ["old"], ["first", "more"], undefined],
    );
  });

  test("in outbound it acts on the response", async () => {
    const ctx = await runStatements(`<set-header name="x-out"><value>yes</value></set-header>`, {
      section: "outbound",
    });
    assert.deepEqual(ctx.response?.headers.get("x-out"), ["yes"]);
    assert.equal(ctx.request.headers.get("x-out"), undefined);
  });

  test("connection-level headers cannot be set", async () => {
    await assert.rejects(
      runStatements(`<set-header name="Content-Length"><value>1</value></set-header>`),
      /cannot be modified/,
    );
  });

  test("query parameters keep their case", async () => {
    const ctx = await runStatements(
      `<set-query-parameter name="Api-Version" exists-action="override"><value>2</value></set-query-parameter>`,
      { request: { url: "https://g.test/a?x=1" } },
    );
    assert.deepEqual(
      [...ctx.request.url.query],
      [
        ["x", ["1"]],
        ["Api-Version", ["2"]],
      ],
    );
  });
});

describe("rewrite-uri", () => {
  test("templates compile into literal and parameter parts", () => {
    assert.deepEqual(compileUriTemplate("/v2/{id}?q={q}&fixed=1"), {
      path: ["/v2/", { param: "id" }],
      query: [
        ["q", [{ param: "q" }]],
        ["fixed", ["1"]],
      ],
    });
    assert.equal(typeof compileUriTemplate("/v2/{id"), "string");
  });

  test("path parameters from the matched template, unmatched query parameters copied", async () => {
    const ctx = await runStatements(`<rewrite-uri template="/items/{id}/detail?view=full"/>`, {
      request: { url: "https://g.test/api/item/a%20b?id=a%20b&extra=1", matchedParameters: { id: "a b" } },
    });
    assert.equal(ctx.request.url.path, "/items/a%20b/detail");
    assert.deepEqual(
      [...ctx.request.url.query],
      [
        ["view", ["full"]],
        ["extra", ["1"]],
      ],
    );
  });

  test("copy-unmatched-params=false drops the rest", async () => {
    const ctx = await runStatements(`<rewrite-uri template="/x" copy-unmatched-params="false"/>`, {
      request: { url: "https://g.test/a?y=1" },
    });
    assert.equal(ctx.request.url.query.size, 0);
  });
});

describe("set-backend-service, set-method, set-status, forward-request options", () => {
  test("base-url and method reach the backend call with forward-request's options", async () => {
    const services = createFakeServices();
    const ctx = await runStatements(
      `<set-backend-service base-url="https://other.test/v2"/><set-method>put</set-method>`,
      { services },
    );
    assert.equal(ctx.backend.url, "https://other.test/v2");
    assert.equal(ctx.request.method, "PUT");
    assert.deepEqual(services.forwardCalls[0], {
      timeoutMs: 300_000,
      followRedirects: false,
      bufferRequestBody: false,
      bufferResponse: true,
      failOnErrorStatusCode: false,
    });
  });

  test("backend-id must exist; base-url must be absolute", async () => {
    await assert.rejects(runStatements(`<set-backend-service backend-id="nope"/>`), /backend "nope" does not exist/);
    await assert.rejects(runStatements(`<set-backend-service base-url="/relative"/>`), /absolute/);
  });

  test("fail-on-error-status-code sends 4xx/5xx to on-error", async () => {
    const services = createFakeServices();
    services.backend = () => ({
      statusCode: 503,
      statusReason: "Unavailable",
      headers: new Map(),
      body: { buffered: true, bytes: undefined },
    });
    const ctx = await runStatements(`<forward-request timeout="5" fail-on-error-status-code="true"/>`, {
      section: "backend",
      services,
    });
    assert.equal(ctx.lastError?.source, "forward-request");
    assert.equal(services.forwardCalls.at(-1)?.timeoutMs, 5000);
  });

  test("set-status in outbound", async () => {
    const ctx = await runStatements(`<set-status code="202" reason="Accepted later"/>`, { section: "outbound" });
    assert.deepEqual([ctx.response?.statusCode, ctx.response?.statusReason], [202, "Accepted later"]);
  });
});

describe("bodies", () => {
  test("set-body with constant text replaces the body", async () => {
    const ctx = await runStatements(`<set-body>{"ok":true}</set-body>`, { section: "outbound" });
    assert.equal(bodyOf(ctx.response), `{"ok":true}`);
  });

  test("Liquid templates read the JSON body and context, with PascalCase filters", async () => {
    const ctx = await runStatements(
      `<set-body template="liquid">{"id":"{{body.order.id}}","who":"{{body.order.name | Upcase}}","path":"{{context.Request.Url.Path}}"}</set-body>`,
      {
        request: {
          method: "POST",
          url: "https://g.test/orders",
          headers: { "content-type": "application/json" },
          body: `{"order":{"id":7,"name":"ann"}}`,
        },
      },
    );
    assert.deepEqual(JSON.parse(ctx.request.body.bytes?.toString() ?? ""), { id: "7", who: "ANN", path: "/orders" });
  });

  test("Liquid over an XML body with embedded markup", async () => {
    const ctx = await runStatements(`<set-body template="liquid"><r><c>{{body.o.cust}}</c></r></set-body>`, {
      request: { method: "POST", headers: { "content-type": "application/xml" }, body: "<o><cust>42</cust></o>" },
    });
    assert.equal(ctx.request.body.bytes?.toString(), "<r><c>42</c></r>");
  });

  test("find-and-replace", async () => {
    const ctx = await runStatements(`<find-and-replace from="backend" to="moat"/>`, { section: "outbound" });
    assert.equal(bodyOf(ctx.response), "moat");
  });

  test("xml-to-json and json-to-xml convert bodies and content types", async () => {
    const services = createFakeServices();
    services.backend = () => ({
      statusCode: 200,
      statusReason: "OK",
      headers: new Map([["content-type", ["application/xml"]]]),
      body: { buffered: true, bytes: Buffer.from(`<a x="1"><b>2</b></a>`) },
    });
    const ctx = await runStatements(
      `<xml-to-json kind="javascript-friendly" apply="content-type-xml" consider-accept-header="false"/>`,
      { section: "outbound", services },
    );
    assert.deepEqual(JSON.parse(bodyOf(ctx.response)), { a: { b: 2, "@x": 1 } });
    assert.deepEqual(ctx.response?.headers.get("content-type"), ["application/json"]);
    const back = await runStatements(`<json-to-xml apply="always" consider-accept-header="false"/>`, {
      request: { method: "POST", body: `{"a":{"b":"2"}}` },
    });
    assert.equal(back.request.body.bytes?.toString(), "<a><b>2</b></a>");
  });

  test("malformed XML fails the request with 502 on the response side", async () => {
    const services = createFakeServices();
    services.backend = () => ({
      statusCode: 200,
      statusReason: "OK",
      headers: new Map([["content-type", ["text/xml"]]]),
      body: { buffered: true, bytes: Buffer.from("<a><b></a>") },
    });
    const ctx = await runStatements(`<xml-to-json kind="direct" apply="always"/>`, { section: "outbound", services });
    assert.equal(ctx.response?.statusCode, 502);
  });

  test("jsonp wraps with a valid callback and rejects others", async () => {
    const ok = await runStatements(`<jsonp callback-parameter-name="cb"/>`, {
      section: "outbound",
      request: { url: "https://g.test/a?cb=handle" },
    });
    assert.equal(bodyOf(ok.response), "handle(backend)");
    const bad = await runStatements(`<jsonp callback-parameter-name="cb"/>`, {
      section: "outbound",
      request: { url: "https://g.test/a?cb=alert(1)" },
    });
    assert.equal(bad.lastError?.reason, "CallbackParameterInvalid");
  });

  test("mock-response answers without the backend", async () => {
    const services = createFakeServices();
    const ctx = await runStatements(`<mock-response status-code="201" content-type="application/json"/>`, { services });
    assert.deepEqual(
      [ctx.response?.statusCode, ctx.response?.headers.get("content-type")],
      [201, ["application/json"]],
    );
    assert.equal(services.forwardCalls.length, 0);
  });
});

describe("rewrite-uri with hostile values", () => {
  test("lone surrogates and bad percent-encoding never throw", async () => {
    assert.equal(typeof compileUriTemplate("/a?%E0%A4%A=1"), "string");
    const ctx = await runStatements(`<rewrite-uri template="/x/{id}"/>`, {
      request: { matchedParameters: { id: "a\ud800b" } },
    });
    assert.equal(ctx.request.url.path, "/x/a%EF%BF%BDb");
  });
});
