// Generic create/read/update/delete/list handlers built once per resource definition.
import type { ResourceKind, StoredEntity } from "../model/resources.js";
import type { WriteOp, WriteOptions } from "../store/contract.js";
import { armId, armTypeOf } from "./arm.js";
import type { Handler, Reply, RequestContext } from "./context.js";
import { ApiError, notFound } from "./errors.js";
import { compileFilter } from "./odata-filter.js";
import type { Props, ResourceDef } from "./resources/types.js";
import { checkName, envelopeProperties, parseIntParam, parseWith } from "./validation.js";
import { type WriteGuards, withWriteGuards } from "./write-guard.js";

export const defaultPageSize = 100;
export const maxPageSize = 1000;

/** "apis/{apiId}/operations/{operationId}" + params → "apis/echo/operations/get". */
export function storeIdOf(pattern: string, params: Readonly<Record<string, string>>): string {
  return pattern
    .split("/")
    .map((seg) => (seg.startsWith("{") ? (params[seg.slice(1, -1)] as string) : seg))
    .join("/");
}

export function parentIdOf(id: string): string {
  return id.split("/").slice(0, -2).join("/");
}

export function lastParam(pattern: string): string {
  const last = pattern.split("/").at(-1) ?? "";
  return last.slice(1, -1);
}

export function omit(props: Props, keys: readonly string[] | undefined): Props {
  if (!keys || keys.length === 0) return props;
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) if (!keys.includes(k)) out[k] = v;
  return out;
}

function pick(props: Props, keys: readonly string[] | undefined): Props {
  const out: Props = {};
  for (const k of keys ?? []) if (props[k] !== undefined) out[k] = props[k];
  return out;
}

export function etagHeaders(entity: StoredEntity): Record<string, string> {
  return { etag: entity.etag };
}

export async function envelope(ctx: RequestContext, def: ResourceDef, entity: StoredEntity): Promise<Props> {
  const properties = def.present ? await def.present(ctx, entity) : omit(entity.properties, def.writeOnly);
  return { id: armId(ctx, entity.id), type: armTypeOf(def.pattern), name: entity.name, properties };
}

export function writeOptions(ctx: RequestContext): WriteOptions {
  const ifMatch = header(ctx, "if-match");
  const ifNoneMatch = header(ctx, "if-none-match");
  return { ...(ifMatch ? { ifMatch } : {}), ...(ifNoneMatch ? { ifNoneMatch } : {}) };
}

export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Checks If-Match / If-None-Match against the current entity before any work is done. */
export function checkPreconditions(ctx: RequestContext, existing: StoredEntity | undefined, required: boolean): void {
  const ifMatch = header(ctx, "if-match");
  const ifNoneMatch = header(ctx, "if-none-match");
  if (required && !ifMatch)
    throw new ApiError(400, "IfMatchHeaderRequired", "The If-Match header is required: send the entity's ETag or *.", {
      details: [{ code: "IfMatchHeaderRequired", message: "is required for PATCH and DELETE", target: "If-Match" }],
    });
  if (ifMatch && ifMatch !== "*" && existing && stripWeak(existing.etag) !== stripWeak(ifMatch))
    throw preconditionFailed("If-Match does not match the entity's current ETag");
  if (ifNoneMatch === "*" && existing) throw preconditionFailed("If-None-Match: * was given but the entity exists");
}

const stripWeak = (etag: string): string => etag.replace(/^W\//, "");

function preconditionFailed(message: string): ApiError {
  return new ApiError(412, "PreconditionFailed", `${message}.`, {
    details: [{ code: "PreconditionFailed", message, target: "If-Match" }],
  });
}

/** Checks that every ancestor entity of a path exists ("apis/x" for "apis/x/operations/y"). */
export async function ensureAncestors(
  ctx: RequestContext,
  id: string,
  kindOf: (collection: string) => ResourceKind | undefined,
): Promise<void> {
  const segments = id.split("/");
  for (let i = 2; i < segments.length; i += 2) {
    const ancestor = segments.slice(0, i).join("/");
    const kind = kindOf(
      segments
        .slice(0, i)
        .filter((_, j) => j % 2 === 0)
        .join("/"),
    );
    if (!kind) continue;
    if (!(await ctx.options.store.get(kind, ancestor))) throw notFound(`${ancestor}`);
  }
}

export interface CrudHandlers {
  get: Handler;
  head: Handler;
  put: Handler;
  patch: Handler;
  delete: Handler;
  list: Handler;
}

export function createCrudHandlers(
  def: ResourceDef,
  kindOf: (collection: string) => ResourceKind | undefined,
): CrudHandlers {
  const nameParam = lastParam(def.pattern);
  const read = async (ctx: RequestContext) => {
    const id = storeIdOf(def.pattern, ctx.params);
    const entity = await ctx.options.store.get(def.kind, id);
    if (!entity) throw notFound(id);
    return entity;
  };

  // Every attempt starts from a fresh read: a retry after a lost guard race re-judges the caller's
  // If-Match and every cross-entity check against what the winner wrote.
  const write = (ctx: RequestContext, patch: boolean): Promise<Reply> =>
    withWriteGuards(ctx.options.store, (guards) => writeOnce(ctx, patch, guards));

  const writeOnce = async (ctx: RequestContext, patch: boolean, guards: WriteGuards): Promise<Reply> => {
    const name = ctx.params[nameParam] as string;
    checkName(name, nameParam, def.maxNameLength, def.names);
    const id = storeIdOf(def.pattern, ctx.params);
    await ensureAncestors(ctx, id, kindOf);
    const existing = await ctx.options.store.get(def.kind, id);
    if (patch && !existing) throw notFound(id);
    checkPreconditions(ctx, existing, patch);
    const input = omit(envelopeProperties(ctx.body, [], !patch), def.readOnly);
    const base = patch
      ? (existing?.properties ?? {})
      : { ...(def.defaults?.(ctx, name, existing) ?? {}), ...pick(existing?.properties ?? {}, def.readOnly) };
    const merged = parseWith(def.schema, { ...base, ...input }, "properties");
    const prepared = def.prepare ? await def.prepare(ctx, merged, id, existing, guards) : { properties: merged };
    const ops: WriteOp[] = [
      {
        op: "put",
        kind: def.kind,
        id,
        properties: omit(prepared.properties, def.writeOnly),
        // "If-Match: *" on a create is what Azure's own examples send; it guards replacements only.
        options: existing ? writeOptions(ctx) : omit({ ...writeOptions(ctx) }, ["ifMatch"]),
      },
      ...(prepared.extraOps ?? []),
    ];
    const [entity] = await ctx.options.store.transaction(ops);
    if (!entity) throw new Error(`store returned no entity for ${id}`);
    if (patch && def.patchStatus === 204) return { status: 204, headers: etagHeaders(entity) };
    return { status: existing ? 200 : 201, body: await envelope(ctx, def, entity), headers: etagHeaders(entity) };
  };

  return {
    async get(ctx) {
      const entity = await read(ctx);
      return { status: 200, body: await envelope(ctx, def, entity), headers: etagHeaders(entity) };
    },
    async head(ctx) {
      const entity = await read(ctx);
      return { status: 200, headers: etagHeaders(entity) };
    },
    put: (ctx) => write(ctx, false),
    patch: (ctx) => write(ctx, true),
    async delete(ctx) {
      const id = storeIdOf(def.pattern, ctx.params);
      const existing = await ctx.options.store.get(def.kind, id);
      if (!existing) {
        checkPreconditions(ctx, existing, true);
        return { status: 204 };
      }
      checkPreconditions(ctx, existing, true);
      const extra = def.beforeDelete ? await def.beforeDelete(ctx, existing) : [];
      await ctx.options.store.transaction([...extra, { op: "delete", kind: def.kind, id, options: writeOptions(ctx) }]);
      return { status: 200 };
    },
    async list(ctx) {
      const collectionPath = storeIdOf(def.pattern, ctx.params).split("/").slice(0, -1).join("/");
      const parentId = collectionPath.split("/").slice(0, -1).join("/");
      if (parentId !== "") await ensureAncestors(ctx, `${collectionPath}/x`, kindOf);
      const principal = ctx.principal;
      const userFilter =
        principal.kind === "user" && def.userVisible
          ? (e: StoredEntity) => (def.userVisible as NonNullable<ResourceDef["userVisible"]>)(ctx, e, principal.userId)
          : undefined;
      return listReply(ctx, def, { kind: def.kind, parentId }, userFilter);
    },
  };
}

/** A page of a collection with count and nextLink, honouring $top, $skip and $filter. */
export async function listReply(
  ctx: RequestContext,
  def: ResourceDef,
  source: { kind: ResourceKind; parentId: string } | (() => Promise<StoredEntity[]>),
  visible?: (e: StoredEntity) => Promise<boolean>,
): Promise<Reply> {
  const top = Math.min(
    parseIntParam(ctx.query.get("$top"), "$top", Number.MAX_SAFE_INTEGER, 1) ?? defaultPageSize,
    maxPageSize,
  );
  const skip = parseIntParam(ctx.query.get("$skip"), "$skip") ?? 0;
  const filterText = ctx.query.get("$filter");
  const filter = filterText ? compileFilter(filterText) : undefined;
  let page: StoredEntity[];
  let total: number;
  if (typeof source !== "function" && !filter && !visible) {
    const result = await ctx.options.store.list(source.kind, { parentId: source.parentId, top, skip });
    page = result.items;
    total = result.total;
  } else {
    const all =
      typeof source === "function"
        ? await source()
        : (await ctx.options.store.list(source.kind, { parentId: source.parentId })).items;
    const matching: StoredEntity[] = [];
    for (const e of all) {
      if (filter && !filter(e)) continue;
      if (visible && !(await visible(e))) continue;
      matching.push(e);
    }
    total = matching.length;
    page = matching.slice(skip, skip + top);
  }
  const value = await Promise.all(page.map((e) => envelope(ctx, def, e)));
  const body: Props = { value, count: total };
  if (skip + page.length < total) body.nextLink = nextLink(ctx, skip + page.length, top);
  return { status: 200, body };
}

function nextLink(ctx: RequestContext, skip: number, top: number): string {
  const query = new URLSearchParams(ctx.query);
  query.set("$skip", String(skip));
  query.set("$top", String(top));
  return `${ctx.origin}${ctx.pathPrefix}${ctx.path}?${query.toString().replace(/%24/g, "$")}`;
}
