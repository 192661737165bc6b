// Inline body schemas become named definitions on import (APIM-style names) and $refs on export.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exportOpenApi } from "./export.js";
import { importOpenApi } from "./import.js";
import { isObject, type JsonObject } from "./types.js";

type Representation = { typeName?: string; schemaId?: string };

const pet = { type: "object", required: ["name"], properties: { name: { type: "string" } } };

function definitionsOf(document: JsonObject | undefined): JsonObject {
  if (!document) return {};
  if (isObject(document.components) && isObject(document.components.schemas)) return document.components.schemas;
  return isObject(document.definitions) ? document.definitions : {};
}

test("OpenAPI 3: inline request and response schemas are named after the operation", async () => {
  const doc = {
    openapi: "3.0.1",
    info: { title: "t", version: "1" },
    paths: {
      "/pets": {
        post: {
          operationId: "createPet",
          requestBody: { content: { "application/json": { schema: pet } } },
          responses: {
            "201": { description: "", content: { "application/json": { schema: { type: "array", items: pet } } } },
            "400": { description: "", content: { "text/plain": { schema: { type: "string" } } } },
          },
        },
        // no operationId: the method and path name it; a name already used by a component gets a counter
        get: {
          responses: { "200": { description: "", content: { "application/json": { schema: pet } } } },
        },
      },
    },
    components: { schemas: { GetPets200ApplicationJsonResponse: { type: "string" } } },
  };
  const result = await importOpenApi(doc, { apiId: "pets", path: "pets" });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.schemas.length, 1);
  const defs = definitionsOf(result.schemas[0]?.properties.document);
  assert.deepEqual(Object.keys(defs).sort(), [
    "CreatePet201ApplicationJsonResponse",
    "CreatePetRequest",
    "GetPets200ApplicationJsonResponse",
    "GetPets200ApplicationJsonResponse2",
  ]);
  assert.deepEqual(defs.CreatePetRequest, pet);
  const post = result.operations.find((o) => o.properties.method === "POST")?.properties;
  const postRep = (post?.request?.representations as Representation[] | undefined)?.[0];
  assert.equal(postRep?.typeName, "CreatePetRequest");
  assert.equal(postRep?.schemaId, result.schemas[0]?.id);
  // a bare string stays inline: no definition, no typeName
  const plain = (
    post?.responses?.find((r) => r.statusCode === 400)?.representations as Representation[] | undefined
  )?.[0];
  assert.equal(plain?.typeName, undefined);

  const exported = exportOpenApi({ displayName: "t", path: "pets" }, result.operations, {
    format: "openapi+json",
    schemas: result.schemas,
  }).document as JsonObject;
  const paths = exported.paths as Record<string, Record<string, JsonObject>>;
  const body = paths["/pets"]?.post?.requestBody as JsonObject;
  assert.deepEqual((body.content as JsonObject)["application/json"], {
    schema: { $ref: "#/components/schemas/CreatePetRequest" },
  });
});

test("Swagger 2.0: an inline body parameter and response schema, and a schema entity when there were no definitions", async () => {
  const doc = {
    swagger: "2.0",
    info: { title: "t", version: "1" },
    consumes: ["application/json"],
    produces: ["application/json"],
    paths: {
      "/pets": {
        put: {
          operationId: "put-pet",
          parameters: [{ name: "body", in: "body", schema: pet }],
          responses: { "200": { description: "", schema: pet } },
        },
      },
    },
  };
  const result = await importOpenApi(doc, { apiId: "pets", path: "pets" });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.schemas.length, 1);
  assert.equal(result.schemas[0]?.properties.contentType, "application/vnd.ms-azure-apim.swagger.definitions+json");
  assert.deepEqual(Object.keys(definitionsOf(result.schemas[0]?.properties.document)).sort(), [
    "PutPet200Response",
    "PutPetRequest",
  ]);
  const again = await importOpenApi(doc, { apiId: "pets", path: "pets" });
  assert.equal(again.schemas[0]?.id, result.schemas[0]?.id, "re-import keeps the schema entity id");
});
