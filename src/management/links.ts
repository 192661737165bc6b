// Link resources (product ↔ API, product ↔ group, group ↔ user, tags on APIs/products/operations):
// the link is an empty entity at "products/p/apis/a"; replies show the linked resource itself, as Azure does.
import type { ResourceKind, StoredEntity } from "../model/resources.js";
import type { Handler, RequestContext } from "./context.js";
import { checkPreconditions, ensureAncestors, envelope, etagHeaders, lastParam, listReply, storeIdOf } from "./crud.js";
import { ApiError, notFound } from "./errors.js";
import type { ResourceDef } from "./resources/types.js";
import { checkName } from "./validation.js";

export interface LinkSpec {
  readonly kind: ResourceKind;
  readonly pattern: string;
  /** Definition of the linked resource and the collection it lives in ("apis"). */
  readonly target: ResourceDef;
  readonly targetCollection: string;
  /** Status of a successful HEAD: Azure uses 204 for product links, 200 for tag links. */
  readonly headStatus: 200 | 204;
}

export interface LinkHandlers {
  get: Handler;
  head: Handler;
  put: Handler;
  delete: Handler;
  list: Handler;
}

export function createLinkHandlers(spec: LinkSpec, kindOf: (c: string) => ResourceKind | undefined): LinkHandlers {
  const nameParam = lastParam(spec.pattern);
  const targetOf = async (ctx: RequestContext, name: string): Promise<StoredEntity | undefined> =>
    ctx.options.store.get(spec.target.kind, `${spec.targetCollection}/${name}`);
  const read = async (ctx: RequestContext) => {
    const id = storeIdOf(spec.pattern, ctx.params);
    const link = await ctx.options.store.get(spec.kind, id);
    const target = link ? await targetOf(ctx, link.name) : undefined;
    if (!link || !target) throw notFound(id);
    return { link, target };
  };
  const targets = async (ctx: RequestContext, links: readonly StoredEntity[]) => {
    const found = await Promise.all(links.map((l) => targetOf(ctx, l.name)));
    return found.filter((t): t is StoredEntity => t !== undefined);
  };

  return {
    async get(ctx) {
      const { link, target } = await read(ctx);
      return { status: 200, body: await envelope(ctx, spec.target, target), headers: etagHeaders(link) };
    },
    async head(ctx) {
      const { link } = await read(ctx);
      return { status: spec.headStatus, headers: etagHeaders(link) };
    },
    async put(ctx) {
      const name = ctx.params[nameParam] as string;
      checkName(name, nameParam);
      const id = storeIdOf(spec.pattern, ctx.params);
      await ensureAncestors(ctx, id, kindOf);
      const target = await targetOf(ctx, name);
      if (!target)
        throw new ApiError(404, "ResourceNotFound", `${spec.targetCollection}/${name} does not exist.`, {
          details: [
            {
              code: "ReferenceNotFound",
              message: `${spec.targetCollection}/${name} does not exist`,
              target: nameParam,
            },
          ],
        });
      const existing = await ctx.options.store.get(spec.kind, id);
      checkPreconditions(ctx, existing, false);
      const link = existing ?? (await ctx.options.store.put(spec.kind, id, {}));
      return {
        status: existing ? 200 : 201,
        body: await envelope(ctx, spec.target, target),
        headers: etagHeaders(link),
      };
    },
    async delete(ctx) {
      const id = storeIdOf(spec.pattern, ctx.params);
      const existing = await ctx.options.store.get(spec.kind, id);
      if (!existing) return { status: 204 };
      await ctx.options.store.delete(spec.kind, id);
      return { status: 200 };
    },
    async list(ctx) {
      const collectionPath = storeIdOf(spec.pattern, ctx.params).split("/").slice(0, -1).join("/");
      const parentId = collectionPath.split("/").slice(0, -1).join("/");
      await ensureAncestors(ctx, `${collectionPath}/x`, kindOf);
      const visible = ctx.principal.kind === "user" ? spec.target.userVisible : undefined;
      const userId = ctx.principal.kind === "user" ? ctx.principal.userId : "";
      return listReply(
        ctx,
        spec.target,
        async () => targets(ctx, (await ctx.options.store.list(spec.kind, { parentId })).items),
        visible ? (e) => visible(ctx, e, userId) : undefined,
      );
    },
  };
}

/** A read-only derived collection (e.g. users/{u}/subscriptions) presented with another kind's definition. */
export function derivedList(
  def: ResourceDef,
  parent: { kind: ResourceKind; idOf: (ctx: RequestContext) => string },
  source: (ctx: RequestContext) => Promise<StoredEntity[]>,
): Handler {
  return async (ctx) => {
    const parentId = parent.idOf(ctx);
    if (!(await ctx.options.store.get(parent.kind, parentId))) throw notFound(parentId);
    return listReply(ctx, def, () => source(ctx));
  };
}
