import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { parse } from "yaml";
import { sharedPath } from "../test-support/shared-dir.js";
import { exportOpenApi } from "./export.js";
import { importOpenApi } from "./import.js";
import type { ExportFormat, ImportResult } from "./types.js";

/** swagger-parser's document type, named without importing openapi-types (not our dependency). */
type ApiDocument = Parameters<typeof SwaggerParser.dereference>[1];

const corpus = process.env.MOAT_TEST_OPENAPI_CORPUS ?? sharedPath("corpus/openapi");
const samples = [
  "oai-examples/v3.0/yaml/petstore-expanded.yaml",
  "oai-examples/v2.0/json/uber.json",
  "swagger-petstore/openapi.yaml",
  "redocly-museum/openapi.yaml",
  "oai-examples/v3.0/api-with-examples.json",
];
const formats: ExportFormat[] = ["openapi+json", "openapi", "swagger-json"];

/** What must survive a round trip: names, routes and parameters. */
function shape(result: ImportResult, format: ExportFormat) {
  const form = (t: string) => t.startsWith("application/x-www-form-urlencoded") || t.startsWith("multipart/form-data");
  return result.operations.map(({ id, properties: p }) => ({
    id,
    method: p.method,
    urlTemplate: p.urlTemplate,
    template: p.templateParameters?.map((t) => `${t.name}:${t.type}`),
    query: p.request?.queryParameters?.map((q) => `${q.name}:${q.type}:${q.required}:${q.defaultValue ?? ""}`),
    headers: p.request?.headers?.map((h) => h.name),
    statusCodes: p.responses?.map((r) => r.statusCode),
    bodies: bodiesOf(p.request?.representations as Array<{ contentType: string }> | undefined),
  }));
  // Swagger 2.0 has no way to offer a JSON body and a form on the same operation.
  function bodiesOf(reps: Array<{ contentType: string }> | undefined) {
    const types = (reps ?? []).map((r) => r.contentType);
    return format === "swagger-json" && types.some((t) => !form(t)) ? types.filter((t) => !form(t)) : types;
  }
}

describe("exportOpenApi round trip", () => {
  // Each sample is imported once and shared by its three formats (validation is the slow part).
  const firstImports = new Map<string, Promise<ImportResult | undefined>>();
  const importOnce = (sample: string) => {
    let pending = firstImports.get(sample);
    if (!pending) {
      pending = (async () => {
        // Skipped only when the whole corpus is absent; a missing sample is a failure.
        if (!existsSync(corpus)) return undefined;
        return importOpenApi(readFileSync(`${corpus}/${sample}`, "utf8"), { apiId: "rt", path: "rt" });
      })();
      firstImports.set(sample, pending);
    }
    return pending;
  };
  for (const sample of samples) {
    for (const format of formats) {
      test(`${sample} → ${format} → import`, async (t) => {
        const first = await importOnce(sample);
        if (!first) {
          t.skip("corpus not available");
          return;
        }
        assert.deepEqual(first.diagnostics, []);
        const exported = exportOpenApi(first.api, first.operations, { format, schemas: first.schemas });
        const reparsed = format === "openapi" ? parse(exported.value) : JSON.parse(exported.value);
        assert.deepEqual(reparsed, exported.document);
        // importOpenApi validates the exported document as it re-imports it: no diagnostics means valid.
        const second = await importOpenApi(exported.value, { apiId: "rt", path: "rt" });
        assert.deepEqual(second.diagnostics, []);
        assert.deepEqual(second.warnings, [], "an exported document is clean, not merely tolerated");
        assert.deepEqual(shape(second, format), shape(first, format));
        assert.equal(second.api.displayName, first.api.displayName);
        assert.equal(second.api.serviceUrl, first.api.serviceUrl);
      });
    }
  }

  test("typeName becomes a $ref to the exported schema", async () => {
    const text = readFileSync(`${corpus}/oai-examples/v3.0/petstore.json`, "utf8");
    const first = await importOpenApi(text, { apiId: "p" });
    const { document } = exportOpenApi(first.api, first.operations, { format: "openapi+json", schemas: first.schemas });
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    assert.deepEqual(paths["/pets"]?.get?.responses["200"], {
      description: "A paged array of pets",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Pets" } } },
      headers: { "x-next": { schema: { type: "string" }, description: "A link to the next page of responses" } },
    });
    const components = document.components as Record<string, Record<string, unknown>>;
    assert.ok(components.schemas?.Pet);
    assert.ok(components.securitySchemes?.apiKeyHeader);
  });

  test("an API without operations still exports a valid document", async () => {
    for (const format of formats) {
      const { document } = exportOpenApi({ displayName: "Empty", path: "e" }, [], { format });
      await SwaggerParser.validate(structuredClone(document) as unknown as ApiDocument);
    }
  });
});
