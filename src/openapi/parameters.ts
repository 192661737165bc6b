// Parameter objects (query, header, path, form) → APIM ParameterContract.
import { type Diagnostic, errorDiagnostic } from "../core/errors.js";
import type { ParameterContract } from "../model/resources.js";
import { deref, schemaRefName } from "./refs.js";
import { isObject, type JsonObject } from "./types.js";

export interface ParameterContext {
  doc: JsonObject;
  schemaId: string | undefined;
  errors: Diagnostic[];
  /** Inline body schemas registered as named definitions (see inline-schemas.ts), when collected. */
  inline?: Map<string, JsonObject>;
  /** Names the document's own definitions already use. */
  reserved?: ReadonlySet<string>;
}

/** Scalars keep their text; objects and arrays become JSON, as APIM stores defaults and values. */
export function stringifyValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The primitive type name APIM shows: 3.1 type arrays pick their first non-null member. */
export function schemaType(schema: JsonObject | undefined): string {
  if (!schema) return "string";
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const first = type.find((t) => t !== "null");
    if (typeof first === "string") return first;
  }
  if (schema.properties !== undefined) return "object";
  if (schema.items !== undefined) return "array";
  return "string";
}

/**
 * Builds the contract for one parameter. `source` holds type/enum/default: the parameter itself in
 * Swagger 2.0, its `schema` in OpenAPI 3.
 */
export function toParameterContract(
  param: JsonObject,
  source: unknown,
  path: string,
  ctx: ParameterContext,
  forceRequired = false,
): ParameterContract {
  const resolved = deref(ctx.doc, source);
  const contract: ParameterContract = {
    name: String(param.name),
    type: schemaType(resolved),
    required: forceRequired || param.required === true,
  };
  if (typeof param.description === "string") contract.description = param.description;
  const values = Array.isArray(resolved?.enum) ? resolved.enum.filter((v) => v !== null).map(stringifyValue) : [];
  contract.values = values;
  if (resolved?.default !== undefined && resolved.default !== null) {
    contract.defaultValue = stringifyValue(resolved.default);
    // APIM refuses a default that its own value list would reject (terraform's negative sample).
    if (values.length > 0 && !values.includes(contract.defaultValue)) {
      ctx.errors.push(
        errorDiagnostic(
          "OPENAPI_ERR_DEFAULT_NOT_IN_ENUM",
          `default value "${contract.defaultValue}" of parameter "${contract.name}" is not one of its allowed values (${values.join(", ")})`,
          { path },
        ),
      );
    }
  }
  const typeName = schemaRefName(source);
  if (typeName && ctx.schemaId) {
    contract.schemaId = ctx.schemaId;
    contract.typeName = typeName;
  }
  const examples = collectExamples(param, ctx.doc);
  if (examples) contract.examples = examples;
  return contract;
}

/** example / examples (3.x) → APIM's { name: { value, summary, description, externalValue } }. */
export function collectExamples(holder: JsonObject, doc: JsonObject): Record<string, JsonObject> | undefined {
  if (isObject(holder.examples)) {
    const out: Record<string, JsonObject> = {};
    for (const [name, raw] of Object.entries(holder.examples)) {
      const example = deref(doc, raw);
      if (!example) continue;
      const entry: JsonObject = {};
      for (const key of ["summary", "description", "value", "externalValue"]) {
        if (example[key] !== undefined) entry[key] = example[key];
      }
      out[name] = entry;
    }
    if (Object.keys(out).length > 0) return out;
  }
  if (holder.example !== undefined) return { default: { value: holder.example } };
  // Swagger 2.0 parameters carry their example as the x-example extension.
  if (holder["x-example"] !== undefined) return { default: { value: holder["x-example"] } };
  return undefined;
}
