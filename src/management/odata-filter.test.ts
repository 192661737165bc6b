import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "./errors.js";
import { compileFilter } from "./odata-filter.js";

const entities = [
  { name: "echo", properties: { displayName: "Echo API", path: "echo", subscriptionRequired: true, count: 3 } },
  { name: "pets", properties: { displayName: "Pet's Store", path: "pets", subscriptionRequired: false, count: 10 } },
  { name: "users", properties: { displayName: "Users", path: "v1/users", nested: { tier: "gold" }, count: 7 } },
];

const cases: Array<[string, string[]]> = [
  ["name eq 'echo'", ["echo"]],
  ["name eq 'ECHO'", ["echo"]],
  ["name ne 'echo'", ["pets", "users"]],
  ["displayName eq 'Pet''s Store'", ["pets"]],
  ["properties/displayName eq 'Users'", ["users"]],
  ["properties.path eq 'v1/users'", ["users"]],
  ["contains(displayName,'api')", ["echo"]],
  ["startswith(path, 'v1/')", ["users"]],
  ["endswith(name,'s')", ["pets", "users"]],
  ["substringof('ser', name)", ["users"]],
  ["contains(name,'e') eq false", []],
  ["subscriptionRequired eq true", ["echo"]],
  ["count gt 5 and count le 10", ["pets", "users"]],
  ["count lt 5 or name eq 'pets'", ["echo", "pets"]],
  ["not (name eq 'echo')", ["pets", "users"]],
  ["(name eq 'echo' or name eq 'pets') and subscriptionRequired eq false", ["pets"]],
  ["nested/tier eq 'gold'", ["users"]],
  ["missing eq null", ["echo", "pets", "users"]],
];

for (const [expression, expected] of cases) {
  test(`$filter ${expression}`, () => {
    const predicate = compileFilter(expression);
    assert.deepEqual(
      entities.filter(predicate).map((e) => e.name),
      expected,
    );
  });
}

for (const bad of [
  "name eq",
  "name like 'x'",
  "contains(name)",
  "name eq 'open",
  "(name eq 'x'",
  "name eq 'x' extra",
  "§",
]) {
  test(`$filter ${bad} is a 400 naming $filter`, () => {
    assert.throws(
      () => compileFilter(bad),
      (err: unknown) => err instanceof ApiError && err.status === 400 && err.details[0]?.target === "$filter",
    );
  });
}
