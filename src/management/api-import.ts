// PUT apis/{id} with format + value imports an OpenAPI document (inline or by URL) into the API and
// its operations in one transaction; GET apis/{id}?export=true&format=… exports it back.
import type { ApiProperties, OperationProperties, ResourceKind } from "../model/resources.js";
import {
  type ExportFormat,
  exportOpenApi,
  type FetchedDocument,
  fetchOpenApiDocument,
  type ImportedSchema,
  importOpenApi,
} from "../openapi/index.js";
import type { WriteOp } from "../store/contract.js";
import { armId } from "./arm.js";
import type { Handler, RequestContext } from "./context.js";
import { checkPreconditions, ensureAncestors, envelope, etagHeaders, omit, storeIdOf, writeOptions } from "./crud.js";
import { ApiError, diagnosticsToDetails, notFound, validationError } from "./errors.js";
import { apiDef, apiSchema, importFormats } from "./resources/apis.js";
import { resolveRef } from "./resources/common.js";
import { assertUniqueApiPath } from "./resources/uniqueness.js";
import { checkName, envelopeProperties, parseWith } from "./validation.js";
import { apiPathsGuard, operationsGuard, type WriteGuards, withWriteGuards } from "./write-guard.js";

const linkFormats = new Set(["openapi-link", "openapi+json-link", "swagger-link-json"]);
const exportFormats: ReadonlyMap<string, ExportFormat> = new Map([
  ["openapi", "openapi"],
  ["openapi+json", "openapi+json"],
  ["swagger-json", "swagger-json"],
  ["openapi-link", "openapi"],
  ["openapi+json-link", "openapi+json"],
  ["swagger-link-json", "swagger-json"],
]);
const fetchLimits = { timeoutMs: 15_000, maxBytes: 4 * 1024 * 1024 };

async function importApi(
  ctx: RequestContext,
  props: Record<string, unknown>,
  kindOf: (c: string) => ResourceKind | undefined,
) {
  const format = String(props.format);
  if (!(importFormats as readonly string[]).includes(format))
    throw validationError([
      {
        code: "UnsupportedFormat",
        message: `format must be one of ${importFormats.join(", ")}`,
        target: "properties.format",
      },
    ]);
  if (
    typeof props.value !== "string" &&
    (linkFormats.has(format) || typeof props.value !== "object" || props.value === null)
  )
    throw validationError([
      {
        code: "InvalidProperty",
        message: linkFormats.has(format) ? "must be a URL" : "must be the document",
        target: "properties.value",
      },
    ]);
  const name = ctx.params.apiId as string;
  checkName(name, "apiId", apiDef.maxNameLength);
  const id = storeIdOf(apiDef.pattern, ctx.params);
  await ensureAncestors(ctx, id, kindOf);
  checkPreconditions(ctx, await ctx.options.store.get("api", id), false);
  // Explicit properties next to the document win over what the document says.
  const explicit = parseWith(
    apiSchema.partial(),
    omit(props, ["format", "value", ...(apiDef.readOnly ?? [])]),
    "properties",
  );
  // Fetched once: a retry after a lost write-guard race only redoes the store part.
  const fetched = linkFormats.has(format) ? await fetchOpenApiDocument(String(props.value), fetchLimits) : undefined;
  return withWriteGuards(ctx.options.store, (guards) =>
    importOnce(ctx, { id, name, props, explicit, fetched }, guards),
  );
}

async function importOnce(
  ctx: RequestContext,
  input: {
    id: string;
    name: string;
    props: Record<string, unknown>;
    explicit: Record<string, unknown>;
    fetched: FetchedDocument | undefined;
  },
  guards: WriteGuards,
) {
  const { id, name, props, explicit, fetched } = input;
  // Guards first, then every read they protect: the API paths and this API's operations.
  const pathGuard = await guards.take(apiPathsGuard);
  const operationGuard = await guards.take(operationsGuard(id));
  const existing = await ctx.options.store.get("api", id);
  checkPreconditions(ctx, existing, false);
  const result = await importOpenApi(fetched ? fetched.text : props.value, {
    apiId: name,
    ...(fetched ? { sourceUrl: fetched.url } : {}),
    path: typeof explicit.path === "string" ? explicit.path : "",
    ...(typeof explicit.serviceUrl === "string" ? { serviceUrl: explicit.serviceUrl } : {}),
  });
  const details = diagnosticsToDetails(result.diagnostics, "properties.value");
  if (details.length > 0)
    throw validationError(details, `The OpenAPI document cannot be imported: ${details[0]?.message}`);

  const apiProps: Record<string, unknown> = {
    ...(apiDef.defaults?.(ctx, name, existing) ?? {}),
    ...result.api,
    ...explicit,
  };
  if (typeof apiProps.path !== "string")
    throw validationError([{ code: "MissingProperty", message: "is required", target: "properties.path" }]);
  await assertUniqueApiPath(ctx, id, apiProps);
  // A re-import replaces the API's operations and schemas: what the document no longer has goes.
  const imported = new Set(result.operations.map((o) => o.id));
  const importedSchemas = new Set(result.schemas.map((s) => s.id));
  const oldOps = existing ? (await ctx.options.store.list("operation", { parentId: id })).items : [];
  const oldSchemas = existing ? (await ctx.options.store.list("apiSchema", { parentId: id })).items : [];
  const ops: WriteOp[] = [
    { op: "put", kind: "api", id, properties: apiProps, options: writeOptions(ctx) },
    ...oldOps.filter((o) => !imported.has(o.name)).map((o): WriteOp => ({ op: "delete", kind: "operation", id: o.id })),
    ...oldSchemas
      .filter((s) => !importedSchemas.has(s.name))
      .map((s): WriteOp => ({ op: "delete", kind: "apiSchema", id: s.id })),
    ...result.operations.map(
      (o): WriteOp => ({ op: "put", kind: "operation", id: `${id}/operations/${o.id}`, properties: o.properties }),
    ),
    ...result.schemas.map(
      (s): WriteOp => ({ op: "put", kind: "apiSchema", id: `${id}/schemas/${s.id}`, properties: s.properties }),
    ),
    pathGuard,
    operationGuard,
  ];
  const [entity] = await ctx.options.store.transaction(ops);
  if (!entity) throw new Error(`store returned no entity for ${id}`);
  return { status: existing ? 200 : 201, body: await envelope(ctx, apiDef, entity), headers: etagHeaders(entity) };
}

export function importApiOr(put: Handler, kindOf: (c: string) => ResourceKind | undefined): Handler {
  return async (ctx) => {
    const props = envelopeProperties(ctx.body);
    if (props.format !== undefined || props.value !== undefined) return importApi(ctx, props, kindOf);
    if (typeof props.sourceApiId === "string") return cloneApi(ctx, props, put);
    return put(ctx);
  };
}

/**
 * A new revision or version made from an existing API (sourceApiId): the source's properties and
 * operations are copied, then the request's own properties apply on top.
 */
async function cloneApi(ctx: RequestContext, props: Record<string, unknown>, put: Handler) {
  const sourceRef = await resolveRef(ctx, String(props.sourceApiId), "properties.sourceApiId", "api", "apis");
  const source = await ctx.options.store.get("api", sourceRef.slice(1));
  if (!source) throw notFound(sourceRef);
  const { isCurrent: _c, apiRevisionDescription: _d, ...base } = source.properties;
  const id = storeIdOf(apiDef.pattern, ctx.params);
  const existed = await ctx.options.store.get("api", id);
  const { sourceApiId: _s, ...own } = props;
  const body = { properties: { ...base, ...own, ...(id.includes(";rev=") ? { isCurrent: false } : {}) } };
  const reply = await put({ ...ctx, body });
  if (!existed) {
    const operations = (await ctx.options.store.list("operation", { parentId: source.id })).items;
    if (operations.length > 0)
      await ctx.options.store.transaction(
        operations.map(
          (o): WriteOp => ({
            op: "put",
            kind: "operation",
            id: `${id}/operations/${o.name}`,
            properties: o.properties,
          }),
        ),
      );
  }
  return reply;
}

export function exportApiOr(get: Handler): Handler {
  return async (ctx) => {
    // An unencoded "+" in a query string arrives as a space: `format=openapi+json` typed into curl
    // means openapi+json, never "openapi json".
    const format = ctx.query.get("format")?.replaceAll(" ", "+");
    if (ctx.query.get("export") !== "true" || !format) return get(ctx);
    const exportFormat = exportFormats.get(format);
    if (!exportFormat)
      throw new ApiError(
        400,
        "ValidationError",
        `Export format must be one of ${[...exportFormats.keys()].join(", ")}.`,
        {
          details: [{ code: "UnsupportedFormat", message: format, target: "format" }],
        },
      );
    const id = storeIdOf(apiDef.pattern, ctx.params);
    const api = await ctx.options.store.get<ApiProperties>("api", id);
    if (!api) throw notFound(id);
    const operations = (await ctx.options.store.list<OperationProperties>("operation", { parentId: id })).items;
    if (linkFormats.has(format)) {
      // No blob storage here: the link points back at this API's inline export.
      const query = new URLSearchParams(ctx.query);
      query.set("format", exportFormat);
      return {
        status: 200,
        body: { id: armId(ctx, id), format, value: { link: `${ctx.origin}${ctx.pathPrefix}${ctx.path}?${query}` } },
      };
    }
    const schemas = (await ctx.options.store.list<ImportedSchema["properties"]>("apiSchema", { parentId: id })).items;
    const result = exportOpenApi(
      api.properties,
      operations.map((o) => ({ id: o.name, properties: o.properties })),
      { format: exportFormat, schemas: schemas.map((s) => ({ id: s.name, properties: s.properties })) },
    );
    // YAML stays text; JSON formats embed the document as an object, as Azure's export does.
    const value = exportFormat === "openapi" ? result.value : result.document;
    return { status: 200, body: { id: armId(ctx, id), format, value }, headers: etagHeaders(api) };
  };
}
