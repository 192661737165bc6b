// APIM api + operations → OpenAPI 3.0.1, shaped like the documents Azure exports.
import type { ApiProperties, ParameterContract } from "../model/resources.js";
import {
  DEFAULT_KEY_HEADER,
  DEFAULT_KEY_QUERY,
  infoOf,
  parametersOf,
  primitiveSchema,
  type RepresentationContract,
  representationsOf,
  responsesOf,
} from "./export-common.js";
import { convertSchema, namedSchemas } from "./schema-convert.js";
import type { ExportOptions, ImportedOperation, JsonObject } from "./types.js";

export function exportOpenApi3(api: ApiProperties, operations: readonly ImportedOperation[], options: ExportOptions) {
  const named: JsonObject = {};
  for (const schema of options.schemas ?? []) Object.assign(named, namedSchemas(schema.properties.document));
  const paths: Record<string, JsonObject> = {};
  for (const { id, properties: op } of operations) {
    const item = paths[op.urlTemplate] ?? {};
    paths[op.urlTemplate] = item;
    const out: JsonObject = { summary: op.displayName, operationId: id };
    if (op.description) out.description = op.description;
    const parameters = [
      ...parametersOf(op.templateParameters).map((p) => parameter(p, "path", named)),
      ...parametersOf(op.request?.queryParameters).map((p) => parameter(p, "query", named)),
      ...parametersOf(op.request?.headers).map((p) => parameter(p, "header", named)),
    ];
    if (parameters.length > 0) out.parameters = parameters;
    const bodies = representationsOf(op.request?.representations);
    if (bodies.length > 0) out.requestBody = { content: content(bodies, named) };
    const responses: JsonObject = {};
    for (const response of responsesOf(op.responses)) {
      const r: JsonObject = { description: response.description ?? "" };
      const reps = representationsOf(response.representations);
      if (reps.length > 0) r.content = content(reps, named);
      const headers = parametersOf(response.headers);
      if (headers.length > 0) {
        r.headers = Object.fromEntries(headers.map((h) => [h.name, headerObject(h, named)]));
      }
      responses[String(response.statusCode)] = r;
    }
    // A document needs at least one response per operation; APIM writes a bare 200 too.
    out.responses = Object.keys(responses).length > 0 ? responses : { "200": { description: "" } };
    item[op.method.toLowerCase()] = out;
  }

  const doc: JsonObject = { openapi: "3.0.1", info: infoOf(api) };
  const server = options.serverUrl ?? api.serviceUrl;
  if (server) doc.servers = [{ url: server }];
  doc.paths = paths;
  const components: JsonObject = {};
  if (Object.keys(named).length > 0) {
    components.schemas = Object.fromEntries(
      Object.entries(named).map(([name, schema]) => [name, convertSchema(schema, "openapi30")]),
    );
  }
  if (api.subscriptionRequired !== false) {
    const keys = api.subscriptionKeyParameterNames ?? {};
    components.securitySchemes = {
      apiKeyHeader: { type: "apiKey", name: keys.header ?? DEFAULT_KEY_HEADER, in: "header" },
      apiKeyQuery: { type: "apiKey", name: keys.query ?? DEFAULT_KEY_QUERY, in: "query" },
    };
    doc.security = [{ apiKeyHeader: [] }, { apiKeyQuery: [] }];
  }
  if (Object.keys(components).length > 0) doc.components = components;
  return doc;
}

function parameter(p: ParameterContract, location: string, named: JsonObject): JsonObject {
  const out: JsonObject = { name: p.name, in: location };
  if (p.description) out.description = p.description;
  out.required = location === "path" ? true : p.required === true;
  out.schema = schemaFor(p, named);
  if (p.examples && typeof p.examples === "object") out.examples = p.examples;
  return out;
}

function headerObject(p: ParameterContract, named: JsonObject): JsonObject {
  const out: JsonObject = { schema: schemaFor(p, named) };
  if (p.description) out.description = p.description;
  if (p.required) out.required = true;
  return out;
}

function schemaFor(p: ParameterContract, named: JsonObject): JsonObject {
  return typeof p.typeName === "string" && named[p.typeName] !== undefined
    ? { $ref: `#/components/schemas/${p.typeName}` }
    : primitiveSchema(p);
}

function content(reps: RepresentationContract[], named: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const rep of reps) {
    const media: JsonObject = {};
    const schema = bodySchema(rep, named);
    if (schema) media.schema = schema;
    if (rep.examples && Object.keys(rep.examples).length > 0) media.examples = rep.examples;
    out[rep.contentType] = media;
  }
  return out;
}

/** typeName → $ref; "{Name}Array" → array of $ref; form parameters → an object schema. */
export function bodySchema(rep: RepresentationContract, named: JsonObject, prefix = "#/components/schemas/") {
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
