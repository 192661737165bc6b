// JSON Schema validators for validate-content, built from the API's schema documents at compile time.
// One Ajv instance per schema document (WeakMap): pipelines of every product share the compiled code,
// and it goes away with the configuration revision that held the document.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Formats OpenAPI documents use; anything else is accepted as is (APIM does not reject unknown formats). */
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/;

function createAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && n >= INT32.min && n <= INT32.max,
  });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  for (const f of ["float", "double"]) ajv.addFormat(f, { type: "number", validate: () => true });
  ajv.addFormat("byte", BASE64);
  ajv.addFormat("uuid", UUID);
  ajv.addFormat("date", (s: string) => DATE.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat("date-time", (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)));
  for (const f of ["binary", "password", "email", "uri", "url", "hostname", "ipv4", "ipv6", "time", "duration"])
    ajv.addFormat(f, true);
  return ajv;
}

/** OpenAPI 3.0 `nullable` and Swagger's `x-nullable` become JSON Schema type unions (once, at compile time). */
function toJsonSchema(schema: unknown, options: SchemaOptions): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, options));
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "example" || key === "examples" || key === "xml" || key === "discriminator") continue;
    out[key] = key === "enum" || key === "const" || key === "default" ? value : toJsonSchema(value, options);
  }
  if ((schema.nullable === true || schema["x-nullable"] === true) && typeof schema.type === "string") {
    out.type = [schema.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  const isObjectSchema = schema.type === "object" || isObject(schema.properties);
  if (isObjectSchema && options.additionalProperties !== undefined) {
    // allow-additional-properties overrides what the schema says, for every object schema.
    if (options.additionalProperties) out.additionalProperties = true;
    else out.additionalProperties = false;
  }
  if (options.caseInsensitive && isObject(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k.toLowerCase(), v]));
    if (Array.isArray(out.required)) out.required = out.required.map((r) => String(r).toLowerCase());
  }
  return out;
}

export interface SchemaOptions {
  /** allow-additional-properties: undefined = as the schema says. */
  additionalProperties?: boolean;
  /** case-insensitive-property-names: property names compared lower-cased. */
  caseInsensitive?: boolean;
}

export type BodyValidator = (value: unknown) => string | undefined;

const ajvs = new WeakMap<object, Map<string, BodyValidator | Error>>();

/**
 * A validator for `typeName` in a schema document (or, without a type name, for the document itself /
 * the JSON pointer `ref`). Returns an Error when the definition is missing or the schema does not compile.
 */
export function compileBodyValidator(
  document: unknown,
  target: { typeName?: string; ref?: string },
  options: SchemaOptions = {},
): BodyValidator | Error {
  if (!isObject(document)) return new Error("API's schema does not exist or it could not be resolved.");
  const key = `${target.typeName ?? ""}\u0000${target.ref ?? ""}\u0000${options.additionalProperties}\u0000${options.caseInsensitive === true}`;
  let perDoc = ajvs.get(document);
  if (!perDoc) {
    perDoc = new Map();
    ajvs.set(document, perDoc);
  }
  const cached = perDoc.get(key);
  if (cached) return cached;
  const result = build(document, target, options);
  perDoc.set(key, result);
  return result;
}

function build(document: Json, target: { typeName?: string; ref?: string }, options: SchemaOptions) {
  const root = toJsonSchema(document, options) as Json;
  let ref = target.ref;
  if (target.typeName) {
    const components =
      isObject(root.components) && isObject(root.components.schemas) ? root.components.schemas : undefined;
    const definitions = isObject(root.definitions) ? root.definitions : undefined;
    const name = target.typeName;
    const item = name.endsWith("Array") ? name.slice(0, -"Array".length) : undefined;
    if (components?.[name] !== undefined) ref = `#/components/schemas/${pointerEscape(name)}`;
    else if (definitions?.[name] !== undefined) ref = `#/definitions/${pointerEscape(name)}`;
    else if (item && (components?.[item] !== undefined || definitions?.[item] !== undefined)) {
      const base = components?.[item] !== undefined ? "#/components/schemas/" : "#/definitions/";
      root.$defs = { [item]: { type: "array", items: { $ref: `${base}${pointerEscape(item)}` } } };
      ref = `#/$defs/${pointerEscape(item)}`;
    } else return new Error(`API's schema does not contain definition ${name}.`);
  }
  try {
    const validate: ValidateFunction = createAjv().compile(ref ? { ...root, $ref: ref } : root);
    return (value: unknown) => (validate(value) ? undefined : describe(validate.errors ?? []));
  } catch (error) {
    return new Error(`API's schema could not be compiled: ${(error as Error).message}`, { cause: error });
  }
}

function pointerEscape(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Ajv errors as one readable line each: "/items/0/id must be integer". */
function describe(errors: readonly ErrorObject[]): string {
  return errors
    .slice(0, 10)
    .map((e) => {
      const at = e.instancePath || "/";
      if (e.keyword === "additionalProperties")
        return `${at} has an unexpected property "${String(e.params.additionalProperty)}"`;
      return `${at} ${e.message ?? "is invalid"}`;
    })
    .join("; ");
}

/** Lower-cases object keys throughout a parsed body (case-insensitive-property-names). */
export function lowerCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerCaseKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), lowerCaseKeys(v)]));
}
