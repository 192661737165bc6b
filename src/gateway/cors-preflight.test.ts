// CORS preflights as APIM handles them: an API with a cors policy and no OPTIONS operation answers the
// browser's OPTIONS itself (matched to the operation of Access-Control-Request-Method, no subscription
// key needed, backend never called); an OPTIONS operation bypasses that; without cors it stays a 404.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { sharedPath } from "../test-support/shared-dir.js";
import { apimPolicyEngine } from "./default-engine.js";
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

const corsExample = readFileSync(sharedPath("corpus/policies/azure-docs/cors-policy.example-1.xml"), "utf8");
const policy = (inbound: string) =>
  `<policies><inbound><base />${inbound}</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

describe("CORS preflight with a cors policy", () => {
  let upstream: Upstream;
  let calls = 0;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((_req, res) => {
      calls++;
      res.writeHead(200, { "content-type": "text/plain" }).end("backend");
    });
    const api = (name: string) =>
      [
        "api",
        `apis/${name}`,
        { displayName: name, path: name, serviceUrl: upstream.url, protocols: ["http"] },
      ] as const;
    const op = (apiName: string, name: string, method: string, urlTemplate: string) =>
      ["operation", `apis/${apiName}/operations/${name}`, { displayName: name, method, urlTemplate }] as const;
    gw = await startTestGateway(
      [
        api("echo"),
        op("echo", "read", "GET", "/items/{id}"),
        op("echo", "create", "POST", "/items/{id}"),
        ["policy", "apis/echo/policies/policy", { value: policy(corsExample) }],
        api("own"),
        op("own", "read", "GET", "/items/{id}"),
        op("own", "options", "OPTIONS", "/items/{id}"),
        ["policy", "apis/own/policies/policy", { value: policy(corsExample) }],
        api("plain"),
        op("plain", "read", "GET", "/items/{id}"),
        api("lenient"),
        op("lenient", "read", "GET", "/items/{id}"),
        [
          "policy",
          "apis/lenient/policies/policy",
          {
            value: policy(
              `<cors terminate-unmatched-request="false"><allowed-origins><origin>http://a.example</origin></allowed-origins></cors>`,
            ),
          },
        ],
        ["subscription", "subscriptions/s", { scope: "/apis", state: "active", primaryKey: "k1", secondaryKey: "k2" }],
      ],
      { engine: apimPolicyEngine },
    );
  });

  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const preflight = (path: string, origin: string, method: string, headers?: string) =>
    request(`${gw.url}${path}`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": method,
        ...(headers ? { "access-control-request-headers": headers } : {}),
      },
    });

  test("the cors policy answers the preflight without a key and without calling the backend", async () => {
    const r = await preflight("/echo/items/1", "http://example.com", "POST", "content-type, x-zumo-auth");
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["access-control-allow-origin"], "http://example.com");
    assert.equal(r.headers["access-control-allow-credentials"], "true");
    assert.equal(r.headers["access-control-allow-methods"], "GET,POST,PATCH,DELETE");
    assert.equal(r.headers["access-control-allow-headers"], "content-type,x-zumo-auth");
    assert.equal(r.headers["access-control-max-age"], "300");
    await r.body.dump();
    assert.equal(calls, 0);
  });

  test("an origin the policy does not allow gets an empty 200 without CORS headers", async () => {
    const r = await preflight("/echo/items/1", "http://evil.example", "POST");
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    assert.equal(await r.body.text(), "");
    assert.equal(calls, 0);
  });

  test("a method no operation has is a 404", async () => {
    const r = await preflight("/echo/items/1", "http://example.com", "PUT");
    assert.equal(r.statusCode, 404);
    await r.body.dump();
  });

  test("the actual call still needs its key and gets the CORS headers", async () => {
    const denied = await request(`${gw.url}/echo/items/1`, {
      method: "POST",
      headers: { origin: "http://example.com" },
    });
    assert.equal(denied.statusCode, 401);
    await denied.body.dump();
    const r = await request(`${gw.url}/echo/items/1`, {
      method: "POST",
      headers: { origin: "http://example.com", "ocp-apim-subscription-key": "k1" },
      body: "{}",
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["access-control-allow-origin"], "http://example.com");
    assert.equal(r.headers["access-control-expose-headers"], "x-zumo-installation-id,x-zumo-application");
    assert.equal(await r.body.text(), "backend");
  });

  test("an API's own OPTIONS operation bypasses the preflight logic", async () => {
    const before = calls;
    const r = await request(`${gw.url}/own/items/1`, {
      method: "OPTIONS",
      headers: {
        origin: "http://example.com",
        "access-control-request-method": "GET",
        "ocp-apim-subscription-key": "k1",
      },
    });
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), "backend");
    assert.equal(calls, before + 1);
  });

  test("without a cors policy a preflight to an API without OPTIONS is a 404", async () => {
    const r = await preflight("/plain/items/1", "http://example.com", "GET");
    assert.equal(r.statusCode, 404);
    await r.body.dump();
  });

  test("terminate-unmatched-request=false with no match still ends in an empty 200", async () => {
    const r = await preflight("/lenient/items/1", "http://b.example", "GET");
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    await r.body.dump();
  });
});
