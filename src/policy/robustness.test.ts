// Nothing a document contains may crash or hang validation: truncated and mutated real documents
// produce diagnostics, never exceptions.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { sharedPath } from "../test-support/shared-dir.js";
import { validatePolicyDocument } from "./pipeline.js";
import { emptyEnvironment } from "./test-support/fake-context.js";

const EXAMPLES = `${sharedPath("corpus/policies/policy-snippets/examples")}/`;

// A small deterministic generator so a failure can be replayed.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NOISE = [
  "<",
  ">",
  '"',
  "'",
  "@(",
  "@{",
  ")",
  "}",
  "&",
  "&amp;",
  "<!--",
  "]]>",
  "{{x}}",
  "/>",
  "</when>",
  "\u0000",
  "\n",
];

test("truncated and mutated corpus documents give diagnostics, not exceptions", () => {
  const files = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".xml"))
    .slice(0, 12);
  assert.ok(files.length > 0);
  const env = emptyEnvironment();
  const random = lcg(42);
  let runs = 0;
  for (const file of files) {
    const xml = readFileSync(join(EXAMPLES, file), "utf8");
    const variants = [xml.slice(0, Math.floor(xml.length / 2)), xml.slice(0, Math.floor(xml.length / 3))];
    for (let i = 0; i < 25; i++) {
      const at = Math.floor(random() * xml.length);
      const noise = NOISE[Math.floor(random() * NOISE.length)] ?? "<";
      variants.push(xml.slice(0, at) + noise + xml.slice(at + Math.floor(random() * 3)));
    }
    for (const variant of variants) {
      const started = performance.now();
      const diagnostics = validatePolicyDocument(variant, "api", env, { loose: true });
      assert.ok(Array.isArray(diagnostics));
      assert.ok(performance.now() - started < 2000, `${file}: validation took too long`);
      runs++;
    }
  }
  assert.ok(runs > 300);
});

test("pathological inputs", () => {
  const env = emptyEnvironment();
  const deep = `<policies><inbound>${'<choose><when condition="true">'.repeat(200)}${"</when></choose>".repeat(200)}</inbound></policies>`;
  const cases = [
    "",
    " ",
    "<",
    "<policies",
    "<policies><inbound>",
    `<policies a="@(((((((">`,
    deep,
    "@(".repeat(5000),
    `<a b="${"@(".repeat(2000)}"/>`,
  ];
  for (const xml of cases) assert.ok(Array.isArray(validatePolicyDocument(xml, "api", env)), xml.slice(0, 40));
  assert.deepEqual(validatePolicyDocument(deep, "api", env), []);
});
