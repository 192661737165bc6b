// OpenAPI 3.0 / 3.1 → APIM api + operations, the way Azure's importer maps them.
import type { Diagnostic } from "../core/errors.js";
import type { ApiProperties, OperationProperties, ParameterContract, Protocol } from "../model/resources.js";
import { collectExamples, type ParameterContext, schemaType, toParameterContract } from "./parameters.js";
import { deref, typeNameOf } from "./refs.js";
import { alignTemplateParameters, warning } from "./templates.js";
import { isObject, type JsonObject } from "./types.js";

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface RawOperation {
  operationId: string | undefined;
  method: string;
  urlTemplate: string;
  properties: OperationProperties;
  path: string;
}

export interface MappedDocument {
  api: ApiProperties;
  operations: RawOperation[];
}

export function mapOpenApi3(
  doc: JsonObject,
  options: { path?: string; serviceUrl?: string; sourceUrl?: string },
  ctx: ParameterContext,
  warnings: Diagnostic[],
): MappedDocument {
  const info = isObject(doc.info) ? doc.info : {};
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
  const api: ApiProperties = {
    displayName: typeof info.title === "string" && info.title.trim() ? info.title.trim().slice(0, 300) : "API",
    path: options.path ?? "",
    apiType: "http",
    protocols: protocolsOf(serverUrls),
  };
  const serviceUrl = options.serviceUrl ?? serverUrls[0];
  if (serviceUrl) api.serviceUrl = serviceUrl;
  copyInfo(info, api);

  const operations: RawOperation[] = [];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [urlTemplate, rawItem] of Object.entries(paths)) {
    const item = deref(ctx.doc, rawItem);
    if (!item || !urlTemplate.startsWith("/")) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const at = `paths.${urlTemplate}.${method}`;
      operations.push(mapOperation(op, method, urlTemplate, shared, at, ctx, warnings));
    }
  }
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
  const params = mergeParameters(ctx.doc, shared, Array.isArray(op.parameters) ? op.parameters : []);
  const template: ParameterContract[] = [];
  const query: ParameterContract[] = [];
  const headers: ParameterContract[] = [];
  for (const { param, index } of params) {
    const contract = toParameterContract(param, param.schema, `${at}.parameters[${index}]`, ctx);
    if (param.in === "path") template.push(contract);
    else if (param.in === "query") query.push(contract);
    else if (param.in === "header") headers.push(contract);
  }
  const operationId = typeof op.operationId === "string" && op.operationId.trim() ? op.operationId : undefined;
  const summary = typeof op.summary === "string" && op.summary.trim() ? op.summary.trim() : undefined;
  const properties: OperationProperties = {
    displayName: (summary ?? operationId ?? `${method.toUpperCase()} ${urlTemplate}`).slice(0, 300),
    method: method.toUpperCase(),
    urlTemplate,
    templateParameters: alignTemplateParameters(urlTemplate, template, at, warnings),
    request: { queryParameters: query, headers, representations: requestRepresentations(op, ctx) },
    responses: mapResponses(op, at, ctx, warnings),
  };
  if (typeof op.description === "string") properties.description = op.description;
  return { operationId, method: properties.method, urlTemplate, properties, path: at };
}

/** Operation parameters override path-item ones with the same name and location. */
function mergeParameters(doc: JsonObject, shared: unknown[], own: unknown[]) {
  const out: Array<{ param: JsonObject; index: number }> = [];
  const ownResolved = own.map((p) => deref(doc, p));
  shared.forEach((raw, index) => {
    const param = deref(doc, raw);
    if (!param) return;
    if (ownResolved.some((o) => o?.name === param.name && o?.in === param.in)) return;
    out.push({ param, index });
  });
  ownResolved.forEach((param, index) => {
    if (param && typeof param.name === "string") out.push({ param, index });
  });
  return out;
}

function requestRepresentations(op: JsonObject, ctx: ParameterContext): JsonObject[] {
  const body = deref(ctx.doc, op.requestBody);
  if (!body || !isObject(body.content)) return [];
  return mapContent(body.content, ctx);
}

function mapContent(content: JsonObject, ctx: ParameterContext): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [contentType, rawMedia] of Object.entries(content)) {
    const media = deref(ctx.doc, rawMedia) ?? {};
    const representation: JsonObject = { contentType };
    const typeName = typeNameOf(media.schema, ctx.doc);
    if (typeName && ctx.schemaId) {
      representation.schemaId = ctx.schemaId;
      representation.typeName = typeName;
    }
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

function mapResponses(op: JsonObject, at: string, ctx: ParameterContext, warnings: Diagnostic[]) {
  const responses = isObject(op.responses) ? op.responses : {};
  const out: Array<{ statusCode: number; [key: string]: unknown }> = [];
  const entries = Object.entries(responses);
  for (const [code, raw] of entries) {
    const statusCode = toStatusCode(code, entries.length === 1);
    if (statusCode === undefined) {
      warnings.push(warning("OPENAPI_WARN_RESPONSE_SKIPPED", `response "${code}" has no status code`, at));
      continue;
    }
    const response = deref(ctx.doc, raw) ?? {};
    const mapped: { statusCode: number; [key: string]: unknown } = { statusCode };
    if (typeof response.description === "string") mapped.description = response.description;
    mapped.representations = isObject(response.content) ? mapContent(response.content, ctx) : [];
    mapped.headers = isObject(response.headers)
      ? Object.entries(response.headers).map(([name, h]) => {
          const header = deref(ctx.doc, h) ?? {};
          return toParameterContract(
            { ...header, name },
            header.schema,
            `${at}.responses.${code}.headers.${name}`,
            ctx,
          );
        })
      : [];
    out.push(mapped);
  }
  return out;
}

/** "200" → 200, "2XX" → 200; "default" counts only when it is the sole response (then 200). */
export function toStatusCode(code: string, sole: boolean): number | undefined {
  if (/^[1-5]\d\d$/.test(code)) return Number(code);
  if (/^[1-5]XX$/i.test(code)) return Number(code[0]) * 100;
  if (code === "default" && sole) return 200;
  return undefined;
}

function expandServerUrl(server: JsonObject, sourceUrl: string | undefined): string | undefined {
  if (typeof server.url !== "string") return undefined;
  const variables = isObject(server.variables) ? server.variables : {};
  const url = server.url.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && variable.default !== undefined ? String(variable.default) : whole;
  });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url.replace(/\/+$/, "");
  if (!sourceUrl) return undefined;
  try {
    return new URL(url, sourceUrl).toString().replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}

export function protocolsOf(urls: string[]): Protocol[] {
  const found = new Set<Protocol>();
  for (const url of urls) {
    const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
    // An http API is served over http/https; ws(s) belong to websocket APIs, which import does not create.
    if (scheme === "http" || scheme === "https") found.add(scheme);
  }
  return found.size > 0 ? [...found] : ["https"];
}

/** info.description, contact, license, termsOfService: APIM keeps them on the API. */
export function copyInfo(info: JsonObject, api: ApiProperties): void {
  if (typeof info.description === "string") api.description = info.description;
  if (typeof info.termsOfService === "string") api.termsOfServiceUrl = info.termsOfService;
  if (isObject(info.contact)) api.contact = pick(info.contact, ["name", "url", "email"]);
  if (isObject(info.license)) api.license = pick(info.license, ["name", "url"]);
}

function pick(source: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of keys) if (typeof source[key] === "string") out[key] = source[key];
  return out;
}
