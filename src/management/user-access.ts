// What a developer's SAS token may do (the developer portal's calls): read and edit themselves, read
// published products with their APIs and operations, read their groups, and create and manage their
// own subscriptions. Anything else is refused before the handler runs; other users' data reads as 404.
import type { RequestContext } from "./context.js";
import { ApiError, notFound, validationError } from "./errors.js";
import type { UserGuard } from "./router.js";

const hidden = (): ApiError => notFound("The resource");

export async function isPublishedProduct(ctx: RequestContext, productName: string): Promise<boolean> {
  const product = await ctx.options.store.get("product", `products/${productName}`);
  return product?.properties.state === "published";
}

/**
 * An API is visible to developers when a published product includes it. Products are few and links
 * many, so this asks per published product instead of scanning every link.
 */
export async function isPublishedApi(ctx: RequestContext, apiName: string): Promise<boolean> {
  const products = (await ctx.options.store.list("product", { parentId: "" })).items;
  for (const product of products) {
    if (product.properties.state !== "published") continue;
    if (await ctx.options.store.get("productApi", `${product.id}/apis/${apiName}`)) return true;
  }
  return false;
}

export const guards = {
  self: (async (ctx, userId) => {
    if (ctx.params.userId !== userId) throw hidden();
  }) satisfies UserGuard,

  selfPatch: (async (ctx, userId) => {
    if (ctx.params.userId !== userId) throw hidden();
    const props = (ctx.body as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const refused = Object.keys(props).filter((k) => !["firstName", "lastName", "password", "note"].includes(k));
    if (refused.length > 0)
      throw validationError(
        refused.map((k) => ({
          code: "ReadOnlyProperty",
          message: "a developer may change only names and password",
          target: `properties.${k}`,
        })),
      );
  }) satisfies UserGuard,

  anyone: (async () => undefined) satisfies UserGuard,

  publishedProduct: (async (ctx) => {
    if (!(await isPublishedProduct(ctx, ctx.params.productId as string))) throw hidden();
  }) satisfies UserGuard,

  publishedApi: (async (ctx) => {
    if (!(await isPublishedApi(ctx, ctx.params.apiId as string))) throw hidden();
  }) satisfies UserGuard,

  memberOfGroup: (async (ctx, userId) => {
    if (!(await ctx.options.store.get("groupUser", `groups/${ctx.params.groupId}/users/${userId}`))) throw hidden();
  }) satisfies UserGuard,

  ownSubscription: (async (ctx, userId) => {
    const sub = await ctx.options.store.get("subscription", `subscriptions/${ctx.params.sid}`);
    if (!sub || sub.properties.ownerId !== `/users/${userId}`) throw hidden();
  }) satisfies UserGuard,

  /** Creating is checked in the subscription's prepare (own user, published product, limit). */
  subscriptionPut: (async (ctx, userId) => {
    const sub = await ctx.options.store.get("subscription", `subscriptions/${ctx.params.sid}`);
    if (sub) {
      if (sub.properties.ownerId !== `/users/${userId}`) throw hidden();
      throw new ApiError(409, "Conflict", "The subscription exists; use PATCH to rename or cancel it.");
    }
  }) satisfies UserGuard,

  ownSubscriptionPatch: (async (ctx, userId) => {
    await guards.ownSubscription(ctx, userId);
    const props = (ctx.body as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const details = Object.entries(props)
      .filter(([k, v]) => !(k === "displayName" || (k === "state" && v === "cancelled")))
      .map(([k]) => ({
        code: "ReadOnlyProperty",
        message: "a developer may change only displayName, or set state to cancelled",
        target: `properties.${k}`,
      }));
    if (details.length > 0) throw validationError(details);
  }) satisfies UserGuard,
};
