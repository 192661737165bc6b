import assert from "node:assert/strict";
import { test } from "node:test";
import { checkPassword, isEmail } from "./password-rules.js";

test("password rules", () => {
  const cases: Array<[string, string | undefined, number]> = [
    ["Correct-Horse-7", undefined, 0],
    ["short1A!", undefined, 1],
    ["alllowercaseletters", undefined, 1],
    ["ALLUPPER123", undefined, 1],
    ["ALLUPPER123!x", undefined, 0],
    ["Password123", undefined, 1],
    ["password123", undefined, 2],
    ["Ada-Lovelace-99", "ada@example.com", 1],
    ["x".repeat(129), undefined, 2],
  ];
  for (const [pw, email, problems] of cases)
    assert.equal(checkPassword(pw, { email }).length, problems, pw.slice(0, 20));
});

test("e-mail shape", () => {
  const good = ["a@b.co", "first.last+tag@sub.example.org", "x_y@example-host.io"];
  const bad = ["", "plain", "a@b", "a b@c.de", "a@-b.com", "a@b..com", "<a>@b.com", `${"a".repeat(65)}@b.com`];
  for (const e of good) assert.equal(isEmail(e), true, e);
  for (const e of bad) assert.equal(isEmail(e), false, e);
});
