// Import → store → export → re-import over the HTTP API with corpus documents: the API's schemas
// (apis/{a}/schemas/{s}), $refs from representations, and parameter / representation examples survive.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { sharedPath } from "../test-support/shared-dir.js";
import { type Harness, startHarness } from "./test-support/harness.js";

const corpus = sharedPath("corpus/openapi");
// biome-ignore lint/suspicious/noExplicitAny: stored entities are compared loosely
type Loose = any;

interface Case {
  file: string;
  importFormat: string;
  exportFormat: string;
  schemaType: string;
  refPrefix: string;
}

const cases: Case[] = [
  {
    file: "oai-examples/v3.0/petstore-expanded.json",
    importFormat: "openapi+json",
    exportFormat: "openapi+json",
    schemaType: "application/vnd.oai.openapi.components+json",
    refPrefix: "#/components/schemas/",
  },
  {
    file: "swagger-petstore/openapi.yaml",
    importFormat: "openapi",
    exportFormat: "openapi+json",
    schemaType: "application/vnd.oai.openapi.components+json",
    refPrefix: "#/components/schemas/",
  },
  {
    file: "oai-examples/v2.0/json/petstore-expanded.json",
    importFormat: "swagger-json",
    exportFormat: "swagger-json",
    schemaType: "application/vnd.ms-azure-apim.swagger.definitions+json",
    refPrefix: "#/definitions/",
  },
];

/** What must not change through a round trip: per operation, parameters, body types, schemas, examples. */
function shapeOf(ops: Loose[]): Record<string, unknown> {
  const reps = (list: Loose[] | undefined) =>
    (list ?? []).map((r) => ({ contentType: r.contentType, typeName: r.typeName, examples: r.examples }));
  const params = (list: Loose[] | undefined) =>
    (list ?? []).map((p) => ({ name: p.name, type: p.type, required: p.required === true, examples: p.examples }));
  return Object.fromEntries(
    ops.map((o) => {
      const p = o.properties;
      return [
        `${p.method} ${p.urlTemplate}`,
        {
          template: params(p.templateParameters),
          query: params(p.request?.queryParameters),
          headers: params(p.request?.headers),
          body: reps(p.request?.representations),
          responses: (p.responses ?? []).map((r: Loose) => ({ status: r.statusCode, reps: reps(r.representations) })),
        },
      ];
    }),
  );
}

function namedSchemasOf(document: Loose): string[] {
  return Object.keys(document?.components?.schemas ?? document?.definitions ?? {}).sort();
}

describe("API schemas and examples round-trip through the management API", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  for (const [i, c] of cases.entries()) {
    test(c.file, async () => {
      const text = readFileSync(`${corpus}/${c.file}`, "utf8");
      const value = c.importFormat === "openapi" ? text : JSON.parse(text);
      const first = await h.call("PUT", `/apis/rt${i}`, {
        properties: { format: c.importFormat, path: `rt${i}`, value },
      });
      assert.equal(first.status, 201, JSON.stringify(first.body));

      const schemas = await h.call("GET", `/apis/rt${i}/schemas`);
      assert.equal(schemas.body.count, 1);
      const stored = schemas.body.value[0];
      assert.equal(stored.properties.contentType, c.schemaType);
      const names = namedSchemasOf(stored.properties.document);
      assert.ok(names.length > 0, "named schemas stored");

      const exported = await h.call("GET", `/apis/rt${i}?export=true&format=${encodeURIComponent(c.exportFormat)}`);
      assert.equal(exported.status, 200, JSON.stringify(exported.body));
      const doc = exported.body.value;
      assert.deepEqual(namedSchemasOf(doc), names);
      const refs = JSON.stringify(doc.paths).match(/"\$ref":"([^"]+)"/g) ?? [];
      assert.ok(refs.length > 0, "representations point at the schemas");
      for (const ref of refs) assert.ok(ref.includes(c.refPrefix), ref);

      const again = await h.call("PUT", `/apis/rt${i}b`, {
        properties: { format: c.exportFormat, path: `rt${i}b`, value: doc },
      });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      const before = (await h.call("GET", `/apis/rt${i}/operations`)).body.value;
      const afterOps = (await h.call("GET", `/apis/rt${i}b/operations`)).body.value;
      assert.deepEqual(shapeOf(afterOps), shapeOf(before));
      const reSchemas = (await h.call("GET", `/apis/rt${i}b/schemas`)).body.value[0];
      assert.deepEqual(namedSchemasOf(reSchemas.properties.document), names);
    });
  }

  test("parameter and body examples come back in both formats", async () => {
    const doc = {
      openapi: "3.0.1",
      info: { title: "Ex", version: "1" },
      paths: {
        "/items/{id}": {
          put: {
            operationId: "putItem",
            parameters: [
              { name: "id", in: "path", required: true, schema: { type: "integer" }, example: 7 },
              { name: "mode", in: "query", schema: { type: "string" }, examples: { fast: { value: "fast" } } },
            ],
            requestBody: {
              content: {
                "application/json": {
                  schema: { $ref: "#/components/schemas/Item" },
                  examples: { one: { summary: "an item", value: { id: 7, name: "seven" } } },
                },
              },
            },
            responses: {
              "200": {
                description: "ok",
                content: { "application/json": { schema: { $ref: "#/components/schemas/Item" }, example: { id: 7 } } },
              },
            },
          },
        },
      },
      components: {
        schemas: { Item: { type: "object", properties: { id: { type: "integer" }, name: { type: "string" } } } },
      },
    };
    assert.equal(
      (await h.call("PUT", "/apis/ex", { properties: { format: "openapi+json", path: "ex", value: doc } })).status,
      201,
    );
    const v3 = (await h.call("GET", "/apis/ex?export=true&format=openapi%2Bjson")).body.value;
    // As typed into curl (the README's example): the unencoded "+" arrives as a space.
    assert.deepEqual((await h.call("GET", "/apis/ex?export=true&format=openapi+json")).body.value, v3);
    const op = v3.paths["/items/{id}"].put;
    assert.deepEqual(op.parameters[0].examples, { default: { value: 7 } });
    assert.deepEqual(op.parameters[1].examples, { fast: { value: "fast" } });
    assert.deepEqual(op.requestBody.content["application/json"].examples.one, {
      summary: "an item",
      value: { id: 7, name: "seven" },
    });
    assert.deepEqual(op.requestBody.content["application/json"].schema, { $ref: "#/components/schemas/Item" });
    assert.deepEqual(op.responses["200"].content["application/json"].examples.default, { value: { id: 7 } });

    const v2 = (await h.call("GET", "/apis/ex?export=true&format=swagger-json")).body.value;
    const op2 = v2.paths["/items/{id}"].put;
    assert.equal(op2.parameters[0]["x-example"], 7);
    assert.equal(op2.parameters[1]["x-example"], "fast");
    const body = op2.parameters.find((p: Loose) => p.in === "body");
    assert.deepEqual(body.schema, { $ref: "#/definitions/Item" });
    assert.deepEqual(body["x-example"], { id: 7, name: "seven" });
    assert.deepEqual(op2.responses["200"].examples, { "application/json": { id: 7 } });
    // and 2.0 back in: the examples are still there
    assert.equal(
      (await h.call("PUT", "/apis/ex2", { properties: { format: "swagger-json", path: "ex2", value: v2 } })).status,
      201,
    );
    const ops = (await h.call("GET", "/apis/ex2/operations")).body.value;
    const p = ops[0].properties;
    assert.deepEqual(p.templateParameters[0].examples, { default: { value: 7 } });
    assert.deepEqual(p.request.representations[0].examples, { default: { value: { id: 7, name: "seven" } } });
  });
});
