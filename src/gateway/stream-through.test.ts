// Policy pipelines whose work is all in inbound stream the backend's answer straight to the client
// (Pipeline.streamThrough): same backend request as forward-request, no buffering, APIM's errors; and
// pipelines that need a PolicyResponse after all (deferred headers, backend entities) still get one.
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { apimPolicyEngine } from "./default-engine.js";
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

const policy = (inbound: string) =>
  `<policies><inbound><base />${inbound}</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

describe("stream-through policy pipelines", () => {
  let echo: Upstream;
  let slow: Upstream;
  let gw: TestGateway;
  // The slow backend writes its first chunk, then waits until the test lets it finish.
  let finishSlow: (() => void) | undefined;

  before(async () => {
    echo = await startUpstream();
    slow = await startUpstream((_req, res: ServerResponse) => {
      res.writeHead(200, { "content-type": "text/plain", "x-slow": "1" });
      res.write("first;");
      finishSlow = () => res.end("last");
    });
    gw = await startTestGateway(
      [
        [
          "api",
          "apis/s",
          {
            displayName: "s",
            path: "s",
            serviceUrl: `${echo.url}/base`,
            protocols: ["http"],
            subscriptionRequired: false,
          },
        ],
        ["operation", "apis/s/operations/all", { displayName: "all", method: "GET", urlTemplate: "/*" }],
        ["operation", "apis/s/operations/post", { displayName: "post", method: "POST", urlTemplate: "/*" }],
        [
          "policy",
          "apis/s/policies/policy",
          {
            value: policy(
              `<set-header name="x-added" exists-action="override"><value>@(context.Api.Name)</value></set-header>
               <set-query-parameter name="q" exists-action="append"><value>2</value></set-query-parameter>
               <rewrite-uri template="/rewritten" copy-unmatched-params="true" />`,
            ),
          },
        ],
        [
          "api",
          "apis/slow",
          { displayName: "slow", path: "slow", serviceUrl: slow.url, protocols: ["http"], subscriptionRequired: false },
        ],
        ["operation", "apis/slow/operations/all", { displayName: "all", method: "GET", urlTemplate: "/*" }],
        [
          "policy",
          "apis/slow/policies/policy",
          { value: policy(`<set-header name="x-a"><value>1</value></set-header>`) },
        ],
        [
          "api",
          "apis/down",
          {
            displayName: "down",
            path: "down",
            serviceUrl: "http://127.0.0.1:1",
            protocols: ["http"],
            subscriptionRequired: false,
          },
        ],
        ["operation", "apis/down/operations/all", { displayName: "all", method: "GET", urlTemplate: "/*" }],
        [
          "policy",
          "apis/down/policies/policy",
          { value: policy(`<set-header name="x-a"><value>1</value></set-header>`) },
        ],
        [
          "api",
          "apis/rl",
          { displayName: "rl", path: "rl", serviceUrl: echo.url, protocols: ["http"], subscriptionRequired: false },
        ],
        ["operation", "apis/rl/operations/all", { displayName: "all", method: "GET", urlTemplate: "/*" }],
        [
          "policy",
          "apis/rl/policies/policy",
          {
            value: policy(
              `<rate-limit-by-key calls="100" renewal-period="60" counter-key="@(context.Request.IpAddress)" remaining-calls-header-name="x-left" />`,
            ),
          },
        ],
        [
          "api",
          "apis/ent",
          {
            displayName: "ent",
            path: "ent",
            serviceUrl: "http://127.0.0.1:1",
            protocols: ["http"],
            subscriptionRequired: false,
          },
        ],
        ["operation", "apis/ent/operations/all", { displayName: "all", method: "GET", urlTemplate: "/*" }],
        ["policy", "apis/ent/policies/policy", { value: policy(`<set-backend-service backend-id="echo" />`) }],
        [
          "backend",
          "backends/echo",
          { url: `${echo.url}/entity`, protocol: "http", credentials: { header: { "x-cred": ["c"] } } },
        ],
      ],
      { engine: apimPolicyEngine },
    );
  });

  after(async () => {
    await gw.close();
    await echo.close();
    await slow.close();
  });

  test("the backend gets the request forward-request would send", async () => {
    const r = await request(`${gw.url}/s/items/7?q=1&x=y`, { headers: { "x-forwarded-for": "10.0.0.9" } });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["x-upstream"], "yes");
    const seen = (await r.body.json()) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, "/base/rewritten?q=1&q=2&x=y");
    assert.equal(seen.headers["x-added"], "s");
    assert.equal(seen.headers["x-forwarded-for"], "10.0.0.9, 127.0.0.1");
    assert.equal(seen.headers["x-forwarded-proto"], "http");
    assert.equal(seen.headers.host, echo.url.slice("http://".length));
  });

  test("request bodies stream to the backend", async () => {
    const r = await request(`${gw.url}/s/anything`, { method: "POST", body: "hello body" });
    const seen = (await r.body.json()) as { method: string; body: string };
    assert.equal(seen.method, "POST");
    assert.equal(seen.body, "hello body");
  });

  test("the answer reaches the client while the backend is still sending", async () => {
    const r = await request(`${gw.url}/slow/x`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["x-slow"], "1");
    const reader = r.body[Symbol.asyncIterator]();
    const first = await reader.next();
    assert.equal(Buffer.from(first.value as Uint8Array).toString(), "first;");
    finishSlow?.();
    let rest = "";
    for (let n = await reader.next(); !n.done; n = await reader.next()) rest += Buffer.from(n.value as Uint8Array);
    assert.equal(rest, "last");
  });

  test("a backend that refuses connections is APIM's 502", async () => {
    const r = await request(`${gw.url}/down/x`);
    assert.equal(r.statusCode, 502);
    assert.match(await r.body.text(), /BackendConnectionFailure|backend|Backend/);
  });

  test("deferred response headers still reach the client", async () => {
    const r = await request(`${gw.url}/rl/x`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["x-left"], "99");
    await r.body.dump();
  });

  test("a backend entity chosen in inbound is used with its credentials", async () => {
    const r = await request(`${gw.url}/ent/x`);
    assert.equal(r.statusCode, 200);
    const seen = (await r.body.json()) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, "/entity/x");
    assert.equal(seen.headers["x-cred"], "c");
  });
});
