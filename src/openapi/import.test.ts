import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { importOpenApi } from "./import.js";

const petstore3 = {
  openapi: "3.0.3",
  info: { title: "Pets", description: "All the pets", version: "1.0", license: { name: "MIT" } },
  servers: [{ url: "https://{env}.example.com/v1", variables: { env: { default: "api" } } }],
  paths: {
    "/pets": {
      get: {
        operationId: "list pets!",
        summary: "List pets",
        parameters: [
          { name: "limit", in: "query", schema: { type: "integer", default: 20 } },
          { $ref: "#/components/parameters/Trace" },
        ],
        responses: {
          "200": {
            description: "ok",
            headers: { "x-next": { schema: { type: "string" } } },
            content: {
              "application/json": {
                schema: { type: "array", items: { $ref: "#/components/schemas/Pet" } },
                example: [{ id: 1 }],
              },
            },
          },
          default: { description: "error" },
        },
      },
      post: {
        requestBody: {
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/Pet" } },
            "application/x-www-form-urlencoded": {
              schema: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
            },
          },
        },
        responses: { "2XX": { description: "created" } },
      },
    },
    "/pets/{petId}": {
      parameters: [{ name: "petId", in: "path", required: true, schema: { type: "string" } }],
      get: { operationId: "list pets?", responses: { "200": { description: "ok" } } },
    },
  },
  components: {
    parameters: { Trace: { name: "x-trace", in: "header", schema: { type: "string", enum: ["on", "off"] } } },
    schemas: { Pet: { type: "object", properties: { id: { type: "integer" } } } },
  },
};

describe("importOpenApi (OpenAPI 3)", () => {
  test("maps the API like APIM's importer", async () => {
    const result = await importOpenApi(petstore3, { apiId: "pets", path: "pets" });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.api.displayName, "Pets");
    assert.equal(result.api.description, "All the pets");
    assert.equal(result.api.serviceUrl, "https://api.example.com/v1");
    assert.deepEqual(result.api.protocols, ["https"]);
    assert.deepEqual(result.api.license, { name: "MIT" });
    assert.equal(result.schemas.length, 1);
  });

  test("names operations from operationId (sanitised, deduplicated) or method and path", async () => {
    const result = await importOpenApi(petstore3, { apiId: "pets" });
    assert.deepEqual(
      result.operations.map((o) => o.id),
      ["list-pets", "post-pets", "list-pets-2"],
    );
    assert.deepEqual(
      result.operations.map((o) => o.properties.displayName),
      ["List pets", "POST /pets", "list pets?"],
    );
  });

  test("maps parameters, bodies and responses", async () => {
    const result = await importOpenApi(petstore3, { apiId: "pets" });
    const [list, create, get] = result.operations.map((o) => o.properties);
    assert.ok(list && create && get);
    assert.deepEqual(list.request?.queryParameters, [
      { name: "limit", type: "integer", required: false, values: [], defaultValue: "20" },
    ]);
    assert.deepEqual(list.request?.headers, [
      { name: "x-trace", type: "string", required: false, values: ["on", "off"] },
    ]);
    const ok = list.responses?.[0];
    assert.equal(ok?.statusCode, 200);
    assert.deepEqual(ok?.representations, [
      {
        contentType: "application/json",
        schemaId: result.schemas[0]?.id,
        typeName: "PetArray",
        examples: { default: { value: [{ id: 1 }] } },
      },
    ]);
    assert.equal(list.responses?.length, 1, "default response skipped when others exist");
    assert.equal(create.responses?.[0]?.statusCode, 200, "2XX maps to 200");
    const reps = create.request?.representations as Array<Record<string, unknown>>;
    assert.equal(reps[0]?.typeName, "Pet");
    assert.deepEqual(reps[1]?.formParameters, [{ name: "name", type: "string", required: true, values: [] }]);
    assert.equal(get.urlTemplate, "/pets/{petId}");
    assert.deepEqual(get.templateParameters, [{ name: "petId", type: "string", required: true, values: [] }]);
  });

  test("options override the service URL and path", async () => {
    const result = await importOpenApi(petstore3, { apiId: "pets", path: "v2/pets", serviceUrl: "http://backend" });
    assert.equal(result.api.serviceUrl, "http://backend");
    assert.equal(result.api.path, "v2/pets");
  });

  test("relative servers resolve against the source URL", async () => {
    const doc = { ...petstore3, servers: [{ url: "/api/v3" }] };
    const result = await importOpenApi(doc, { apiId: "p", sourceUrl: "http://docs.local:8080/spec/openapi.json" });
    assert.equal(result.api.serviceUrl, "http://docs.local:8080/api/v3");
  });
});

describe("importOpenApi (Swagger 2.0)", () => {
  const swagger = `
swagger: "2.0"
info: { title: Store, version: "1" }
host: store.example.com
basePath: /api/
schemes: [http, https]
consumes: [application/json]
produces: [application/json]
paths:
  /orders/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, type: integer }
        - { name: expand, in: query, type: string, enum: [items, none], default: none }
      responses:
        "200": { description: ok, schema: { $ref: "#/definitions/Order" }, examples: { application/json: { id: 1 } } }
    post:
      operationId: upload
      consumes: [multipart/form-data]
      parameters:
        - { name: id, in: path, required: true, type: integer }
        - { name: file, in: formData, type: file, required: true }
      responses: { "201": { description: created } }
definitions:
  Order: { type: object, properties: { id: { type: integer } } }
`;

  test("maps host, basePath and schemes, preferring https", async () => {
    const result = await importOpenApi(swagger, { apiId: "store" });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.api.serviceUrl, "https://store.example.com/api");
    assert.deepEqual(result.api.protocols, ["http", "https"]);
  });

  test("maps operations, form data and examples", async () => {
    const result = await importOpenApi(swagger, { apiId: "store" });
    assert.deepEqual(
      result.operations.map((o) => o.id),
      ["get-orders-id", "upload"],
    );
    const [get, upload] = result.operations.map((o) => o.properties);
    assert.deepEqual(get?.request?.queryParameters, [
      { name: "expand", type: "string", required: false, values: ["items", "none"], defaultValue: "none" },
    ]);
    assert.deepEqual(get?.responses?.[0]?.representations, [
      {
        contentType: "application/json",
        schemaId: result.schemas[0]?.id,
        typeName: "Order",
        examples: { default: { value: { id: 1 } } },
      },
    ]);
    assert.deepEqual(upload?.request?.representations, [
      {
        contentType: "multipart/form-data",
        formParameters: [{ name: "file", type: "file", required: true, values: [] }],
      },
    ]);
  });
});

describe("importOpenApi rejects bad documents with diagnostics and nothing else", () => {
  const cases: Array<[string, unknown, string, string?]> = [
    ["empty text", "   ", "OPENAPI_ERR_EMPTY"],
    ["broken JSON", '{"openapi": "3.0.0", ', "OPENAPI_ERR_SYNTAX"],
    ["broken YAML", "openapi: 3.0.0\ninfo: [unclosed\n", "OPENAPI_ERR_SYNTAX"],
    ["an array", [1, 2], "OPENAPI_ERR_NOT_OPENAPI"],
    ["no version", { info: {}, paths: {} }, "OPENAPI_ERR_NOT_OPENAPI"],
    ["swagger 1.2", { swagger: "1.2", paths: {} }, "OPENAPI_ERR_VERSION", "swagger"],
    [
      "openapi 4",
      { openapi: "4.0.0", info: { title: "x", version: "1" }, paths: {} },
      "OPENAPI_ERR_VERSION",
      "openapi",
    ],
    [
      "missing info",
      { openapi: "3.0.0", paths: { "/a": { get: { responses: { "200": { description: "x" } } } } } },
      "OPENAPI_ERR_SCHEMA",
    ],
    [
      "external $ref",
      {
        openapi: "3.0.0",
        info: { title: "x", version: "1" },
        paths: { "/a": { get: { responses: { "200": { $ref: "other.yaml#/r" } } } } },
      },
      "OPENAPI_ERR_EXTERNAL_REF",
      "paths./a.get.responses.200",
    ],
    [
      "dangling $ref",
      {
        openapi: "3.0.0",
        info: { title: "x", version: "1" },
        paths: { "/a": { get: { responses: { "200": { $ref: "#/components/responses/Nope" } } } } },
      },
      "OPENAPI_ERR_INVALID",
    ],
    [
      "default outside enum",
      {
        openapi: "3.0.0",
        info: { title: "x", version: "1" },
        paths: {
          "/a": {
            get: {
              parameters: [{ name: "s", in: "query", schema: { type: "string", enum: ["a"], default: "b" } }],
              responses: { "200": { description: "x" } },
            },
          },
        },
      },
      "OPENAPI_ERR_DEFAULT_NOT_IN_ENUM",
      "paths./a.get.parameters[0]",
    ],
    [
      "two operations on one route",
      {
        openapi: "3.0.0",
        info: { title: "x", version: "1" },
        paths: {
          "/a/{x}": {
            get: {
              parameters: [{ name: "x", in: "path", required: true, schema: { type: "string" } }],
              responses: { "200": { description: "x" } },
            },
          },
          "/a/{y}": {
            get: {
              parameters: [{ name: "y", in: "path", required: true, schema: { type: "string" } }],
              responses: { "200": { description: "x" } },
            },
          },
        },
      },
      "OPENAPI_ERR_DUPLICATE_OPERATION",
    ],
  ];
  for (const [name, doc, code, path] of cases) {
    test(name, async () => {
      const result = await importOpenApi(doc, { apiId: "x" });
      assert.ok(result.diagnostics.length > 0, "diagnostics expected");
      assert.equal(result.diagnostics[0]?.code, code, JSON.stringify(result.diagnostics));
      if (path !== undefined) assert.equal(result.diagnostics[0]?.path, path);
      assert.equal(result.diagnostics[0]?.severity, "error");
      assert.deepEqual(result.operations, []);
      assert.deepEqual(result.schemas, []);
    });
  }

  test("YAML errors carry a line and column", async () => {
    const result = await importOpenApi("openapi: 3.0.0\ninfo:\n  title: [x\n", { apiId: "x" });
    assert.equal(typeof result.diagnostics[0]?.line, "number");
  });
});

describe("importOpenApi never throws", () => {
  test("absurdly nested documents give a diagnostic", async () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const result = await importOpenApi(
      { openapi: "3.0.0", info: { title: "x", version: "1" }, paths: {}, "x-deep": deep },
      { apiId: "x" },
    );
    assert.equal(result.diagnostics[0]?.code, "OPENAPI_ERR_INVALID");
  });

  test("YAML alias bombs are refused", async () => {
    const bomb = [
      'openapi: "3.0.0"',
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    const result = await importOpenApi(bomb, { apiId: "x" });
    assert.equal(result.diagnostics[0]?.code, "OPENAPI_ERR_SYNTAX");
  });

  test("a relative server without a source URL is a warning, not a guess", async () => {
    const result = await importOpenApi(
      { openapi: "3.0.0", info: { title: "x", version: "1" }, servers: [{ url: "/v1" }], paths: {} },
      { apiId: "x" },
    );
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.api.serviceUrl, undefined);
    assert.ok(result.warnings.some((w) => w.code === "OPENAPI_WARN_RELATIVE_SERVER"));
  });
});

test("a $ref bomb is refused before validation walks it", async () => {
  const schemas: Record<string, unknown> = { S40: { type: "string" } };
  for (let i = 0; i < 40; i++) {
    const next = { $ref: `#/components/schemas/S${i + 1}` };
    schemas[`S${i}`] = { type: "object", properties: { a: next, b: next } };
  }
  const started = performance.now();
  const result = await importOpenApi(
    {
      openapi: "3.0.0",
      info: { title: "bomb", version: "1" },
      paths: { "/a": { get: { responses: { "200": { $ref: "#/components/responses/R" } } } } },
      components: {
        schemas,
        responses: {
          R: { description: "x", content: { "application/json": { schema: { $ref: "#/components/schemas/S0" } } } },
        },
      },
    },
    { apiId: "x" },
  );
  assert.equal(result.diagnostics[0]?.code, "OPENAPI_ERR_TOO_COMPLEX");
  assert.ok(performance.now() - started < 1000);
});

// (Swagger 2.0 documents with an undeclared placeholder are rejected by the 2.0 spec validator.)
test("path placeholders and template parameters are aligned, with warnings", async () => {
  const result = await importOpenApi(
    {
      openapi: "3.0.0",
      info: { title: "t", version: "1" },
      paths: {
        "/users/{id}/files/{name}": {
          get: {
            parameters: [{ name: "name", in: "path", required: true, schema: { type: "string", enum: ["a", "b"] } }],
            responses: { "200": { description: "ok" } },
          },
        },
      },
    },
    { apiId: "t" },
  );
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.operations[0]?.properties.templateParameters, [
    { name: "id", type: "string", required: true, values: [] },
    { name: "name", type: "string", required: true, values: ["a", "b"] },
  ]);
  assert.deepEqual(
    result.warnings.map((w) => [w.code, w.path]),
    [["OPENAPI_WARN_UNDECLARED_PATH_PARAMETER", "paths./users/{id}/files/{name}.get"]],
  );
});
