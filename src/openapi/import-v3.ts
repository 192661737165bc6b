// OpenAPI 3.0 / 3.1 → APIM api + operations, the way Azure's importer maps them.
import type { Diagnostic } from "../core/errors.js";
import type { ParameterContract } from "../model/resources.js";
import {
  buildOperation,
  forEachOperation,
  type ImportOptions,
  type MappedDocument,
  mapApi,
  mapResponses,
  mergeParameters,
  type RawOperation,
  representationFor,
  type SortedParameters,
  sortParameter,
} from "./import-common.js";
import { bodyTypeName, contentTypeName, inlineBaseName } from "./inline-schemas.js";
import { collectExamples, type ParameterContext, schemaType, toParameterContract } from "./parameters.js";
import { deref, typeNameOf } from "./refs.js";
import { warning } from "./templates.js";
import { isObject, type JsonObject } from "./types.js";

export function mapOpenApi3(
  doc: JsonObject,
  options: ImportOptions,
  ctx: ParameterContext,
  warnings: Diagnostic[],
): MappedDocument {
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObject) : [];
  const serverUrls = servers.map((s) => expandServerUrl(s, options.sourceUrl)).filter((u) => u !== undefined);
  if (servers.length > 0 && serverUrls.length === 0 && !options.serviceUrl) {
    warnings.push(
      warning(
        "OPENAPI_WARN_RELATIVE_SERVER",
        "servers[0].url is relative and the document has no source URL: set serviceUrl on the API",
        "servers[0].url",
      ),
    );
  }
  const api = mapApi(doc, options, serverUrls, options.serviceUrl ?? serverUrls[0]);
  const operations: RawOperation[] = [];
  forEachOperation(doc, ctx, (op, method, urlTemplate, shared, at) => {
    operations.push(mapOperation(op, method, urlTemplate, shared, at, ctx, warnings));
  });
  return { api, operations };
}

function mapOperation(
  op: JsonObject,
  method: string,
  urlTemplate: string,
  shared: unknown[],
  at: string,
  ctx: ParameterContext,
  warnings: Diagnostic[],
): RawOperation {
  const base = inlineBaseName(op.operationId, method, urlTemplate);
  const params = mergeParameters(ctx.doc, shared, Array.isArray(op.parameters) ? op.parameters : []);
  const sorted: SortedParameters = { template: [], query: [], headers: [] };
  for (const { param, index, fromPathItem } of params) {
    // 3.x requires a name on every operation parameter; a nameless one cannot be matched to the request.
    if (!fromPathItem && typeof param.name !== "string") continue;
    const contract = toParameterContract(param, param.schema, `${at}.parameters[${index}]`, ctx);
    sortParameter(sorted, param.in, contract);
  }
  const responses = mapResponses(op, at, ctx, warnings, {
    representations: (response, status) =>
      isObject(response.content) ? mapContent(response.content, ctx, (type) => `${base}${status}${type}Response`) : [],
    headerSchema: (header) => header.schema,
  });
  return buildOperation(
    op,
    method,
    urlTemplate,
    at,
    { ...sorted, representations: requestRepresentations(op, ctx, base), responses },
    warnings,
  );
}

function requestRepresentations(op: JsonObject, ctx: ParameterContext, base: string): JsonObject[] {
  const body = deref(ctx.doc, op.requestBody);
  if (!body || !isObject(body.content)) return [];
  const single = Object.keys(body.content).length === 1;
  return mapContent(body.content, ctx, (type) => (single ? `${base}Request` : `${base}${type}Request`));
}

/** `nameFor` names an inline body schema from its content type's name part. */
function mapContent(content: JsonObject, ctx: ParameterContext, nameFor: (type: string) => string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [contentType, rawMedia] of Object.entries(content)) {
    const media = deref(ctx.doc, rawMedia) ?? {};
    const isForm = contentType === "application/x-www-form-urlencoded" || contentType.startsWith("multipart/form-data");
    const typeName = isForm
      ? typeNameOf(media.schema, ctx.doc)
      : bodyTypeName(media.schema, ctx, nameFor(contentTypeName(contentType)));
    const representation = representationFor(contentType, typeName, ctx);
    const examples = collectExamples(media, ctx.doc);
    if (examples) representation.examples = examples;
    if (contentType === "application/x-www-form-urlencoded" || contentType.startsWith("multipart/form-data")) {
      representation.formParameters = formParameters(media.schema, ctx);
    }
    out.push(representation);
  }
  return out;
}

function formParameters(schema: unknown, ctx: ParameterContext): ParameterContract[] {
  const resolved = deref(ctx.doc, schema);
  if (!resolved || !isObject(resolved.properties)) return [];
  const required = Array.isArray(resolved.required) ? resolved.required : [];
  return Object.entries(resolved.properties).map(([name, prop]) => {
    const p = deref(ctx.doc, prop);
    const contract: ParameterContract = { name, type: schemaType(p), required: required.includes(name), values: [] };
    if (typeof p?.description === "string") contract.description = p.description;
    return contract;
  });
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Server variables take their defaults; a relative server URL resolves against where the document came from. */
function expandServerUrl(server: JsonObject, sourceUrl: string | undefined): string | undefined {
  if (typeof server.url !== "string") return undefined;
  const variables = isObject(server.variables) ? server.variables : {};
  const url = server.url.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && variable.default !== undefined ? String(variable.default) : whole;
  });
  if (ABSOLUTE_URL.test(url)) return url.replace(/\/+$/, "");
  if (!sourceUrl) return undefined;
  try {
    return new URL(url, sourceUrl).toString().replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}
