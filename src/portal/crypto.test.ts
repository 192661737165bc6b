import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { deriveKeys, seal, signToken, unseal, verifyToken } from "./crypto.js";
import { createOnceSet } from "./once.js";

const keys = deriveKeys("a-long-enough-test-secret");
const other = deriveKeys("another-long-test-secret!");

test("sealed values open only with their key and unaltered", () => {
  const sealed = seal(keys.seal, { uid: "u1", sas: "uid=u1&sn=x" });
  assert.deepEqual(unseal(keys.seal, sealed), { uid: "u1", sas: "uid=u1&sn=x" });
  assert.equal(unseal(other.seal, sealed), undefined);
  const flipped = `${sealed.slice(0, 20)}${sealed[20] === "A" ? "B" : "A"}${sealed.slice(21)}`;
  for (const bad of [flipped, "", "x", sealed.slice(0, -2), "%%%%"])
    assert.equal(unseal(keys.seal, bad), undefined, bad);
});

test("signed tokens: purpose, expiry, signature", () => {
  const now = 1_000_000;
  const token = signToken(keys.sign, { purpose: "confirm", uid: "u1", exp: now + 1000, jti: "n1" });
  const cases: Array<[string, string, number, string]> = [
    [token, "confirm", now, "ok"],
    [token, "reset", now, "wrong-purpose"],
    [token, "confirm", now + 1000, "expired"],
    [`${token}x`, "confirm", now, "bad-signature"],
    [
      signToken(other.sign, { purpose: "confirm", uid: "u1", exp: now + 1000, jti: "n1" }),
      "confirm",
      now,
      "bad-signature",
    ],
    ["no-dot", "confirm", now, "malformed"],
  ];
  for (const [t, purpose, at, expected] of cases) {
    const r = verifyToken(keys.sign, t, purpose, at);
    assert.equal(r.ok ? "ok" : r.reason, expected, `${purpose}@${at}`);
  }
});

test("nonces are used once; expired entries are swept when full", () => {
  const clock = createManualClock(0);
  const once = createOnceSet(clock, 2);
  assert.equal(once.use("a", 10), true);
  assert.equal(once.use("a", 10), false);
  assert.equal(once.use("b", 10), true);
  assert.equal(once.use("c", 10), false, "full: refuses rather than forgets");
  clock.advance(11);
  assert.equal(once.use("c", 30), true);
  assert.equal(once.size, 1);
});

test("a short secret is refused", () => {
  assert.throws(() => deriveKeys("short"), /at least 16/);
});
