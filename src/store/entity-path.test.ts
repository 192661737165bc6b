import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StoreError } from "./contract.js";
import { assertId, checkPreconditions, descendantRange, nameOf, parentIdOf } from "./entity-path.js";

describe("entity ids", () => {
  const addresses: Array<[id: string, parent: string, name: string]> = [
    ["", "", ""],
    ["apis/echo", "", "echo"],
    ["policies/policy", "", "policy"],
    ["apis/echo/operations/get", "apis/echo", "get"],
    ["apis/echo/operations/get/policies/policy", "apis/echo/operations/get", "policy"],
    ["products/starter/apis/echo", "products/starter", "echo"],
    ["namedValues/ünï-😀", "", "ünï-😀"],
  ];
  for (const [id, parent, name] of addresses) {
    test(`"${id}" has parent "${parent}" and name "${name}"`, () => {
      assert.doesNotThrow(() => assertId(id));
      assert.equal(parentIdOf(id), parent);
      assert.equal(nameOf(id), name);
    });
  }

  const invalid = ["/apis/a", "apis/a/", "apis//a", "apis/a\u0000", "apis/a\nb", "apis/\udc00", "x".repeat(2049)];
  for (const id of invalid) {
    test(`${JSON.stringify(id.slice(0, 20))} is rejected`, () => {
      assert.throws(
        () => assertId(id),
        (e: unknown) => e instanceof StoreError && e.code === "STORE_ERR_INVALID",
      );
    });
  }

  test("descendant range covers exactly the ids below", () => {
    const { from, to } = descendantRange("apis/a");
    const inside = (id: string) => id >= from && id < to;
    assert.ok(inside("apis/a/operations/x"));
    assert.ok(inside("apis/a/operations/\u{10ffff}"));
    for (const outside of ["apis/a", "apis/ab", "apis/a0", "apis/a-b/operations/x", "apis/a.b"]) {
      assert.ok(!inside(outside), outside);
    }
  });
});

describe("preconditions", () => {
  const cases: Array<[current: string | undefined, options: object, ok: boolean]> = [
    [undefined, {}, true],
    ['"1"', {}, true],
    ['"1"', { ifMatch: '"1"' }, true],
    ['"1"', { ifMatch: "1" }, true],
    ['"1"', { ifMatch: 'W/"1"' }, true],
    ['"1"', { ifMatch: '"0", "1"' }, true],
    ['"1"', { ifMatch: "*" }, true],
    ['"1"', { ifMatch: '"2"' }, false],
    [undefined, { ifMatch: "*" }, false],
    [undefined, { ifMatch: '"1"' }, false],
    [undefined, { ifNoneMatch: "*" }, true],
    ['"1"', { ifNoneMatch: "*" }, false],
    ['"1"', { ifNoneMatch: '"1"' }, false],
    ['"1"', { ifNoneMatch: '"2"' }, true],
  ];
  for (const [current, options, ok] of cases) {
    test(`etag ${current} with ${JSON.stringify(options)} → ${ok ? "ok" : "precondition failed"}`, () => {
      const run = () => checkPreconditions("api", "apis/a", current, options);
      if (ok) assert.doesNotThrow(run);
      else assert.throws(run, (e: unknown) => e instanceof StoreError && e.code === "STORE_ERR_PRECONDITION");
    });
  }
});
