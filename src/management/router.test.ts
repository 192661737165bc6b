import assert from "node:assert/strict";
import { test } from "node:test";
import type { Handler } from "./context.js";
import { ApiError } from "./errors.js";
import { compileRouter } from "./router.js";

const h: Handler = async () => ({ status: 200 });
const router = compileRouter([
  { pattern: "", methods: { GET: h } },
  { pattern: "apis", methods: { GET: h } },
  { pattern: "apis/{apiId}", methods: { GET: h } },
  { pattern: "apis/{apiId}/policies/{policyId}", methods: { GET: h } },
  { pattern: "apis/{apiId}/policies/policy", methods: { PUT: h } },
  { pattern: "namedValues/{id}/listValue", methods: { POST: h } },
]);

const cases: Array<[string, string | undefined, Record<string, string>?]> = [
  ["/", ""],
  ["", ""],
  ["/apis", "apis"],
  ["/apis/", "apis"],
  ["/APIS/echo", "apis/{apiId}", { apiId: "echo" }],
  ["/apis/echo%3Brev%3D2", "apis/{apiId}", { apiId: "echo;rev=2" }],
  ["/apis/echo/policies/policy", "apis/{apiId}/policies/policy", { apiId: "echo" }],
  ["/apis/echo/policies/other", "apis/{apiId}/policies/{policyId}", { apiId: "echo", policyId: "other" }],
  ["/namedvalues/nv/listvalue", "namedValues/{id}/listValue", { id: "nv" }],
  ["/products", undefined],
  ["/apis/a/b", undefined],
];

for (const [path, pattern, params] of cases) {
  test(`route ${path || "(empty)"}`, () => {
    const match = router.match(path);
    assert.equal(match?.spec.pattern, pattern);
    if (params) assert.deepEqual(match?.params, params);
  });
}

test("bad percent-encoding is a 400", () => {
  assert.throws(
    () => router.match("/apis/%E0%A4%A"),
    (err: unknown) => err instanceof ApiError && err.status === 400,
  );
});
