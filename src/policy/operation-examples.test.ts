// Operation examples for mock-response: explicit examples, samples, schema-generated bodies; and the
// policy answering from them through PolicyServices.example.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createExampleProvider } from "./operation-examples.js";
import { createFakeServices, emptyEnvironment } from "./test-support/fake-context.js";
import { runStatements } from "./test-support/run.js";
import type { OperationContract } from "./types.js";

const schemas = new Map<string, unknown>([
  [
    "s1",
    {
      components: {
        schemas: {
          Pet: {
            type: "object",
            properties: {
              id: { type: "integer", format: "int64" },
              name: { type: "string", example: "doggie" },
              status: { type: "string", enum: ["available", "sold"] },
              born: { type: "string", format: "date-time" },
              tags: { type: "array", items: { $ref: "#/components/schemas/Tag" } },
              parent: { $ref: "#/components/schemas/Pet" },
            },
          },
          Tag: { type: "object", properties: { label: { type: "string" } } },
        },
      },
    },
  ],
]);

const contract: OperationContract = {
  responses: [
    {
      statusCode: 200,
      representations: [
        { contentType: "application/json", schemaId: "s1", typeName: "PetArray" },
        { contentType: "application/xml", examples: { default: { value: "<pet><id>1</id></pet>" } } },
      ],
    },
    {
      statusCode: 201,
      representations: [{ contentType: "application/json", examples: { created: { value: { id: 42 } } } }],
    },
    { statusCode: 204 },
    { statusCode: 400, representations: [{ contentType: "text/plain", sample: "bad request" }] },
  ],
};

describe("operation examples", () => {
  const example = createExampleProvider(contract, schemas);
  const cases: Array<[number, string | undefined, { contentType: string; body: unknown } | undefined]> = [
    [201, undefined, { contentType: "application/json", body: { id: 42 } }],
    [200, "application/xml", { contentType: "application/xml", body: "<pet><id>1</id></pet>" }],
    [400, undefined, { contentType: "text/plain", body: "bad request" }],
    [204, undefined, undefined],
    [404, undefined, undefined],
    [200, "text/csv", undefined],
  ];
  for (const [status, type, expected] of cases) {
    test(`${status} ${type ?? "(first type)"}`, () => {
      const got = example(status, type);
      if (!expected) return assert.equal(got, undefined);
      assert.equal(got?.contentType, expected.contentType);
      assert.deepEqual(typeof expected.body === "string" ? got?.body : JSON.parse(got?.body ?? "null"), expected.body);
    });
  }

  test("a body generated from the schema: examples, enums, formats, arrays, and $ref cycles cut", () => {
    const body = JSON.parse(example(200, undefined)?.body ?? "null");
    assert.deepEqual(body, [
      {
        id: 0,
        name: "doggie",
        status: "available",
        born: "2024-01-01T00:00:00Z",
        tags: [{ label: "string" }],
        parent: null,
      },
    ]);
  });

  test("mock-response answers with the operation's example, resolved when the policy compiles", async () => {
    const env = emptyEnvironment({ operationContract: contract, apiSchemas: schemas });
    const services = createFakeServices();
    const created = await runStatements(`<mock-response status-code="201"/>`, { services, env });
    assert.equal(created.response?.statusCode, 201);
    assert.deepEqual(created.response?.headers.get("content-type"), ["application/json"]);
    assert.deepEqual(JSON.parse(created.response?.body.bytes?.toString() ?? ""), { id: 42 });
    const xml = await runStatements(`<mock-response status-code="200" content-type="application/xml"/>`, {
      services,
      env,
    });
    assert.equal(xml.response?.body.bytes?.toString(), "<pet><id>1</id></pet>");
    const none = await runStatements(`<mock-response status-code="204"/>`, { services, env });
    assert.equal(none.response?.statusCode, 204);
    assert.equal(none.response?.body.bytes?.length ?? 0, 0);
  });

  test("mock-response resolves the example from the PolicyEnvironment at compile time", async () => {
    const env = { ...emptyEnvironment(), operationContract: contract, apiSchemas: schemas };
    const generated = await runStatements(`<mock-response status-code="200" content-type="application/json"/>`, {
      env,
    });
    assert.equal(generated.response?.statusCode, 200);
    assert.deepEqual(generated.response?.headers.get("content-type"), ["application/json"]);
    assert.equal(JSON.parse(generated.response?.body.bytes?.toString() ?? "")[0].name, "doggie");
    const sample = await runStatements(`<mock-response status-code="400"/>`, { env });
    assert.equal(sample.response?.body.bytes?.toString(), "bad request");
    // without an operation contract: status and content type only
    const bare = await runStatements(`<mock-response status-code="201" content-type="text/plain"/>`);
    assert.deepEqual(bare.response?.headers.get("content-type"), ["text/plain"]);
    assert.equal(bare.response?.body.bytes?.length ?? 0, 0);
  });
});
