import assert from "node:assert/strict";
import { test } from "node:test";
import { codeSamples } from "./code-samples.js";

test("samples for every language, with quoting that survives quotes in values", () => {
  const samples = codeSamples({
    method: "POST",
    url: "https://gw/echo/items?q=it's",
    headers: [
      ["Ocp-Apim-Subscription-Key", "{key}"],
      ["Content-Type", "application/json"],
    ],
    body: '{"name":"it\'s \\"x\\""}',
  });
  assert.deepEqual(
    samples.map((s) => s.id),
    ["curl", "javascript", "python", "csharp"],
  );
  const by = new Map(samples.map((s) => [s.id, s.code]));
  assert.ok(by.get("curl")?.includes(`curl -X POST 'https://gw/echo/items?q=it'\\''s'`));
  assert.ok(by.get("javascript")?.includes(`"Ocp-Apim-Subscription-Key": "{key}"`));
  assert.ok(by.get("python")?.includes('requests.request("POST"'));
  assert.ok(by.get("csharp")?.includes('new StringContent(@"{""name"":""it\'s \\""x\\""""}"'));
  assert.ok(!by.get("csharp")?.includes('TryAddWithoutValidation("Content-Type"'), "content type goes on the content");
});

test("no body, no body lines", () => {
  for (const s of codeSamples({ method: "GET", url: "http://gw/a", headers: [] }))
    assert.doesNotMatch(s.code, /data-raw|body:|data =|StringContent/, s.id);
});
