// The gateway with the real APIM policy engine (src/policy) and memory counters (src/limits):
// policies at every scope act on real traffic through real sockets.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { apimPolicyEngine } from "./default-engine.js";
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

describe("gateway with the real policy engine", () => {
  let upstream: Upstream;
  let other: Upstream;
  let sink: ReturnType<typeof createServer>;
  const sunk: string[] = [];
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    other = await startUpstream((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ other: true, url: req.url, auth: req.headers.authorization, h: req.headers["x-cred"] }));
    });
    sink = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        sunk.push(body);
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/events`;
    const policy = (inbound: string, extra = "") =>
      `<policies><inbound><base />${inbound}</inbound><backend><base /></backend><outbound><base />${extra}</outbound><on-error><base /></on-error></policies>`;
    gw = await startTestGateway(
      [
        ["api", "apis/p", { displayName: "p", path: "p", serviceUrl: `${upstream.url}/svc`, protocols: ["http"] }],
        ["operation", "apis/p/operations/user", { displayName: "user", method: "GET", urlTemplate: "/users/{id}" }],
        ["operation", "apis/p/operations/limited", { displayName: "limited", method: "GET", urlTemplate: "/limited" }],
        ["operation", "apis/p/operations/moved", { displayName: "moved", method: "GET", urlTemplate: "/moved/{id}" }],
        ["operation", "apis/p/operations/echo", { displayName: "echo", method: "POST", urlTemplate: "/echo" }],
        ["operation", "apis/p/operations/other", { displayName: "other", method: "GET", urlTemplate: "/other" }],
        ["operation", "apis/p/operations/down", { displayName: "down", method: "GET", urlTemplate: "/down" }],
        ["operation", "apis/p/operations/fragile", { displayName: "fragile", method: "GET", urlTemplate: "/fragile" }],
        [
          "policy",
          "apis/p/operations/fragile/policies/policy",
          { value: policy(`<set-backend-service backend-id="fragile" />`) },
        ],
        [
          "backend",
          "backends/fragile",
          {
            url: "http://127.0.0.1:1",
            protocol: "http",
            circuitBreaker: {
              rules: [
                {
                  name: "trip-on-two",
                  failureCondition: { count: 2, interval: "PT1M", errorReasons: ["BackendConnectionFailure"] },
                  tripDuration: "PT1M",
                },
              ],
            },
          },
        ],
        [
          "policy",
          "apis/p/policies/policy",
          {
            value: policy(
              `<set-header name="x-api" exists-action="override"><value>@(context.Api.Name + "/" + context.Subscription.Id)</value></set-header>`,
              `<set-header name="x-op" exists-action="override"><value>@(context.Operation.Id)</value></set-header>`,
            ),
          },
        ],
        [
          "policy",
          "apis/p/operations/limited/policies/policy",
          {
            value: policy(
              `<rate-limit-by-key calls="2" renewal-period="60" counter-key="@(context.Subscription.Id)" />`,
            ),
          },
        ],
        [
          "policy",
          "apis/p/operations/moved/policies/policy",
          { value: policy(`<rewrite-uri template="/people/{id}" />`) },
        ],
        [
          "policy",
          "apis/p/operations/echo/policies/policy",
          {
            value: policy(
              `<set-body>@(context.Request.Body.As&lt;string&gt;().ToUpper())</set-body><log-to-eventhub logger-id="sink">@("posted " + context.Operation.Id)</log-to-eventhub>`,
            ),
          },
        ],
        [
          "policy",
          "apis/p/operations/other/policies/policy",
          { value: policy(`<set-backend-service backend-id="other" />`) },
        ],
        [
          "policy",
          "apis/p/operations/down/policies/policy",
          {
            value: `<policies><inbound><base /><set-backend-service base-url="http://127.0.0.1:1" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><return-response><set-status code="599" reason="Down" /><set-body>@(context.LastError.Reason)</set-body></return-response></on-error></policies>`,
          },
        ],
        [
          "backend",
          "backends/other",
          {
            url: `${other.url}/base`,
            protocol: "http",
            credentials: {
              header: { "x-cred": ["secret"] },
              authorization: { scheme: "Basic", parameter: "dXNlcjpwYXNz" },
            },
          },
        ],
        ["logger", "loggers/sink", { loggerType: "http", url: sinkUrl }],
        [
          "subscription",
          "subscriptions/s1",
          { scope: "/apis", state: "active", primaryKey: "k1", secondaryKey: "k1b" },
        ],
      ],
      { engine: apimPolicyEngine },
    );
  });

  after(async () => {
    await gw.close();
    await upstream.close();
    await other.close();
    sink.close();
  });

  const call = async (path: string, init: { method?: string; body?: string } = {}) => {
    const r = await request(`${gw.url}${path}`, {
      method: (init.method ?? "GET") as "GET",
      headers: { "ocp-apim-subscription-key": "k1", "content-type": "text/plain" },
      body: init.body,
    });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, text };
  };

  test("expressions see the matched API, operation and subscription; outbound headers reach the client", async () => {
    const r = await call("/p/users/7?x=1");
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.text) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, "/svc/users/7?x=1");
    assert.equal(seen.headers["x-api"], "p/s1");
    assert.equal(r.headers["x-op"], "user");
  });

  test("rate-limit-by-key answers 429 with Retry-After after the limit", async () => {
    assert.equal((await call("/p/limited")).status, 200);
    assert.equal((await call("/p/limited")).status, 200);
    const third = await call("/p/limited");
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers["retry-after"]) > 0);
    assert.match(third.text, /Rate limit is exceeded/);
  });

  test("rewrite-uri changes the backend path", async () => {
    const r = await call("/p/moved/9");
    assert.equal(JSON.parse(r.text).url, "/svc/people/9");
  });

  test("set-body over the buffered request body; log-to-eventhub posts to the logger's HTTP sink", async () => {
    const r = await call("/p/echo", { method: "POST", body: "hello" });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.text).body, "HELLO");
    for (let i = 0; i < 50 && sunk.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(sunk, ["posted echo"]);
  });

  test("set-backend-service with a backend entity adds its credentials", async () => {
    const r = await call("/p/other");
    const seen = JSON.parse(r.text) as { other: boolean; url: string; auth: string; h: string };
    assert.equal(seen.other, true);
    assert.equal(seen.url, "/base/other");
    assert.equal(seen.auth, "Basic dXNlcjpwYXNz");
    assert.equal(seen.h, "secret");
  });

  test("a backend entity's circuit breaker opens after its failure count: 502, 502, then 503", async () => {
    assert.equal((await call("/p/fragile")).status, 502);
    assert.equal((await call("/p/fragile")).status, 502);
    assert.equal((await call("/p/fragile")).status, 503);
  });

  test("a backend failure runs on-error with LastError set", async () => {
    const r = await call("/p/down");
    assert.equal(r.status, 599);
    assert.equal(r.text, "BackendConnectionFailure");
  });
});
