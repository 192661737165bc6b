import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bodyOf } from "../test-support/fake-context.js";
import { runStatements } from "../test-support/run.js";
import { ipToBigInt } from "./ip-filter.js";

describe("check-header", () => {
  const policy = `<check-header name="x-client" failed-check-httpcode="403" failed-check-error-message="Client not allowed" ignore-case="true"><value>Alpha</value><value>beta</value></check-header>`;
  test("passes on any allowed value, case-insensitively", async () => {
    const ctx = await runStatements(policy, { request: { headers: { "X-Client": "ALPHA" } } });
    assert.equal(ctx.response?.statusCode, 200);
  });
  test("missing header and wrong value answer with the configured status and message", async () => {
    const missing = await runStatements(policy);
    assert.equal(missing.lastError?.reason, "HeaderNotFound");
    const wrong = await runStatements(policy, { request: { headers: { "x-client": "gamma" } } });
    assert.equal(wrong.response?.statusCode, 403);
    assert.deepEqual(JSON.parse(bodyOf(wrong.response)), { statusCode: 403, message: "Client not allowed" });
    assert.equal(wrong.lastError?.reason, "HeaderValueNotAllowed");
  });
});

describe("ip-filter", () => {
  test("address parsing: IPv4, IPv6, mapped, zone, garbage", () => {
    assert.equal(ipToBigInt("10.0.0.1")?.value, 0x0a000001n);
    assert.equal(ipToBigInt("::ffff:10.0.0.1")?.family, 4);
    assert.equal(ipToBigInt("2001:db8::1")?.value, 0x20010db8000000000000000000000001n);
    assert.equal(ipToBigInt("fe80::1%eth0")?.family, 6);
    assert.equal(ipToBigInt("::")?.value, 0n);
    assert.equal(ipToBigInt("10.0.0"), undefined);
  });
  const allow = `<ip-filter action="allow"><address>13.66.201.169</address><address-range from="10.0.0.0" to="10.0.0.255"/><address-range from="2001:db8::" to="2001:db8::ffff"/></ip-filter>`;
  const table: Array<[string, number]> = [
    ["10.0.0.5", 200],
    ["::ffff:10.0.0.7", 200],
    ["13.66.201.169", 200],
    ["10.0.1.1", 403],
    ["2001:db8::12", 200],
    ["2001:db9::1", 403],
  ];
  for (const [ip, status] of table) {
    test(`allow list: ${ip} → ${status}`, async () => {
      const ctx = await runStatements(allow, { request: { ipAddress: ip } });
      assert.equal(ctx.response?.statusCode, status);
      if (status === 403)
        assert.equal(
          JSON.parse(bodyOf(ctx.response)).message,
          `Caller IP address ${ip} is not allowed. Access denied.`,
        );
    });
  }
  test("forbid list blocks listed callers with CallerIpBlocked", async () => {
    const ctx = await runStatements(`<ip-filter action="forbid"><address>10.0.0.5</address></ip-filter>`);
    assert.equal(ctx.lastError?.reason, "CallerIpBlocked");
  });
});

describe("cors", () => {
  const policy = `<cors allow-credentials="true"><allowed-origins><origin>https://app.test</origin></allowed-origins><allowed-methods preflight-result-max-age="300"><method>GET</method><method>PUT</method></allowed-methods><allowed-headers><header>content-type</header></allowed-headers><expose-headers><header>x-trace</header></expose-headers></cors>`;
  test("answers a matching preflight itself", async () => {
    const ctx = await runStatements(policy, {
      request: {
        method: "OPTIONS",
        headers: {
          origin: "https://app.test",
          "access-control-request-method": "PUT",
          "access-control-request-headers": "Content-Type",
        },
      },
    });
    const h = ctx.response?.headers;
    assert.equal(ctx.response?.statusCode, 200);
    assert.deepEqual(h?.get("access-control-allow-origin"), ["https://app.test"]);
    assert.deepEqual(h?.get("access-control-allow-credentials"), ["true"]);
    assert.deepEqual(h?.get("access-control-allow-methods"), ["GET,PUT"]);
    assert.deepEqual(h?.get("access-control-max-age"), ["300"]);
  });
  test("an unmatched preflight ends with an empty 200 without CORS headers", async () => {
    const ctx = await runStatements(policy, {
      request: { method: "OPTIONS", headers: { origin: "https://evil.test", "access-control-request-method": "PUT" } },
    });
    assert.equal(ctx.response?.statusCode, 200);
    assert.equal(ctx.response?.headers.get("access-control-allow-origin"), undefined);
    assert.equal(bodyOf(ctx.response), "");
  });
  test("a simple request reaches the backend and gets the CORS headers on its response", async () => {
    const ctx = await runStatements(policy, { request: { headers: { origin: "https://app.test" } } });
    assert.equal(bodyOf(ctx.response), "backend");
    assert.deepEqual(ctx.response?.headers.get("access-control-expose-headers"), ["x-trace"]);
  });
  test("credentials with origin * is rejected at validation", async () => {
    await assert.rejects(
      runStatements(`<cors allow-credentials="true"><allowed-origins><origin>*</origin></allowed-origins></cors>`),
      /cannot be combined/,
    );
  });
});
