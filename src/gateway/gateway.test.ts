import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

const MISSING = {
  statusCode: 401,
  message:
    "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
};
const INVALID = {
  statusCode: 401,
  message:
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
};
const NOT_FOUND = { statusCode: 404, message: "Resource not found" };

describe("gateway over real sockets", () => {
  let upstream: Upstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    const api = (path: string, extra: Record<string, unknown> = {}) => ({
      displayName: path,
      path,
      serviceUrl: `${upstream.url}/base`,
      protocols: ["http", "https"],
      ...extra,
    });
    const op = (method: string, urlTemplate: string) => ({ displayName: urlTemplate, method, urlTemplate });
    gw = await startTestGateway(
      [
        ["api", "apis/echo", api("echo")],
        ["operation", "apis/echo/operations/get-user", op("GET", "/users/{id}")],
        ["operation", "apis/echo/operations/me", op("GET", "/users/me")],
        ["operation", "apis/echo/operations/post", op("POST", "/items")],
        ["operation", "apis/echo/operations/search", op("GET", "/search?q={q}")],
        ["operation", "apis/echo/operations/files", op("GET", "/files/*")],
        ["api", "apis/deep", api("echo/deep")],
        ["operation", "apis/deep/operations/any", op("GET", "/*")],
        ["api", "apis/open", api("open", { subscriptionRequired: false })],
        ["operation", "apis/open/operations/any", op("GET", "/*")],
        ["api", "apis/custom", api("custom", { subscriptionKeyParameterNames: { header: "X-Key", query: "key" } })],
        ["operation", "apis/custom/operations/any", op("GET", "/*")],
        ["api", "apis/inprod", api("inprod")],
        ["operation", "apis/inprod/operations/any", op("GET", "/*")],
        ["api", "apis/httpsonly", api("httpsonly", { protocols: ["https"] })],
        ["operation", "apis/httpsonly/operations/any", op("GET", "/*")],
        ["api", "apis/pol", api("pol")],
        ["operation", "apis/pol/operations/any", op("GET", "/*")],
        ["policy", "apis/pol/policies/policy", { value: "<policies><inbound><base /></inbound></policies>" }],
        ["apiVersionSet", "apiVersionSets/vs", { displayName: "vs", versioningScheme: "Segment" }],
        ["api", "apis/ver-v1", api("ver", { apiVersion: "v1", apiVersionSetId: "/apiVersionSets/vs" })],
        ["operation", "apis/ver-v1/operations/any", op("GET", "/*")],
        [
          "api",
          "apis/ver-v2",
          api("ver", { apiVersion: "v2", apiVersionSetId: "/apiVersionSets/vs", serviceUrl: `${upstream.url}/v2` }),
        ],
        ["operation", "apis/ver-v2/operations/any", op("GET", "/*")],
        [
          "apiVersionSet",
          "apiVersionSets/hq",
          { displayName: "hq", versioningScheme: "Header", versionHeaderName: "Api-Version" },
        ],
        [
          "api",
          "apis/hv-1",
          api("hv", { apiVersion: "2024", apiVersionSetId: "/apiVersionSets/hq", serviceUrl: `${upstream.url}/h2024` }),
        ],
        ["operation", "apis/hv-1/operations/any", op("GET", "/*")],
        [
          "api",
          "apis/rev;rev=2",
          api("rev", { isCurrent: false, apiRevision: "2", serviceUrl: `${upstream.url}/rev2` }),
        ],
        ["operation", "apis/rev;rev=2/operations/any", op("GET", "/*")],
        ["api", "apis/rev", api("rev", { isCurrent: true, apiRevision: "1", serviceUrl: `${upstream.url}/rev1` })],
        ["operation", "apis/rev/operations/any", op("GET", "/*")],
        ["product", "products/starter", { displayName: "Starter", subscriptionRequired: true, state: "published" }],
        ["productApi", "products/starter/apis/inprod", {}],
        ["product", "products/free", { displayName: "Free", subscriptionRequired: false, state: "published" }],
        ["productApi", "products/free/apis/pol", {}],
        ["user", "users/u1", { email: "a@b.c", firstName: "A", lastName: "B", state: "active" }],
        [
          "subscription",
          "subscriptions/all",
          { scope: "/apis", state: "active", primaryKey: "key-all", secondaryKey: "key-all-2" },
        ],
        [
          "subscription",
          "subscriptions/echo",
          {
            scope: "/apis/echo",
            state: "active",
            primaryKey: "key-echo",
            secondaryKey: "key-echo-2",
            ownerId: "/users/u1",
          },
        ],
        [
          "subscription",
          "subscriptions/prod",
          { scope: "/products/starter", state: "active", primaryKey: "key-prod", secondaryKey: "key-prod-2" },
        ],
        [
          "subscription",
          "subscriptions/off",
          { scope: "/apis", state: "suspended", primaryKey: "key-off", secondaryKey: "key-off-2" },
        ],
      ],
      { portalOrigins: ["http://localhost:8081"] },
    );
  });

  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}, method = "GET", body?: string) => {
    const r = await request(`${gw.url}${path}`, { method: method as "GET", headers, body });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  test("health endpoint answers 200 with no body", async () => {
    const r = await get("/status-0123456789abcdef");
    assert.equal(r.status, 200);
    assert.equal(r.text, "");
  });

  test("unmatched API and unmatched operation answer APIM's 404 body", async () => {
    for (const path of ["/nope", "/echo/unknown/x", "/"]) {
      const r = await get(path, { "ocp-apim-subscription-key": "key-all" });
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.json(), NOT_FOUND);
    }
    const wrongMethod = await get("/echo/items", { "ocp-apim-subscription-key": "key-all" });
    assert.equal(wrongMethod.status, 404);
  });

  test("missing and invalid keys answer APIM's exact 401 bodies", async () => {
    const missing = await get("/echo/users/1");
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.json(), MISSING);
    assert.equal(missing.headers["content-type"], "application/json");
    const invalid = await get("/echo/users/1", { "Ocp-Apim-Subscription-Key": "wrong" });
    assert.deepEqual(invalid.json(), INVALID);
    const suspended = await get("/echo/users/1", { "Ocp-Apim-Subscription-Key": "key-off" });
    assert.deepEqual(suspended.json(), INVALID);
  });

  test("key scopes: all APIs, this API, a product containing the API", async () => {
    assert.equal((await get("/echo/users/1", { "ocp-apim-subscription-key": "key-all" })).status, 200);
    assert.equal((await get("/echo/users/1", { "ocp-apim-subscription-key": "key-echo-2" })).status, 200);
    // API-scoped key for another API, product key for an API outside the product → invalid.
    assert.deepEqual((await get("/inprod/x", { "ocp-apim-subscription-key": "key-echo" })).json(), INVALID);
    assert.equal((await get("/inprod/x", { "ocp-apim-subscription-key": "key-prod" })).status, 200);
    assert.deepEqual((await get("/echo/users/1", { "ocp-apim-subscription-key": "key-prod" })).json(), INVALID);
  });

  test("query key is read when the header is absent; per-API names", async () => {
    assert.equal((await get("/echo/users/1?subscription-key=key-all")).status, 200);
    assert.equal((await get("/custom/a", { "x-key": "key-all" })).status, 200);
    assert.equal((await get("/custom/a?key=key-all")).status, 200);
    assert.deepEqual((await get("/custom/a", { "ocp-apim-subscription-key": "key-all" })).json(), MISSING);
  });

  test("APIs without subscription and open products need no key; open products give product context", async () => {
    assert.equal((await get("/open/anything")).status, 200);
    const r = await get("/pol/x");
    assert.equal(r.status, 200);
    assert.equal((r.json().headers as Record<string, string>)["x-pipeline"], "free");
    assert.equal(r.headers["x-outbound"], "1");
  });

  test("forwarding: backend path, query, headers, X-Forwarded-*, Host", async () => {
    const r = await get("/echo/users/42?a=1&b=2", {
      "ocp-apim-subscription-key": "key-all",
      "x-custom": "kept",
      "x-forwarded-for": "10.0.0.1",
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-upstream"], "yes");
    assert.match(String(r.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    const seen = r.json() as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, "/base/users/42?a=1&b=2");
    assert.equal(seen.headers.host, `127.0.0.1:${upstream.port}`);
    assert.equal(seen.headers["x-custom"], "kept");
    assert.equal(seen.headers["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
    assert.equal(seen.headers["x-forwarded-proto"], "http");
    assert.equal(seen.headers["x-forwarded-host"], new URL(gw.url).host);
    // APIM forwards the key unless a policy removes it.
    assert.equal(seen.headers["ocp-apim-subscription-key"], "key-all");
  });

  test("request bodies stream to the backend", async () => {
    const body = "x".repeat(200_000);
    const r = await get(
      "/echo/items",
      { "ocp-apim-subscription-key": "key-all", "content-type": "text/plain" },
      "POST",
      body,
    );
    assert.equal(r.status, 200);
    assert.equal((r.json() as { body: string }).body.length, 200_000);
  });

  test("operation matching: literal beats parameter, template query, wildcard, longest API prefix", async () => {
    const k = { "ocp-apim-subscription-key": "key-all" };
    assert.equal((await get("/echo/users/me", k)).json().url, "/base/users/me");
    assert.equal((await get("/echo/search?q=abc", k)).status, 200);
    assert.equal((await get("/echo/search", k)).status, 404);
    assert.equal((await get("/echo/files/a/b/c.txt", k)).json().url, "/base/files/a/b/c.txt");
    // "echo/deep" is a longer API path than "echo".
    assert.equal((await get("/echo/deep/zzz", k)).json().url, "/base/zzz");
    assert.equal((await get("/ECHO/Users/me", k)).status, 200);
  });

  test("versions by segment and header; revisions by ;rev=n", async () => {
    const k = { "ocp-apim-subscription-key": "key-all" };
    assert.equal((await get("/ver/v1/a", k)).json().url, "/base/a");
    assert.equal((await get("/ver/v2/a", k)).json().url, "/v2/a");
    assert.equal((await get("/ver/v3/a", k)).status, 404);
    assert.equal((await get("/hv/a", { ...k, "api-version": "2024" })).json().url, "/h2024/a");
    assert.equal((await get("/hv/a", k)).status, 404);
    assert.equal((await get("/rev/a", k)).json().url, "/rev1/a");
    assert.equal((await get("/rev;rev=2/a", k)).json().url, "/rev2/a");
    assert.equal((await get("/rev;rev=1/a", k)).json().url, "/rev1/a");
  });

  test("protocols: an https-only API is not served over http", async () => {
    assert.equal((await get("/httpsonly/a", { "ocp-apim-subscription-key": "key-all" })).status, 404);
  });

  test("pipeline path: return-response style answers and custom headers", async () => {
    await gw.store.put("policy", "apis/open/policies/policy", { value: "<policies><return-response /></policies>" });
    const revision = await gw.gateway.refresh();
    assert.equal(gw.gateway.snapshotRevision, revision);
    const r = await get("/open/x");
    assert.equal(r.status, 299);
    assert.equal(r.text, "from policy");
    await gw.store.delete("policy", "apis/open/policies/policy");
    await gw.gateway.refresh();
    assert.equal((await get("/open/x")).status, 200);
  });

  test("configuration changes are picked up by the watcher without a restart", async () => {
    await gw.store.put("api", "apis/late", {
      displayName: "late",
      path: "late",
      serviceUrl: upstream.url,
      protocols: ["http"],
      subscriptionRequired: false,
    });
    await gw.store.put("operation", "apis/late/operations/any", {
      displayName: "any",
      method: "GET",
      urlTemplate: "/*",
    });
    for (let i = 0; i < 100 && (await get("/late/x")).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await get("/late/x")).status, 200);
  });

  test("CORS for the developer portal: preflight and allow-origin on answers", async () => {
    const pre = await get(
      "/echo/users/1",
      {
        origin: "http://localhost:8081",
        "access-control-request-method": "GET",
        "access-control-request-headers": "ocp-apim-subscription-key",
      },
      "OPTIONS",
    );
    assert.equal(pre.status, 200);
    assert.equal(pre.headers["access-control-allow-origin"], "http://localhost:8081");
    assert.equal(pre.headers["access-control-allow-headers"], "ocp-apim-subscription-key");
    const r = await get("/echo/users/1", { origin: "http://localhost:8081", "ocp-apim-subscription-key": "key-all" });
    assert.equal(r.headers["access-control-allow-origin"], "http://localhost:8081");
    const other = await get("/echo/users/1", { origin: "http://evil.example", "ocp-apim-subscription-key": "key-all" });
    assert.equal(other.headers["access-control-allow-origin"], undefined);
  });

  test("metrics count requests by api, operation and status", async () => {
    const text = await gw.gateway.metrics();
    assert.match(text, /moat_gateway_requests_total\{api="echo",operation="get-user",status="200"\} \d+/);
    assert.match(text, /moat_gateway_config_revision \d+/);
    assert.match(text, /moat_gateway_request_duration_seconds_bucket/);
  });
});
