// Pieces shared by the OpenAPI 3 and Swagger 2 exporters.
import type { ApiProperties, ParameterContract } from "../model/resources.js";
import { isObject, type JsonObject } from "./types.js";

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
