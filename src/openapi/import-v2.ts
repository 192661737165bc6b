// Swagger 2.0 → APIM api + operations.
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
import { bodyTypeName, inlineBaseName } from "./inline-schemas.js";
import { type ParameterContext, toParameterContract } from "./parameters.js";
import { isObject, type JsonObject } from "./types.js";

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

export function mapSwagger2(
  doc: JsonObject,
  options: ImportOptions,
  ctx: ParameterContext,
  warnings: Diagnostic[],
): MappedDocument {
  const schemes = stringList(doc.schemes).map((s) => s.toLowerCase());
  const urls = serviceUrls(doc, schemes, options.sourceUrl);
  // APIM prefers the https scheme for the backend when the document offers both.
  const serviceUrl = options.serviceUrl ?? urls.find((u) => u.startsWith("https:")) ?? urls[0];
  const api = mapApi(doc, options, urls.length > 0 ? urls : schemes.map((s) => `${s}://`), serviceUrl);

  const consumes = stringList(doc.consumes);
  const produces = stringList(doc.produces);
  const operations: RawOperation[] = [];
  forEachOperation(
    doc,
    ctx,
    (op, method, urlTemplate, shared, at) => {
      const opConsumes = Array.isArray(op.consumes) ? stringList(op.consumes) : consumes;
      const opProduces = Array.isArray(op.produces) ? stringList(op.produces) : produces;
      operations.push(mapOperation(op, method, urlTemplate, shared, opConsumes, opProduces, at, ctx, warnings));
    },
    // Swagger 2.0 has no trace operation.
    ["trace"],
  );
  return { api, operations };
}

function mapOperation(
  op: JsonObject,
  method: string,
  urlTemplate: string,
  shared: unknown[],
  consumes: string[],
  produces: string[],
  at: string,
  ctx: ParameterContext,
  warnings: Diagnostic[],
): RawOperation {
  const base = inlineBaseName(op.operationId, method, urlTemplate);
  const params = mergeParameters(ctx.doc, shared, Array.isArray(op.parameters) ? op.parameters : []);
  const sorted: SortedParameters = { template: [], query: [], headers: [] };
  const form: ParameterContract[] = [];
  const representations: JsonObject[] = [];
  for (const { param, index, fromPathItem } of params) {
    if (param.in === "body") {
      const typeName = bodyTypeName(param.schema, ctx, `${base}Request`);
      for (const contentType of consumes.length > 0 ? consumes : ["application/json"]) {
        const representation = representationFor(contentType, typeName, ctx);
        if (param["x-example"] !== undefined) representation.examples = { default: { value: param["x-example"] } };
        representations.push(representation);
      }
      continue;
    }
    const paramAt = `${fromPathItem ? `paths.${urlTemplate}` : at}.parameters[${index}]`;
    // In 2.0 a non-body parameter carries its own type, so it is its own schema.
    const contract = toParameterContract(param, param, paramAt, ctx);
    if (param.in === "formData") form.push(contract);
    else sortParameter(sorted, param.in, contract);
  }
  if (form.length > 0) {
    const formType = consumes.find((c) => FORM_TYPES.some((f) => c.startsWith(f))) ?? FORM_TYPES[0];
    representations.push({ contentType: formType, formParameters: form });
  }
  const responses = mapResponses(op, at, ctx, warnings, {
    skipCode: (code) => code.startsWith("x-"),
    representations: (response, status) => responseRepresentations(response, produces, ctx, `${base}${status}Response`),
    headerSchema: (header) => header,
  });
  return buildOperation(op, method, urlTemplate, at, { ...sorted, representations, responses }, warnings);
}

/** 2.0 responses share one schema across the `produces` types; examples are keyed by media type. */
function responseRepresentations(
  response: JsonObject,
  produces: string[],
  ctx: ParameterContext,
  inlineName: string,
): JsonObject[] {
  const examples = isObject(response.examples) ? response.examples : {};
  const typeName = bodyTypeName(response.schema, ctx, inlineName);
  const types = response.schema !== undefined || Object.keys(examples).length > 0 ? produces : [];
  return (types.length > 0 ? types : Object.keys(examples)).map((contentType) => {
    const representation = representationFor(contentType, typeName, ctx);
    if (examples[contentType] !== undefined) representation.examples = { default: { value: examples[contentType] } };
    return representation;
  });
}

function serviceUrls(doc: JsonObject, schemes: string[], sourceUrl: string | undefined): string[] {
  const basePath = typeof doc.basePath === "string" ? doc.basePath.replace(/\/+$/, "") : "";
  let host = typeof doc.host === "string" && doc.host.trim() ? doc.host.trim() : undefined;
  let fallbackScheme = "https";
  if (!host && sourceUrl) {
    // The spec says a missing host means "the host serving the documentation".
    try {
      const source = new URL(sourceUrl);
      host = source.host;
      fallbackScheme = source.protocol.replace(":", "");
    } catch {
      host = undefined;
    }
  }
  if (!host) return [];
  const usable = schemes.filter((s) => s === "http" || s === "https");
  return (usable.length > 0 ? usable : [fallbackScheme]).map((scheme) => `${scheme}://${host}${basePath}`);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
