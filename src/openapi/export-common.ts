// Pieces shared by the OpenAPI 3 and Swagger 2 exporters.
import type { ApiProperties, OperationProperties, ParameterContract } from "../model/resources.js";
import { namedSchemas } from "./schema-convert.js";
import { type ExportOptions, type ImportedOperation, isObject, type JsonObject } from "./types.js";

export interface RepresentationContract {
  contentType: string;
  schemaId?: string;
  typeName?: string;
  examples?: Record<string, JsonObject>;
  formParameters?: ParameterContract[];
}

export interface ResponseContract {
  statusCode: number;
  description?: string;
  representations?: RepresentationContract[];
  headers?: ParameterContract[];
}

/** Default subscription key names, as APIM advertises them in exported documents. */
export const DEFAULT_KEY_HEADER = "Ocp-Apim-Subscription-Key";
export const DEFAULT_KEY_QUERY = "subscription-key";

export function representationsOf(value: unknown): RepresentationContract[] {
  if (!Array.isArray(value)) return [];
  return value.filter((r): r is RepresentationContract => isObject(r) && typeof r.contentType === "string");
}

export function responsesOf(value: unknown): ResponseContract[] {
  if (!Array.isArray(value)) return [];
  return value.filter((r): r is ResponseContract => isObject(r) && typeof r.statusCode === "number");
}

export function parametersOf(value: unknown): ParameterContract[] {
  if (!Array.isArray(value)) return [];
  return value.filter((p): p is ParameterContract => isObject(p) && typeof p.name === "string");
}

/** APIM stores defaults as text: give them back their JSON type where the parameter has one. */
export function typedValue(text: string, type: string): unknown {
  if (type === "integer" || type === "number") {
    const n = Number(text);
    return Number.isFinite(n) && text.trim() !== "" ? n : text;
  }
  if (type === "boolean") return text === "true" ? true : text === "false" ? false : text;
  if (type === "array" || type === "object") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

const PRIMITIVES = new Set(["string", "integer", "number", "boolean", "array", "object"]);

/** The primitive part of a parameter: type, enum and default. */
export function primitiveSchema(param: ParameterContract): JsonObject {
  const type = PRIMITIVES.has(param.type) ? param.type : "string";
  const schema: JsonObject = { type };
  if (type === "array") schema.items = { type: "string" };
  if (Array.isArray(param.values) && param.values.length > 0) {
    schema.enum = param.values.map((v) => typedValue(v, type));
  }
  if (param.defaultValue !== undefined) schema.default = typedValue(param.defaultValue, type);
  return schema;
}

export function infoOf(api: ApiProperties): JsonObject {
  const info: JsonObject = { title: api.displayName, version: api.apiVersion || "1.0" };
  if (api.description) info.description = api.description;
  if (typeof api.termsOfServiceUrl === "string") info.termsOfService = api.termsOfServiceUrl;
  if (isObject(api.contact)) info.contact = api.contact;
  if (isObject(api.license) && typeof api.license.name === "string") info.license = api.license;
  return info;
}

/** First example value of an APIM examples map. */
export function firstExample(examples: Record<string, JsonObject> | undefined): unknown {
  if (!examples) return undefined;
  const first = Object.values(examples)[0];
  return first?.value;
}

/** Named schemas of every schema document given to the export, by type name. */
export function collectNamedSchemas(options: ExportOptions): JsonObject {
  const named: JsonObject = {};
  for (const schema of options.schemas ?? []) Object.assign(named, namedSchemas(schema.properties.document));
  return named;
}

/**
 * `paths` of an exported document: one item per URL template, one operation object per method with the
 * fields both versions share; `fill` adds the version's parameters, bodies and responses.
 */
export function exportPaths(
  operations: readonly ImportedOperation[],
  fill: (op: OperationProperties, out: JsonObject) => void,
): Record<string, JsonObject> {
  const paths: Record<string, JsonObject> = {};
  for (const { id, properties: op } of operations) {
    const item = paths[op.urlTemplate] ?? {};
    paths[op.urlTemplate] = item;
    const out: JsonObject = { summary: op.displayName, operationId: id };
    if (op.description) out.description = op.description;
    fill(op, out);
    item[op.method.toLowerCase()] = out;
  }
  return paths;
}

/** Template, query and header parameters in that order, each exported by the version's `parameter`. */
export function exportParameters(
  op: OperationProperties,
  parameter: (p: ParameterContract, location: string) => JsonObject,
): JsonObject[] {
  return [
    ...parametersOf(op.templateParameters).map((p) => parameter(p, "path")),
    ...parametersOf(op.request?.queryParameters).map((p) => parameter(p, "query")),
    ...parametersOf(op.request?.headers).map((p) => parameter(p, "header")),
  ];
}

/** Name, location, description and requiredness (path parameters are always required). */
export function parameterHead(p: ParameterContract, location: string): JsonObject {
  const out: JsonObject = { name: p.name, in: location };
  if (p.description) out.description = p.description;
  out.required = location === "path" ? true : p.required === true;
  return out;
}

/** Responses by status code; a document needs at least one per operation, so APIM writes a bare 200. */
export function exportResponses(
  op: OperationProperties,
  response: (r: ResponseContract, out: JsonObject) => void,
): JsonObject {
  const responses: JsonObject = {};
  for (const r of responsesOf(op.responses)) {
    const out: JsonObject = { description: r.description ?? "" };
    response(r, out);
    responses[String(r.statusCode)] = out;
  }
  return Object.keys(responses).length > 0 ? responses : { "200": { description: "" } };
}

/** The subscription-key security schemes, unless the API needs no subscription. */
export function subscriptionSecurity(api: ApiProperties): { schemes: JsonObject; security: JsonObject[] } | undefined {
  if (api.subscriptionRequired === false) return undefined;
  const keys = api.subscriptionKeyParameterNames ?? {};
  return {
    schemes: {
      apiKeyHeader: { type: "apiKey", name: keys.header ?? DEFAULT_KEY_HEADER, in: "header" },
      apiKeyQuery: { type: "apiKey", name: keys.query ?? DEFAULT_KEY_QUERY, in: "query" },
    },
    security: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }],
  };
}

/** typeName → $ref; "{Name}Array" → array of $ref; form parameters → an object schema. */
export function bodySchema(rep: RepresentationContract, named: JsonObject, prefix: string): JsonObject | undefined {
  if (rep.typeName) {
    if (named[rep.typeName] !== undefined) return { $ref: `${prefix}${rep.typeName}` };
    const item = rep.typeName.endsWith("Array") ? rep.typeName.slice(0, -"Array".length) : undefined;
    if (item && named[item] !== undefined) return { type: "array", items: { $ref: `${prefix}${item}` } };
  }
  if (rep.formParameters && rep.formParameters.length > 0) {
    const required = rep.formParameters.filter((f) => f.required).map((f) => f.name);
    const schema: JsonObject = {
      type: "object",
      properties: Object.fromEntries(rep.formParameters.map((f) => [f.name, primitiveSchema(f)])),
    };
    if (required.length > 0) schema.required = required;
    return schema;
  }
  return undefined;
}
