// APIM api + operations → Swagger 2.0 ("swagger-json" export).
import type { ApiProperties, ParameterContract } from "../model/resources.js";
import {
  bodySchema,
  collectNamedSchemas,
  exportParameters,
  exportPaths,
  exportResponses,
  firstExample,
  infoOf,
  parameterHead,
  parametersOf,
  primitiveSchema,
  representationsOf,
  subscriptionSecurity,
} from "./export-common.js";
import { convertSchema } from "./schema-convert.js";
import { type ExportOptions, type ImportedOperation, isObject, type JsonObject } from "./types.js";

const SCHEMA_PREFIX = "#/definitions/";
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

export function exportSwagger2(api: ApiProperties, operations: readonly ImportedOperation[], options: ExportOptions) {
  const named = collectNamedSchemas(options);
  const paths = exportPaths(operations, (op, out) => {
    const parameters = exportParameters(op, parameter);
    const bodies = representationsOf(op.request?.representations);
    // 2.0 cannot describe a body and form data on one operation: the body wins, forms are the fallback.
    const isForm = (contentType: string) => FORM_TYPES.some((f) => contentType.startsWith(f));
    const plain = bodies.filter((b) => !isForm(b.contentType));
    const form = bodies.find((b) => isForm(b.contentType));
    if (plain.length === 0 && form) {
      out.consumes = [form.contentType];
      for (const f of form.formParameters ?? []) parameters.push(parameter(f, "formData"));
    } else if (plain.length > 0) {
      out.consumes = plain.map((b) => b.contentType);
      const first = plain[0];
      const schema = first ? bodySchema(first, named, SCHEMA_PREFIX) : undefined;
      const body: JsonObject = { name: "body", in: "body", schema: schema ?? { type: "object" } };
      // 2.0 has no request body examples: the import reads x-example back, as APIM's 2.0 import does.
      const example = first ? firstExample(first.examples) : undefined;
      if (example !== undefined) body["x-example"] = example;
      parameters.push(body);
    }
    if (parameters.length > 0) out.parameters = parameters;

    const produces = new Set<string>();
    const responses = exportResponses(op, (response, r) => {
      const reps = representationsOf(response.representations);
      for (const rep of reps) produces.add(rep.contentType);
      const withSchema = reps.find((rep) => rep.typeName);
      const schema = withSchema ? bodySchema(withSchema, named, SCHEMA_PREFIX) : undefined;
      if (schema) r.schema = schema;
      const examples = Object.fromEntries(
        reps.filter((rep) => rep.examples).map((rep) => [rep.contentType, firstExample(rep.examples)]),
      );
      if (Object.keys(examples).length > 0) r.examples = examples;
      const headers = parametersOf(response.headers);
      if (headers.length > 0) r.headers = Object.fromEntries(headers.map((h) => [h.name, itemsObject(h)]));
    });
    if (produces.size > 0) out.produces = [...produces];
    out.responses = responses;
  });

  const doc: JsonObject = { swagger: "2.0", info: infoOf(api) };
  const server = options.serverUrl ?? api.serviceUrl;
  if (server) {
    try {
      const url = new URL(server);
      doc.host = url.host;
      doc.basePath = url.pathname.replace(/\/+$/, "") || "/";
      doc.schemes = [url.protocol.replace(":", "")];
    } catch {
      // A service URL that does not parse is left out rather than exported half-formed.
    }
  } else {
    const protocols = (api.protocols ?? ["https"]).filter((p) => p === "http" || p === "https");
    if (protocols.length > 0) doc.schemes = protocols;
  }
  doc.paths = paths;
  if (Object.keys(named).length > 0) {
    doc.definitions = Object.fromEntries(
      Object.entries(named).map(([name, schema]) => [name, convertSchema(schema, "swagger2")]),
    );
  }
  const security = subscriptionSecurity(api);
  if (security) {
    doc.securityDefinitions = security.schemes;
    doc.security = security.security;
  }
  return doc;
}

function parameter(p: ParameterContract, location: string): JsonObject {
  const out: JsonObject = { ...parameterHead(p, location), ...itemsObject(p) };
  const example = isObject(p.examples) ? firstExample(p.examples as Record<string, JsonObject>) : undefined;
  if (example !== undefined) out["x-example"] = example;
  return out;
}

/** Swagger 2.0 non-body parameters and headers carry type/enum/default inline. */
function itemsObject(p: ParameterContract): JsonObject {
  const schema = primitiveSchema(p);
  if (schema.type === "object") schema.type = "string";
  return schema;
}
