import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { createCaptcha } from "./captcha.js";
import { deriveKeys } from "./crypto.js";
import { createOnceSet } from "./once.js";

function setup() {
  const clock = createManualClock(1_000_000);
  const keys = deriveKeys("captcha-test-secret-123");
  return { clock, captcha: createCaptcha(keys, clock, createOnceSet(clock), 60_000), keys };
}

test("the right answer passes once; replays and wrong answers fail", () => {
  const { captcha } = setup();
  const c = captcha.issue();
  assert.deepEqual(captcha.verify(c.token, ` ${c.answer} `), { ok: true });
  assert.deepEqual(captcha.verify(c.token, String(c.answer)), { ok: false, reason: "used" });
  const d = captcha.issue();
  assert.deepEqual(captcha.verify(d.token, String(d.answer + 1)), { ok: false, reason: "wrong" });
  assert.deepEqual(
    captcha.verify(d.token, String(d.answer)),
    { ok: false, reason: "used" },
    "a wrong guess spends the token",
  );
  const e = captcha.issue();
  assert.deepEqual(captcha.verify(e.token, "twelve"), { ok: false, reason: "wrong" });
});

test("expired and malformed tokens fail", () => {
  const { captcha, clock } = setup();
  const c = captcha.issue();
  clock.advance(60_001);
  assert.deepEqual(captcha.verify(c.token, String(c.answer)), { ok: false, reason: "expired" });
  for (const bad of ["", "a.b", "a.b.c.d", "n.notanumber.sig"]) assert.equal(captcha.verify(bad, "1").ok, false, bad);
  const [n, , sig] = captcha.issue().token.split(".");
  assert.equal(
    captcha.verify(`${n}.${Number.MAX_SAFE_INTEGER}.${sig}`, "1").ok,
    false,
    "a moved expiry breaks the MAC",
  );
});

test("the image is an SVG without the digits as text, only for issued challenges", () => {
  const { captcha } = setup();
  const c = captcha.issue();
  const svg = captcha.render(c.image);
  assert.ok(svg?.startsWith("<svg"));
  assert.doesNotMatch(svg ?? "", /<text/);
  assert.equal(captcha.render("forged"), undefined);
  const other = createCaptcha(deriveKeys("another-secret-456789"), setup().clock, createOnceSet(setup().clock));
  assert.equal(other.render(c.image), undefined);
});

test("answers stay small non-negative integers", () => {
  const { captcha } = setup();
  for (let i = 0; i < 200; i++) {
    const { answer } = captcha.issue();
    assert.ok(Number.isInteger(answer) && answer >= 0 && answer <= 100, String(answer));
  }
});
