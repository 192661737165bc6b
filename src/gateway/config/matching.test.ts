// Table tests for the pure matchers: operation templates and the API route trie.
import assert from "node:assert/strict";
import { test } from "node:test";
import { redactUrl } from "../observability/access-log.js";
import { parseDurationMs } from "./backends.js";
import { compileOperationMatcher } from "./operation-matcher.js";
import { compileRouteTable, splitPath } from "./route-table.js";

const ops = compileOperationMatcher(
  [
    ["GET", "/users/{id}"],
    ["GET", "/users/me"],
    ["GET", "/users/{id}/orders/{orderId}"],
    ["POST", "/users"],
    ["GET", "/search?q={q}&mode=exact"],
    ["GET", "/search?q={q}"],
    ["GET", "/files/{*path}"],
    ["*", "/any/thing"],
    ["GET", "/"],
    ["DELETE", "/*"],
  ].map(([method, urlTemplate]) => ({
    method: method as string,
    urlTemplate: urlTemplate as string,
    value: `${method} ${urlTemplate}`,
  })),
);

const q = (s: string) => new Map([...new URLSearchParams(s)].map(([k, v]) => [k, [v]] as [string, string[]]));

const cases: Array<[string, string, string, string | undefined, Record<string, string>?]> = [
  ["GET", "/users/42", "", "GET /users/{id}", { id: "42" }],
  ["GET", "/users/me", "", "GET /users/me", {}],
  ["GET", "/USERS/ME", "", "GET /users/me", {}],
  ["GET", "/users/a%20b", "", "GET /users/{id}", { id: "a b" }],
  ["GET", "/users/1/orders/2", "", "GET /users/{id}/orders/{orderId}", { id: "1", orderId: "2" }],
  ["POST", "/users", "", "POST /users", {}],
  ["PUT", "/users", "", undefined],
  ["GET", "/search", "q=x&mode=exact", "GET /search?q={q}&mode=exact", { q: "x" }],
  ["GET", "/search", "q=x", "GET /search?q={q}", { q: "x" }],
  ["GET", "/search", "", undefined],
  ["GET", "/files/a/b/c", "", "GET /files/{*path}", { path: "a/b/c" }],
  ["PATCH", "/any/thing", "", "* /any/thing", {}],
  ["GET", "/", "", "GET /", {}],
  ["DELETE", "/x/y", "", "DELETE /*", { "*": "x/y" }],
  ["GET", "/nothing/here", "", undefined],
];

test("operation matcher: precedence, parameters, query templates, wildcards", () => {
  for (const [method, path, query, expected, params] of cases) {
    const m = ops.match(method, splitPath(path), q(query));
    assert.equal(m?.value, expected, `${method} ${path}?${query}`);
    if (params && m) assert.deepEqual(Object.fromEntries(m.params), params, `${method} ${path}`);
  }
});

test("malformed templates are rejected when compiled, not per request", () => {
  assert.throws(() => compileOperationMatcher([{ method: "GET", urlTemplate: "/a/*/b", value: 1 }]), /last segment/);
  assert.throws(() => compileOperationMatcher([{ method: "GET", urlTemplate: "/a{b}", value: 1 }]), /mixed/);
});

test("route table: longest prefix on segments, versions, empty path", () => {
  const table = compileRouteTable<string>([
    { api: "root", segments: [] },
    { api: "echo", segments: ["echo"] },
    { api: "deep", segments: ["echo", "deep"] },
    { api: "v1", segments: ["ver", "v1"] },
    { api: "q-default", segments: ["qv"], scheme: "Query", version: "", versionName: "api-version" },
    { api: "q-2024", segments: ["qv"], scheme: "Query", version: "2024", versionName: "api-version" },
    { api: "h-1", segments: ["hv"], scheme: "Header", version: "1", versionName: "X-Version" },
  ]);
  const none = () => undefined;
  const look = (path: string, query = "", header: (n: string) => string | undefined = none) => {
    const r = table.lookup(splitPath(path), q(query), header);
    return r ? `${r.api}@${r.consumed}` : undefined;
  };
  assert.equal(look("/echo/x"), "echo@1");
  assert.equal(look("/Echo/deep/x"), "deep@2");
  assert.equal(look("/echoes"), "root@0");
  assert.equal(look("/ver/v1/a"), "v1@2");
  assert.equal(look("/qv/a"), "q-default@1");
  assert.equal(look("/qv/a", "api-version=2024"), "q-2024@1");
  assert.equal(look("/qv/a", "api-version=1999"), "root@0");
  assert.equal(
    look("/hv/a", "", (n) => (n === "x-version" ? "1" : undefined)),
    "h-1@1",
  );
  assert.equal(look("/hv/a"), "root@0");
});

test("route lookup cost does not depend on the number of APIs", () => {
  const entries = Array.from({ length: 10_000 }, (_, i) => ({ api: i, segments: [`api${i}`] }));
  const table = compileRouteTable(entries);
  assert.equal(table.lookup(["api9999", "x"], new Map(), () => undefined)?.api, 9999);
  assert.equal(table.size, 10_000);
});

test("durations: ISO 8601 and TimeSpan", () => {
  assert.equal(parseDurationMs("PT1M"), 60_000);
  assert.equal(parseDurationMs("PT1.5S"), 1500);
  assert.equal(parseDurationMs("P1DT1H"), 25 * 3600_000);
  assert.equal(parseDurationMs("00:00:30"), 30_000);
  assert.equal(parseDurationMs("1.00:00:00"), 86_400_000);
  assert.equal(parseDurationMs("soon"), undefined);
});

test("access log redaction of subscription keys in URLs", () => {
  assert.equal(redactUrl("/a?subscription-key=secret&x=1"), "/a?subscription-key=[REDACTED]&x=1");
  assert.equal(redactUrl("/a?KEY=s", ["key"]), "/a?KEY=[REDACTED]");
  assert.equal(redactUrl("/a?x=1"), "/a?x=1");
});
