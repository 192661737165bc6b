// findExpressionEnd: where an expression ends inside raw attribute/element text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { findExpressionEnd } from "./extent.js";

const CASES: Array<[string, string | undefined]> = [
  ['@(context.Request.Method == "GET")" next="x"', '@(context.Request.Method == "GET")'],
  ['@("a)b" + \'(\' + @"c""d)")rest', '@("a)b" + \'(\' + @"c""d)")'],
  ['@($"x{(a ? ")" : "(")}y")z', '@($"x{(a ? ")" : "(")}y")'],
  [
    "@{\n  // a ) in a comment\n  /* and } here */\n  return 1;\n}</x>",
    "@{\n  // a ) in a comment\n  /* and } here */\n  return 1;\n}",
  ],
  ['@{ var o = new JObject { ["k"] = "}" }; return o; } tail', '@{ var o = new JObject { ["k"] = "}" }; return o; }'],
  ["@(a.Where(x => x < 3 && x > 1))", "@(a.Where(x => x < 3 && x > 1))"],
  ['@(context.Request.Url.Query.GetValueOrDefault("userId","")" sf="1" />', undefined],
  ['@("unterminated', undefined],
  ["plain text", undefined],
];

test("findExpressionEnd skips strings, chars, comments and interpolation holes", () => {
  for (const [text, expected] of CASES) {
    const end = findExpressionEnd(text, 0);
    assert.equal(end === undefined ? undefined : text.slice(0, end), expected, text);
  }
});
