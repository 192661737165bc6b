import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { formatSasExpiry, parseSas, signSas, verifySas } from "./sas.js";

const key = "signing-key-for-tests";
const now = Date.parse("2026-06-01T00:00:00Z");

test("expiry is formatted as APIM does", () => {
  assert.equal(formatSasExpiry(Date.parse("2026-12-01T00:00:00Z")), "2026-12-01T00:00:00.0000000Z");
  assert.equal(formatSasExpiry(Date.parse("2026-12-01T10:20:30.456Z")), "2026-12-01T10:20:30.4560000Z");
});

test("the signature is base64(HMAC-SHA512(key, uid \\n ex))", () => {
  const token = signSas(key, "alice", Date.parse("2026-12-01T00:00:00Z"));
  const expected = createHmac("sha512", key).update("alice\n2026-12-01T00:00:00.0000000Z").digest("base64");
  assert.equal(token, `uid=alice&ex=2026-12-01T00:00:00.0000000Z&sn=${expected}`);
  assert.deepEqual(parseSas(`SharedAccessSignature ${token}`), {
    uid: "alice",
    ex: "2026-12-01T00:00:00.0000000Z",
    sn: expected,
  });
});

const valid = signSas(key, "alice", now + 60_000);
const cases: Array<[string, string, readonly string[], boolean, RegExp?]> = [
  ["valid", valid, [key], true],
  ["valid with prefix", `SharedAccessSignature ${valid}`, [key], true],
  ["second key accepted", valid, ["other-key", key], true],
  ["wrong key", valid, ["other-key"], false, /signature/],
  ["expired", signSas(key, "alice", now - 1), [key], false, /expired/],
  ["tampered uid", valid.replace("uid=alice", "uid=bob"), [key], false, /signature/],
  ["malformed", "uid=alice&ex=x", [key], false, /malformed/],
  ["bad date", "uid=alice&ex=notadate&sn=abc", [key], false, /date/],
];
for (const [name, token, keys, ok, reason] of cases) {
  test(`verifySas: ${name}`, () => {
    const result = verifySas(token, keys, now);
    assert.equal(result.ok, ok);
    if (!result.ok && reason) assert.match(result.reason, reason);
  });
}
