// Users, groups and group membership. A user's password is write-only: it is hashed into a separate
// "userCredential" entity in the same transaction and never returned.
import { z } from "zod";
import type { StoredEntity } from "../../model/resources.js";
import type { WriteOp } from "../../store/contract.js";
import type { RequestContext } from "../context.js";
import { ApiError, validationError } from "../errors.js";
import { credentialId, hashPassword } from "../passwords.js";
import { nowIso, optStr } from "./common.js";
import type { Props, ResourceDef } from "./types.js";

export const builtInGroups = {
  administrators: {
    displayName: "Administrators",
    description: "Administrators is a built-in group. Its membership is managed by the system.",
  },
  developers: {
    displayName: "Developers",
    description:
      "Developers is a built-in group. Its membership is managed by the system. Signed-in users fall into this group.",
  },
  guests: {
    displayName: "Guests",
    description:
      "Guests is a built-in group. Its membership is managed by the system. Unauthenticated users visiting the developer portal fall into this group.",
  },
} as const;

const email = z
  .string()
  .min(1)
  .max(254)
  .regex(/^[^@\s]+@[^@\s]+$/, "must be an e-mail address");

export const userSchema = z
  .object({
    email,
    firstName: z.string().min(1).max(100),
    lastName: z.string().min(1).max(100),
    state: z.enum(["active", "blocked", "pending", "deleted"]),
    note: optStr,
    password: z.string().min(8, "must be at least 8 characters").max(256).optional(),
    confirmation: z.enum(["signup", "invite"]).optional(),
    appType: z.enum(["portal", "developerPortal"]).optional(),
    identities: z.array(z.object({ provider: z.string(), id: z.string() }).strict()).optional(),
    registrationDate: optStr,
    groups: z.array(z.unknown()).optional(),
  })
  .strict();

/** Groups are few and memberships many: ask each group for this user rather than scanning links. */
async function groupsOf(ctx: RequestContext, userId: string): Promise<StoredEntity[]> {
  const groups = (await ctx.options.store.list("group", { parentId: "" })).items;
  const member = await Promise.all(groups.map((g) => ctx.options.store.get("groupUser", `${g.id}/users/${userId}`)));
  return groups.filter((_, i) => member[i] !== undefined);
}

export const userDef: ResourceDef = {
  kind: "user",
  pattern: "users/{userId}",
  maxNameLength: 80,
  schema: userSchema,
  readOnly: ["registrationDate", "groups"],
  writeOnly: ["password", "confirmation", "appType"],
  defaults: (ctx, name, existing) => ({
    state: "active",
    registrationDate: (existing?.properties.registrationDate as string | undefined) ?? nowIso(ctx),
    identities: [{ provider: "Basic", id: `${name}` }],
  }),
  async prepare(ctx, props, id, existing) {
    const uid = id.split("/")[1] as string;
    const mail = String(props.email).toLowerCase();
    const clash = (await ctx.options.store.list("user", { parentId: "" })).items.find(
      (u) => u.id !== id && String(u.properties.email).toLowerCase() === mail,
    );
    if (clash)
      throw new ApiError(409, "Conflict", `A user with the e-mail ${props.email} already exists.`, {
        details: [{ code: "DuplicateEmail", message: "is already used by another user", target: "properties.email" }],
      });
    const identities = Array.isArray(props.identities) ? (props.identities as Props[]) : [];
    const out: Props = {
      ...props,
      identities: identities.map((i) => (i.provider === "Basic" ? { provider: "Basic", id: mail } : i)),
    };
    const extraOps: WriteOp[] = [];
    if (typeof props.password === "string")
      extraOps.push({
        op: "put",
        kind: "userCredential",
        id: credentialId(uid),
        properties: { ...(await hashPassword(props.password)) },
      });
    // Every user is a developer, as in APIM.
    if (!existing)
      extraOps.push({ op: "put", kind: "groupUser", id: `groups/developers/users/${uid}`, properties: {} });
    return { properties: out, extraOps };
  },
  async present(ctx, entity) {
    const groups = await groupsOf(ctx, entity.name);
    return {
      ...entity.properties,
      groups: groups.map((g) => ({
        id: `${ctx.armBase}/${g.id}`,
        name: g.properties.displayName,
        description: g.properties.description,
        builtIn: g.properties.builtIn === true,
        type: g.properties.type ?? "custom",
      })),
    };
  },
  async beforeDelete(ctx, entity) {
    const uid = entity.name;
    const ops: WriteOp[] = [];
    for (const link of (await ctx.options.store.list("groupUser", {})).items)
      if (link.name === uid) ops.push({ op: "delete", kind: "groupUser", id: link.id });
    for (const sub of (await ctx.options.store.list("subscription", { parentId: "" })).items)
      if (sub.properties.ownerId === `/users/${uid}`) ops.push({ op: "delete", kind: "subscription", id: sub.id });
    if (await ctx.options.store.get("userCredential", credentialId(uid)))
      ops.push({ op: "delete", kind: "userCredential", id: credentialId(uid) });
    return ops;
  },
};

export const groupDef: ResourceDef = {
  kind: "group",
  pattern: "groups/{groupId}",
  maxNameLength: 256,
  schema: z
    .object({
      displayName: z.string().min(1).max(300),
      description: z.string().max(1000).optional(),
      builtIn: z.boolean().optional(),
      type: z.enum(["custom", "system", "external"]).optional(),
      externalId: optStr,
    })
    .strict(),
  readOnly: ["builtIn"],
  defaults: (_ctx, _name, existing) => ({ type: "custom", builtIn: existing?.properties.builtIn === true }),
  async prepare(_ctx, props, id, existing) {
    if (existing?.properties.builtIn === true && props.type !== "system")
      throw validationError([
        { code: "BuiltInGroup", message: `built-in group ${id} must stay type system`, target: "properties.type" },
      ]);
    if (!existing && props.type === "system")
      throw validationError([
        { code: "InvalidGroupType", message: "system groups are built in", target: "properties.type" },
      ]);
    return { properties: props };
  },
  async beforeDelete(_ctx, entity) {
    if (entity.properties.builtIn === true)
      throw new ApiError(
        409,
        "Conflict",
        `${entity.properties.displayName} is a built-in group and cannot be deleted.`,
      );
    return [];
  },
  async userVisible(ctx, entity, userId) {
    return (await ctx.options.store.get("groupUser", `${entity.id}/users/${userId}`)) !== undefined;
  },
};
