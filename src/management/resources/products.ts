// Products. Developers see published products only.
import { z } from "zod";
import type { WriteOp } from "../../store/contract.js";
import { ApiError } from "../errors.js";
import { optBool, optStr } from "./common.js";
import type { ResourceDef } from "./types.js";

export const productDef: ResourceDef = {
  kind: "product",
  pattern: "products/{productId}",
  maxNameLength: 256,
  schema: z
    .object({
      displayName: z.string().min(1).max(300),
      description: z.string().max(1000).optional(),
      terms: optStr,
      subscriptionRequired: optBool,
      approvalRequired: optBool,
      subscriptionsLimit: z.number().int().min(0).nullable().optional(),
      state: z.enum(["notPublished", "published"]).optional(),
    })
    .strict()
    .superRefine((v, issue) => {
      if (v.subscriptionRequired === false && (v.approvalRequired || v.subscriptionsLimit != null))
        issue.addIssue({
          code: "custom",
          path: ["subscriptionRequired"],
          message: "approvalRequired and subscriptionsLimit need subscriptionRequired true",
        });
    }),
  defaults: () => ({ subscriptionRequired: true, state: "notPublished" }),
  async beforeDelete(ctx, entity) {
    const subs = (await ctx.options.store.list("subscription", { parentId: "" })).items.filter(
      (s) => s.properties.scope === `/${entity.id}`,
    );
    if (subs.length > 0 && ctx.query.get("deleteSubscriptions") !== "true")
      throw new ApiError(
        409,
        "Conflict",
        `Product ${entity.name} has ${subs.length} subscription(s); delete them first or pass deleteSubscriptions=true.`,
      );
    return subs.map((s): WriteOp => ({ op: "delete", kind: "subscription", id: s.id }));
  },
  async userVisible(_ctx, entity) {
    return entity.properties.state === "published";
  },
};
