import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkBoolean, checkEnum, checkInteger, checkNonEmpty, checkNumber } from "./attribute-checks.js";

const WHAT = 'attribute "x" of <p>';

describe("attribute checks", () => {
  const cases: [string, unknown, unknown][] = [
    ["integer", checkInteger(" 42 ", WHAT, {}), { value: 42 }],
    ["integer sign", checkInteger("-3", WHAT, { min: -5 }), { value: -3 }],
    ["integer not a number", checkInteger("4.5", WHAT, {}), "POLICY_ERR_INVALID_INTEGER"],
    ["integer below range", checkInteger("0", WHAT, { min: 1 }), "POLICY_ERR_OUT_OF_RANGE"],
    ["integer above range", checkInteger("11", WHAT, { max: 10 }), "POLICY_ERR_OUT_OF_RANGE"],
    ["number", checkNumber("2.5", WHAT, 0), { value: 2.5 }],
    ["number empty", checkNumber(" ", WHAT, undefined), "POLICY_ERR_INVALID_NUMBER"],
    ["number below min", checkNumber("-1", WHAT, 0), "POLICY_ERR_INVALID_NUMBER"],
    ["boolean", checkBoolean(" TRUE ", WHAT), { value: true }],
    ["boolean false", checkBoolean("false", WHAT), { value: false }],
    ["boolean other", checkBoolean("yes", WHAT), "POLICY_ERR_INVALID_BOOLEAN"],
    ["enum canonical spelling", checkEnum(["Header", "Query"] as const, "header", WHAT), { value: "Header" }],
    ["enum other", checkEnum(["a"] as const, "b", WHAT), "POLICY_ERR_INVALID_ENUM"],
    ["non-empty", checkNonEmpty(" v ", WHAT), { value: " v " }],
    ["empty", checkNonEmpty("  ", WHAT), "POLICY_ERR_REQUIRED"],
  ];
  for (const [name, got, want] of cases) {
    it(name, () => {
      if (typeof want === "string") {
        assert.ok(got && typeof got === "object" && "problem" in got);
        const p = (got as { problem: { code: string; message: string } }).problem;
        assert.equal(p.code, want);
        assert.match(p.message, /attribute "x" of <p>/);
      } else assert.deepEqual(got, want);
    });
  }
});
