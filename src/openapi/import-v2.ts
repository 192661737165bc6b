// Swagger 2.0 → APIM api + operations.
import type { Diagnostic } from "../core/errors.js";
import type { ApiProperties, OperationProperties, ParameterContract } from "../model/resources.js";
import {
  copyInfo,
  HTTP_METHODS,
  type MappedDocument,
  protocolsOf,
  type RawOperation,
  toStatusCode,
} from "./import-v3.js";
import { type ParameterContext, toParameterContract } from "./parameters.js";
import { deref, typeNameOf } from "./refs.js";
import { alignTemplateParameters, warning } from "./templates.js";
import { isObject, type JsonObject } from "./types.js";

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

export function mapSwagger2(
  doc: JsonObject,
  options: { path?: string; serviceUrl?: string; sourceUrl?: string },
  ctx: ParameterContext,
  warnings: Diagnostic[],
): MappedDocument {
  const info = isObject(doc.info) ? doc.info : {};
  const schemes = stringList(doc.schemes).map((s) => s.toLowerCase());
  const urls = serviceUrls(doc, schemes, options.sourceUrl);
  const api: ApiProperties = {
    displayName: typeof info.title === "string" && info.title.trim() ? info.title.trim().slice(0, 300) : "API",
    path: options.path ?? "",
    apiType: "http",
    protocols: protocolsOf(urls.length > 0 ? urls : schemes.map((s) => `${s}://`)),
  };
  // APIM prefers the https scheme for the backend when the document offers both.
  const serviceUrl = options.serviceUrl ?? urls.find((u) => u.startsWith("https:")) ?? urls[0];
  if (serviceUrl) api.serviceUrl = serviceUrl;
  copyInfo(info, api);

  const consumes = stringList(doc.consumes);
  const produces = stringList(doc.produces);
  const operations: RawOperation[] = [];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [urlTemplate, rawItem] of Object.entries(paths)) {
    const item = deref(ctx.doc, rawItem);
    if (!item || !urlTemplate.startsWith("/")) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op) || method === "trace") continue;
      const at = `paths.${urlTemplate}.${method}`;
      const opConsumes = Array.isArray(op.consumes) ? stringList(op.consumes) : consumes;
      const opProduces = Array.isArray(op.produces) ? stringList(op.produces) : produces;
      operations.push(mapOperation(op, method, urlTemplate, shared, opConsumes, opProduces, at, ctx, warnings));
    }
  }
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
  const own = (Array.isArray(op.parameters) ? op.parameters : []).map((p) => deref(ctx.doc, p));
  const merged: Array<{ param: JsonObject; at: string }> = [];
  shared.forEach((raw, index) => {
    const param = deref(ctx.doc, raw);
    if (param && !own.some((o) => o?.name === param.name && o?.in === param.in)) {
      merged.push({ param, at: `paths.${urlTemplate}.parameters[${index}]` });
    }
  });
  own.forEach((param, index) => {
    if (param) merged.push({ param, at: `${at}.parameters[${index}]` });
  });

  const template: ParameterContract[] = [];
  const query: ParameterContract[] = [];
  const headers: ParameterContract[] = [];
  const form: ParameterContract[] = [];
  const representations: JsonObject[] = [];
  for (const { param, at: paramAt } of merged) {
    if (param.in === "body") {
      const typeName = typeNameOf(param.schema, ctx.doc);
      for (const contentType of consumes.length > 0 ? consumes : ["application/json"]) {
        const representation: JsonObject = { contentType };
        if (typeName && ctx.schemaId) {
          representation.schemaId = ctx.schemaId;
          representation.typeName = typeName;
        }
        if (param["x-example"] !== undefined) representation.examples = { default: { value: param["x-example"] } };
        representations.push(representation);
      }
      continue;
    }
    const contract = toParameterContract(param, param, paramAt, ctx);
    if (param.in === "path") template.push(contract);
    else if (param.in === "query") query.push(contract);
    else if (param.in === "header") headers.push(contract);
    else if (param.in === "formData") form.push(contract);
  }
  if (form.length > 0) {
    const formType = consumes.find((c) => FORM_TYPES.some((f) => c.startsWith(f))) ?? FORM_TYPES[0];
    representations.push({ contentType: formType, formParameters: form });
  }

  const operationId = typeof op.operationId === "string" && op.operationId.trim() ? op.operationId : undefined;
  const summary = typeof op.summary === "string" && op.summary.trim() ? op.summary.trim() : undefined;
  const properties: OperationProperties = {
    displayName: (summary ?? operationId ?? `${method.toUpperCase()} ${urlTemplate}`).slice(0, 300),
    method: method.toUpperCase(),
    urlTemplate,
    templateParameters: alignTemplateParameters(urlTemplate, template, at, warnings),
    request: { queryParameters: query, headers, representations },
    responses: mapResponses(op, produces, at, ctx, warnings),
  };
  if (typeof op.description === "string") properties.description = op.description;
  return { operationId, method: properties.method, urlTemplate, properties, path: at };
}

function mapResponses(op: JsonObject, produces: string[], at: string, ctx: ParameterContext, warnings: Diagnostic[]) {
  const responses = isObject(op.responses) ? op.responses : {};
  const entries = Object.entries(responses).filter(([code]) => !code.startsWith("x-"));
  const out: Array<{ statusCode: number; [key: string]: unknown }> = [];
  for (const [code, raw] of entries) {
    const statusCode = toStatusCode(code, entries.length === 1);
    if (statusCode === undefined) {
      warnings.push(warning("OPENAPI_WARN_RESPONSE_SKIPPED", `response "${code}" has no status code`, at));
      continue;
    }
    const response = deref(ctx.doc, raw) ?? {};
    const mapped: { statusCode: number; [key: string]: unknown } = { statusCode };
    if (typeof response.description === "string") mapped.description = response.description;
    const examples = isObject(response.examples) ? response.examples : {};
    const typeName = typeNameOf(response.schema, ctx.doc);
    const types = response.schema !== undefined || Object.keys(examples).length > 0 ? produces : [];
    mapped.representations = (types.length > 0 ? types : Object.keys(examples)).map((contentType) => {
      const representation: JsonObject = { contentType };
      if (typeName && ctx.schemaId) {
        representation.schemaId = ctx.schemaId;
        representation.typeName = typeName;
      }
      if (examples[contentType] !== undefined) representation.examples = { default: { value: examples[contentType] } };
      return representation;
    });
    mapped.headers = isObject(response.headers)
      ? Object.entries(response.headers).map(([name, h]) => {
          const header = deref(ctx.doc, h) ?? {};
          return toParameterContract({ ...header, name }, header, `${at}.responses.${code}.headers.${name}`, ctx);
        })
      : [];
    out.push(mapped);
  }
  return out;
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
