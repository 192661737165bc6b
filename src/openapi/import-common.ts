// What Swagger 2.0 and OpenAPI 3.x imports share: the walk over paths and methods, parameter merging,
// the operation and response shells, and the API-level fields. Each version maps only what differs
// (parameter schemas, bodies, media types).
import type { Diagnostic } from "../core/errors.js";
import type { ApiProperties, OperationProperties, ParameterContract, Protocol } from "../model/resources.js";
import { type ParameterContext, toParameterContract } from "./parameters.js";
import { deref } from "./refs.js";
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

export interface ImportOptions {
  path?: string;
  serviceUrl?: string;
  sourceUrl?: string;
}

export type MappedResponse = { statusCode: number; [key: string]: unknown };

/** The API both versions build: title (APIM caps display names at 300), path, protocols, backend, info. */
export function mapApi(
  doc: JsonObject,
  options: ImportOptions,
  protocolUrls: string[],
  serviceUrl: string | undefined,
): ApiProperties {
  const info = isObject(doc.info) ? doc.info : {};
  const api: ApiProperties = {
    displayName: typeof info.title === "string" && info.title.trim() ? info.title.trim().slice(0, 300) : "API",
    path: options.path ?? "",
    apiType: "http",
    protocols: protocolsOf(protocolUrls),
  };
  if (serviceUrl) api.serviceUrl = serviceUrl;
  copyInfo(info, api);
  return api;
}

/** Calls `map` for every operation under `paths`, with its path-item parameters and a diagnostic path. */
export function forEachOperation(
  doc: JsonObject,
  ctx: ParameterContext,
  map: (op: JsonObject, method: string, urlTemplate: string, shared: unknown[], at: string) => void,
  skipMethods: readonly string[] = [],
): void {
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [urlTemplate, rawItem] of Object.entries(paths)) {
    const item = deref(ctx.doc, rawItem);
    if (!item || !urlTemplate.startsWith("/")) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op) || skipMethods.includes(method)) continue;
      map(op, method, urlTemplate, shared, `paths.${urlTemplate}.${method}`);
    }
  }
}

/**
 * Operation parameters override path-item ones with the same name and location. Each keeps its index
 * in the list it came from (`fromPathItem` tells which) so diagnostics can point at it.
 */
export function mergeParameters(
  doc: JsonObject,
  shared: unknown[],
  own: unknown[],
): Array<{ param: JsonObject; index: number; fromPathItem: boolean }> {
  const out: Array<{ param: JsonObject; index: number; fromPathItem: boolean }> = [];
  const ownResolved = own.map((p) => deref(doc, p));
  shared.forEach((raw, index) => {
    const param = deref(doc, raw);
    if (!param) return;
    if (ownResolved.some((o) => o?.name === param.name && o?.in === param.in)) return;
    out.push({ param, index, fromPathItem: true });
  });
  ownResolved.forEach((param, index) => {
    if (param) out.push({ param, index, fromPathItem: false });
  });
  return out;
}

/** Path, query and header parameters, sorted by where they go in the APIM request contract. */
export interface SortedParameters {
  template: ParameterContract[];
  query: ParameterContract[];
  headers: ParameterContract[];
}

export function sortParameter(sorted: SortedParameters, location: unknown, contract: ParameterContract): void {
  if (location === "path") sorted.template.push(contract);
  else if (location === "query") sorted.query.push(contract);
  else if (location === "header") sorted.headers.push(contract);
}

/** The operation as APIM names it: summary, else operationId, else "GET /path". */
export function buildOperation(
  op: JsonObject,
  method: string,
  urlTemplate: string,
  at: string,
  parts: SortedParameters & { representations: JsonObject[]; responses: MappedResponse[] },
  warnings: Diagnostic[],
): RawOperation {
  const operationId = typeof op.operationId === "string" && op.operationId.trim() ? op.operationId : undefined;
  const summary = typeof op.summary === "string" && op.summary.trim() ? op.summary.trim() : undefined;
  const properties: OperationProperties = {
    displayName: (summary ?? operationId ?? `${method.toUpperCase()} ${urlTemplate}`).slice(0, 300),
    method: method.toUpperCase(),
    urlTemplate,
    templateParameters: alignTemplateParameters(urlTemplate, parts.template, at, warnings),
    request: { queryParameters: parts.query, headers: parts.headers, representations: parts.representations },
    responses: parts.responses,
  };
  if (typeof op.description === "string") properties.description = op.description;
  return { operationId, method: properties.method, urlTemplate, properties, path: at };
}

/**
 * Responses with status code, description and headers; the version supplies the representations and
 * where a header keeps its schema (2.0: on the header itself, 3.x: under `schema`).
 */
export function mapResponses(
  op: JsonObject,
  at: string,
  ctx: ParameterContext,
  warnings: Diagnostic[],
  version: {
    skipCode?: (code: string) => boolean;
    representations: (response: JsonObject, statusCode: number) => JsonObject[];
    headerSchema: (header: JsonObject) => unknown;
  },
): MappedResponse[] {
  const responses = isObject(op.responses) ? op.responses : {};
  const entries = Object.entries(responses).filter(([code]) => !version.skipCode?.(code));
  const out: MappedResponse[] = [];
  for (const [code, raw] of entries) {
    const statusCode = toStatusCode(code, entries.length === 1);
    if (statusCode === undefined) {
      warnings.push(warning("OPENAPI_WARN_RESPONSE_SKIPPED", `response "${code}" has no status code`, at));
      continue;
    }
    const response = deref(ctx.doc, raw) ?? {};
    const mapped: MappedResponse = { statusCode };
    if (typeof response.description === "string") mapped.description = response.description;
    mapped.representations = version.representations(response, statusCode);
    mapped.headers = isObject(response.headers)
      ? Object.entries(response.headers).map(([name, h]) => {
          const header = deref(ctx.doc, h) ?? {};
          const where = `${at}.responses.${code}.headers.${name}`;
          return toParameterContract({ ...header, name }, version.headerSchema(header), where, ctx);
        })
      : [];
    out.push(mapped);
  }
  return out;
}

/** A representation naming the schema document and type, the way APIM links bodies to schemas. */
export function representationFor(
  contentType: string,
  typeName: string | undefined,
  ctx: ParameterContext,
): JsonObject {
  const representation: JsonObject = { contentType };
  if (typeName && ctx.schemaId) {
    representation.schemaId = ctx.schemaId;
    representation.typeName = typeName;
  }
  return representation;
}

/** "200" → 200, "2XX" → 200; "default" counts only when it is the sole response (then 200). */
export function toStatusCode(code: string, sole: boolean): number | undefined {
  if (/^[1-5]\d\d$/.test(code)) return Number(code);
  if (/^[1-5]XX$/i.test(code)) return Number(code[0]) * 100;
  if (code === "default" && sole) return 200;
  return undefined;
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
