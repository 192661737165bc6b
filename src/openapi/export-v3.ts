// APIM api + operations → OpenAPI 3.0.1, shaped like the documents Azure exports.
import type { ApiProperties, ParameterContract } from "../model/resources.js";
import {
  bodySchema,
  collectNamedSchemas,
  exportParameters,
  exportPaths,
  exportResponses,
  infoOf,
  parameterHead,
  parametersOf,
  primitiveSchema,
  type RepresentationContract,
  representationsOf,
  subscriptionSecurity,
} from "./export-common.js";
import { convertSchema } from "./schema-convert.js";
import type { ExportOptions, ImportedOperation, JsonObject } from "./types.js";

const SCHEMA_PREFIX = "#/components/schemas/";

export function exportOpenApi3(api: ApiProperties, operations: readonly ImportedOperation[], options: ExportOptions) {
  const named = collectNamedSchemas(options);
  const paths = exportPaths(operations, (op, out) => {
    const parameters = exportParameters(op, (p, location) => parameter(p, location, named));
    if (parameters.length > 0) out.parameters = parameters;
    const bodies = representationsOf(op.request?.representations);
    if (bodies.length > 0) out.requestBody = { content: content(bodies, named) };
    out.responses = exportResponses(op, (response, r) => {
      const reps = representationsOf(response.representations);
      if (reps.length > 0) r.content = content(reps, named);
      const headers = parametersOf(response.headers);
      if (headers.length > 0) {
        r.headers = Object.fromEntries(headers.map((h) => [h.name, headerObject(h, named)]));
      }
    });
  });

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
  const security = subscriptionSecurity(api);
  if (security) {
    components.securitySchemes = security.schemes;
    doc.security = security.security;
  }
  if (Object.keys(components).length > 0) doc.components = components;
  return doc;
}

function parameter(p: ParameterContract, location: string, named: JsonObject): JsonObject {
  const out = parameterHead(p, location);
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
    ? { $ref: `${SCHEMA_PREFIX}${p.typeName}` }
    : primitiveSchema(p);
}

function content(reps: RepresentationContract[], named: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const rep of reps) {
    const media: JsonObject = {};
    const schema = bodySchema(rep, named, SCHEMA_PREFIX);
    if (schema) media.schema = schema;
    if (rep.examples && Object.keys(rep.examples).length > 0) media.examples = rep.examples;
    out[rep.contentType] = media;
  }
  return out;
}
