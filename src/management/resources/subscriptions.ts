// Subscriptions: keys generated when absent and never returned by reads (listSecrets returns them),
// owner and scope kept service-relative ("/users/u1", "/products/p1") and expanded in replies.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { expandRef, normalizeRef } from "../arm.js";
import type { RequestContext } from "../context.js";
import { ApiError, validationError } from "../errors.js";
import { subscriptionsGuard } from "../write-guard.js";
import { nowIso, optBool, optStr, resolveRef } from "./common.js";
import type { Props, ResourceDef } from "./types.js";

export const subscriptionStates = ["suspended", "active", "expired", "submitted", "rejected", "cancelled"] as const;

export function newSubscriptionKey(): string {
  return randomBytes(16).toString("hex");
}

const key = z.string().min(1).max(256);

export const subscriptionSchema = z
  .object({
    ownerId: optStr,
    scope: z.string().min(1),
    displayName: z.string().min(1).max(100).optional(),
    state: z.enum(subscriptionStates),
    primaryKey: key,
    secondaryKey: key,
    allowTracing: optBool,
    stateComment: optStr,
    createdDate: optStr,
    startDate: optStr,
    expirationDate: optStr,
    endDate: optStr,
    notificationDate: optStr,
  })
  .strict();

/** Normalises and checks scope: "/", "/apis", "/apis/{id}" or "/products/{id}" of this service. */
export async function resolveScope(ctx: RequestContext, value: string): Promise<string> {
  const ref = normalizeRef(value, ctx.options.serviceName);
  const parts = ref?.split("/").filter(Boolean) ?? [];
  if (ref === "/" || (parts.length === 1 && parts[0]?.toLowerCase() === "apis")) return parts.length ? "/apis" : "/";
  if (parts[0]?.toLowerCase() === "apis") return resolveRef(ctx, value, "properties.scope", "api", "apis");
  if (parts[0]?.toLowerCase() === "products") return resolveRef(ctx, value, "properties.scope", "product", "products");
  throw validationError([
    {
      code: "InvalidReference",
      message: `'${value}' is not /, /apis, /apis/{id} or /products/{id}`,
      target: "properties.scope",
    },
  ]);
}

export const subscriptionDef: ResourceDef = {
  kind: "subscription",
  pattern: "subscriptions/{sid}",
  maxNameLength: 256,
  schema: subscriptionSchema,
  readOnly: ["createdDate", "startDate", "endDate", "notificationDate", "expirationDate"],
  defaults: (ctx, _name, existing) => ({
    state: "submitted",
    primaryKey: (existing?.properties.primaryKey as string | undefined) ?? newSubscriptionKey(),
    secondaryKey: (existing?.properties.secondaryKey as string | undefined) ?? newSubscriptionKey(),
    createdDate: (existing?.properties.createdDate as string | undefined) ?? nowIso(ctx),
  }),
  async prepare(ctx, props, _id, existing, guards) {
    const out: Props = { ...props, scope: await resolveScope(ctx, String(props.scope)) };
    // Every write of a product subscription bumps the product's guard, taken before the limit
    // check lists subscriptions: two concurrent creates cannot both see room under the limit.
    const scope = String(out.scope);
    const extraOps = scope.startsWith("/products/") ? [await guards.take(subscriptionsGuard(scope.slice(1)))] : [];
    if (typeof out.ownerId === "string")
      out.ownerId = await resolveRef(ctx, out.ownerId, "properties.ownerId", "user", "users");
    if (ctx.principal.kind === "user" && !existing) await applyDeveloperRules(ctx, ctx.principal.userId, out);
    if (out.state === "active" && existing?.properties.state !== "active" && !out.startDate)
      out.startDate = nowIso(ctx);
    if (out.state === "cancelled" && existing?.properties.state !== "cancelled") out.endDate = nowIso(ctx);
    if (out.displayName === undefined) out.displayName = String(_id.split("/")[1]);
    return { properties: out, extraOps };
  },
  present(ctx, entity) {
    const { primaryKey: _p, secondaryKey: _s, ...props } = entity.properties;
    return {
      ...props,
      ...(typeof props.ownerId === "string" ? { ownerId: expandRef(ctx, props.ownerId) } : {}),
      scope: expandRef(ctx, String(props.scope)),
    };
  },
  async userVisible(_ctx, entity, userId) {
    return entity.properties.ownerId === `/users/${userId}`;
  },
};

/**
 * A developer subscribing from the portal: only for themselves, only to a published product, within
 * the product's subscriptionsLimit; active at once unless the product requires approval.
 */
async function applyDeveloperRules(ctx: RequestContext, userId: string, out: Props): Promise<void> {
  if (out.ownerId !== `/users/${userId}`)
    throw validationError([{ code: "InvalidOwner", message: "must be your own user", target: "properties.ownerId" }]);
  const scope = String(out.scope);
  const product = scope.startsWith("/products/") ? await ctx.options.store.get("product", scope.slice(1)) : undefined;
  if (product?.properties.state !== "published")
    throw validationError([
      { code: "InvalidScope", message: "must be a published product", target: "properties.scope" },
    ]);
  const limit = product.properties.subscriptionsLimit;
  if (typeof limit === "number") {
    const mine = (await ctx.options.store.list("subscription", { parentId: "" })).items.filter(
      (s) =>
        s.properties.ownerId === out.ownerId &&
        s.properties.scope === scope &&
        ["active", "submitted", "suspended"].includes(String(s.properties.state)),
    );
    if (mine.length >= limit)
      throw new ApiError(
        409,
        "SubscriptionsLimitReached",
        `Product ${product.name} allows ${limit} subscription(s) per user.`,
        {
          details: [{ code: "SubscriptionsLimitReached", message: `limit ${limit}`, target: "properties.scope" }],
        },
      );
  }
  out.state = product.properties.approvalRequired ? "submitted" : "active";
  if (out.state === "active") out.startDate = nowIso(ctx);
}
