// Policy documents refused on PUT over real HTTPS sockets with the engine's diagnostics: usage rules of
// Azure's policy reference (policies allowed once per document) and DTDs, each naming the line.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Harness, startHarness } from "./test-support/harness.js";

let h: Harness;
before(async () => {
  h = await startHarness();
  await h.call("PUT", "/apis/diag", {
    properties: { displayName: "diag", path: "diag", serviceUrl: "http://backend.local" },
  });
});
after(() => h.close());

const put = (value: string) => h.call("PUT", "/apis/diag/policies/policy", { properties: { format: "rawxml", value } });

describe("policy PUT diagnostics", () => {
  test("a second rate-limit in one document is a 400 naming the policy and both lines", async () => {
    const res = await put(
      [
        "<policies>",
        "  <inbound>",
        "    <base />",
        '    <rate-limit calls="10" renewal-period="60" />',
        '    <rate-limit calls="5" renewal-period="10" />',
        "  </inbound>",
        "</policies>",
      ].join("\n"),
    );
    assert.equal(res.status, 400);
    const [detail] = res.body.error.details;
    assert.equal(detail.code, "POLICY_ERR_DUPLICATE_POLICY");
    assert.equal(detail.target, "properties.value/inbound/rate-limit[2]");
    assert.match(
      detail.message,
      /<rate-limit> at line 5 may appear only once per policy document; the first is at line 4/,
    );
  });

  test("a DTD is a 400 saying DTDs are not allowed, with the line", async () => {
    const res = await put(
      `<?xml version="1.0"?>\n<!DOCTYPE policies [<!ENTITY a "b">]>\n<policies><inbound><base /></inbound></policies>`,
    );
    assert.equal(res.status, 400);
    const [detail] = res.body.error.details;
    assert.equal(detail.code, "POLICY_ERR_DTD");
    assert.match(detail.message, /DTDs are not allowed in policy documents: <!DOCTYPE …> at line 2/);
    assert.match(res.body.error.message, /DTDs are not allowed in policy documents/);
    assert.equal((await h.call("GET", "/apis/diag/policies/policy")).status, 404);
  });
});
