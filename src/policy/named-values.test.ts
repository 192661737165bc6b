import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createNamedValueLookup, hasPlaceholder } from "./named-values.js";

describe("named values", () => {
  const lookup = createNamedValueLookup(
    new Map([
      ["Backend-Url", "https://b"],
      ["limit", "10"],
    ]),
  );
  const cases: [string, string, boolean, string, string[]][] = [
    ["no placeholder", "plain", false, "plain", []],
    ["exact name", "{{limit}}", false, "10", []],
    ["case-insensitive, trimmed", "{{ backend-url }}/x", false, "https://b/x", []],
    ["unknown reported and kept", "a{{nope}}b", false, "a{{nope}}b", ["nope"]],
    ["unknown kept silently", "{{nope}}", true, "{{nope}}", []],
    ["several", "{{limit}}-{{limit}}", false, "10-10", []],
  ];
  for (const [name, raw, keep, want, unknown] of cases) {
    it(name, () => {
      const seen: string[] = [];
      assert.equal(
        lookup.substitute(raw, (n) => seen.push(n), keep),
        want,
      );
      assert.deepEqual(seen, unknown);
    });
  }
  it("hasPlaceholder", () => {
    assert.equal(hasPlaceholder("x {{a}}"), true);
    assert.equal(hasPlaceholder("x {a}"), false);
  });
});
