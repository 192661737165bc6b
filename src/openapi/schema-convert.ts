// Moves JSON Schemas between dialects on export: Swagger 2.0 definitions ↔ OpenAPI 3.0 components.
// Only what the target's validator rejects is rewritten; everything else passes through.
import { isObject, type JsonObject } from "./types.js";

const SCHEMA_MAPS = ["properties", "definitions", "patternProperties"];
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf"];
const SCHEMA_SINGLE = ["items", "additionalProperties", "not"];

type Dialect = "swagger2" | "openapi30";

/** Rewrites one schema (and its subschemas) for the target dialect. */
export function convertSchema(schema: unknown, target: Dialect): unknown {
  if (Array.isArray(schema)) return schema.map((s) => convertSchema(s, target));
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string") {
      out.$ref =
        target === "swagger2"
          ? value.replace("#/components/schemas/", "#/definitions/")
          : value.replace("#/definitions/", "#/components/schemas/");
    } else if (SCHEMA_MAPS.includes(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSchema(v, target)]));
    } else if (SCHEMA_LISTS.includes(key) && Array.isArray(value)) {
      out[key] = value.map((v) => convertSchema(v, target));
    } else if (SCHEMA_SINGLE.includes(key) && (isObject(value) || Array.isArray(value))) {
      out[key] = convertSchema(value, target);
    } else {
      out[key] = value;
    }
  }
  return target === "swagger2" ? toSwagger2(out) : toOpenApi30(out);
}

function toSwagger2(schema: JsonObject): JsonObject {
  normaliseTypeArray(schema, "x-nullable");
  if (schema.nullable !== undefined) {
    schema["x-nullable"] = schema.nullable;
    delete schema.nullable;
  }
  // 2.0 has allOf only: keep the alternatives as an extension so nothing is silently lost.
  for (const key of ["oneOf", "anyOf", "not"]) {
    if (schema[key] !== undefined) {
      schema[`x-${key}`] = schema[key];
      delete schema[key];
    }
  }
  if (isObject(schema.discriminator)) schema.discriminator = schema.discriminator.propertyName;
  for (const key of ["writeOnly", "deprecated", "const", "examples", "$schema", "$id", "contentMediaType"]) {
    delete schema[key];
  }
  return schema;
}

function toOpenApi30(schema: JsonObject): JsonObject {
  normaliseTypeArray(schema, "nullable");
  if (schema.type === "file") {
    schema.type = "string";
    schema.format = "binary";
  }
  if (schema["x-nullable"] !== undefined) {
    schema.nullable = schema["x-nullable"];
    delete schema["x-nullable"];
  }
  if (schema.const !== undefined) {
    schema.enum = [schema.const];
    delete schema.const;
  }
  if (Array.isArray(schema.examples)) {
    if (schema.example === undefined && schema.examples.length > 0) schema.example = schema.examples[0];
    delete schema.examples;
  }
  if (typeof schema.discriminator === "string") schema.discriminator = { propertyName: schema.discriminator };
  for (const key of ["$schema", "$id", "contentMediaType"]) delete schema[key];
  return schema;
}

/** OpenAPI 3.1 `type: ["string", "null"]` → a single type plus the dialect's nullable flag. */
function normaliseTypeArray(schema: JsonObject, nullableKey: string): void {
  if (!Array.isArray(schema.type)) return;
  const types = schema.type.filter((t) => t !== "null");
  if (types.length < schema.type.length) schema[nullableKey] = true;
  if (types.length === 1) schema.type = types[0];
  else delete schema.type;
}

/** The named schemas of a schema entity's document, whichever dialect it was stored in. */
export function namedSchemas(document: JsonObject): JsonObject {
  if (isObject(document.definitions)) return document.definitions;
  const components = isObject(document.components) ? document.components : {};
  return isObject(components.schemas) ? components.schemas : {};
}
