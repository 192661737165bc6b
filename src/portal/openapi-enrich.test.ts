import assert from "node:assert/strict";
import { test } from "node:test";
import { enrichDocument, namedSchemas } from "./openapi-enrich.js";
import { operationsFromOpenApi } from "./openapi-view.js";

const schemas = namedSchemas([
  {
    name: "s1",
    properties: {
      document: {
        components: {
          schemas: { Item: { type: "object", properties: { name: { type: "string", example: "widget" } } } },
        },
      },
    },
  },
]);

const contracts = [
  {
    name: "create-item",
    properties: {
      method: "POST",
      urlTemplate: "/items",
      request: { representations: [{ contentType: "application/json", typeName: "Item" }] },
      responses: [{ statusCode: 201, representations: [{ contentType: "application/json", typeName: "Item" }] }],
    },
  },
];

test("schemas from the schemas resource fill media types the export left empty", () => {
  const exported = {
    openapi: "3.0.1",
    paths: {
      "/items": {
        post: {
          operationId: "create-item",
          requestBody: { content: { "application/json": {} } },
          responses: { "201": { description: "Created", content: { "application/json": {} } } },
        },
      },
    },
  };
  const doc = enrichDocument(exported, contracts, schemas);
  const [op] = operationsFromOpenApi(doc);
  assert.equal(op?.requestBody?.example, JSON.stringify({ name: "widget" }, null, 2));
  assert.match(op?.responses[0]?.body?.schema ?? "", /"name"/);
  assert.deepEqual(exported.paths["/items"].post.requestBody.content["application/json"], {}, "input untouched");
});

test("existing schemas win; unknown type names and unmatched operations are left alone", () => {
  const exported = {
    openapi: "3.0.1",
    components: { schemas: { Item: { type: "string" } } },
    paths: { "/other": { get: { responses: { "200": { content: { "application/json": {} } } } } } },
  };
  const doc = enrichDocument(exported, contracts, schemas) as {
    components: { schemas: { Item: unknown } };
    paths: unknown;
  };
  assert.deepEqual(doc.components.schemas.Item, { type: "string" });
  assert.deepEqual(doc.paths, exported.paths);
  assert.deepEqual(enrichDocument({ openapi: "3.0.1", paths: {} }, [], {}), { openapi: "3.0.1", paths: {} });
});
