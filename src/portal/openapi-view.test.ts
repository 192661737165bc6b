import assert from "node:assert/strict";
import { test } from "node:test";
import { documentFromExport, exampleFor, operationsFromContracts, operationsFromOpenApi } from "./openapi-view.js";
import { echoOpenApi } from "./test-support/stack.js";

test("OpenAPI 3: parameters, request body example from schema, responses", () => {
  const ops = operationsFromOpenApi(echoOpenApi);
  assert.deepEqual(
    ops.map((o) => `${o.method} ${o.path} ${o.id}`),
    ["GET /echo/{id} get-echo", "POST /items create-item"],
  );
  const [get, post] = ops;
  assert.deepEqual(
    get?.params.map((p) => [p.name, p.in, p.required, p.example]),
    [
      ["id", "path", true, "42"],
      ["verbose", "query", false, ""],
    ],
  );
  assert.equal(post?.requestBody?.example, JSON.stringify({ name: "widget", count: 0 }, null, 2));
  assert.match(get?.responses[0]?.body?.schema ?? "", /"method"/);
});

test("Swagger 2 body parameters and recursive schemas", () => {
  const doc = {
    swagger: "2.0",
    paths: {
      "/n": {
        post: {
          parameters: [{ in: "body", name: "b", schema: { $ref: "#/definitions/Node" } }],
          responses: { "200": { description: "ok", schema: { $ref: "#/definitions/Node" } } },
        },
      },
    },
    definitions: {
      Node: { type: "object", properties: { v: { type: "integer" }, next: { $ref: "#/definitions/Node" } } },
    },
  };
  const [op] = operationsFromOpenApi(doc);
  assert.equal(op?.params.length, 0);
  assert.match(op?.requestBody?.schema ?? "", /recursive: Node/);
  assert.ok(op?.requestBody?.example.includes('"v": 0'));
});

test("examples by type", () => {
  const cases: Array<[unknown, unknown]> = [
    [{ type: "string", format: "email" }, "user@example.com"],
    [{ type: "integer" }, 0],
    [{ type: "array", items: { type: "boolean" } }, [true]],
    [{ enum: ["a", "b"] }, "a"],
    [
      { allOf: [{ properties: { a: { type: "string" } } }, { properties: { b: { type: "integer" } } }] },
      { a: "string", b: 0 },
    ],
    [{ oneOf: [{ type: "number" }] }, 0],
    ["junk", null],
  ];
  for (const [schema, expected] of cases) assert.deepEqual(exampleFor({}, schema), expected, JSON.stringify(schema));
});

test("operation contracts when there is no document", () => {
  const [op] = operationsFromContracts([
    {
      name: "get-user",
      properties: {
        displayName: "Get user",
        method: "get",
        urlTemplate: "/users/{id}",
        templateParameters: [{ name: "id", type: "string" }],
        request: { queryParameters: [{ name: "q", type: "string", required: true, defaultValue: "x" }] },
        responses: [{ statusCode: 200, description: "ok" }],
      },
    },
  ]);
  assert.equal(op?.method, "GET");
  assert.deepEqual(
    op?.params.map((p) => `${p.in}:${p.name}:${p.required}:${p.example}`),
    ["path:id:true:", "query:q:true:x"],
  );
  assert.deepEqual(op?.responses, [{ status: "200", description: "ok" }]);
});

test("export answers in their several shapes", () => {
  const doc = { openapi: "3.0.0", paths: {} };
  assert.deepEqual(documentFromExport({ value: doc }), doc);
  assert.deepEqual(documentFromExport({ value: JSON.stringify(doc) }), doc);
  assert.deepEqual(documentFromExport(doc), doc);
  assert.deepEqual(documentFromExport({ properties: { value: doc } }), undefined);
  assert.equal(documentFromExport({ value: "not json" }), undefined);
});
