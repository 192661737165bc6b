// POST actions: subscription secrets and key regeneration, named value secrets, user tokens.
import { z } from "zod";
import type { StoredEntity } from "../model/resources.js";
import type { Handler, RequestContext } from "./context.js";
import { etagHeaders, storeIdOf } from "./crud.js";
import { notFound } from "./errors.js";
import { newSubscriptionKey } from "./resources/subscriptions.js";
import { signSas } from "./sas.js";
import { envelopeProperties, parseWith } from "./validation.js";

async function mustGet(ctx: RequestContext, kind: StoredEntity["kind"], pattern: string): Promise<StoredEntity> {
  const id = storeIdOf(pattern, ctx.params);
  const entity = await ctx.options.store.get(kind, id);
  if (!entity) throw notFound(id);
  return entity;
}

export const listSecrets: Handler = async (ctx) => {
  const sub = await mustGet(ctx, "subscription", "subscriptions/{sid}");
  return {
    status: 200,
    body: { primaryKey: sub.properties.primaryKey, secondaryKey: sub.properties.secondaryKey },
    headers: etagHeaders(sub),
  };
};

export function regenerateKey(which: "primaryKey" | "secondaryKey"): Handler {
  return async (ctx) => {
    const sub = await mustGet(ctx, "subscription", "subscriptions/{sid}");
    await ctx.options.store.put(
      "subscription",
      sub.id,
      { ...sub.properties, [which]: newSubscriptionKey() },
      { ifMatch: sub.etag },
    );
    return { status: 204 };
  };
}

export const listValue: Handler = async (ctx) => {
  const nv = await mustGet(ctx, "namedValue", "namedValues/{namedValueId}");
  return { status: 200, body: { value: nv.properties.value ?? "" }, headers: etagHeaders(nv) };
};

const tokenRequest = z
  .object({
    keyType: z.enum(["primary", "secondary"]),
    expiry: z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be a date-time"),
  })
  .strict();

/** POST users/{uid}/token: a SAS token for the user, without the "SharedAccessSignature " prefix. */
export const userToken: Handler = async (ctx) => {
  const user = await mustGet(ctx, "user", "users/{userId}");
  const body = ctx.body as Record<string, unknown> | undefined;
  // Azure's SDK wraps the parameters in "properties"; accept the flat form too.
  const input = body && "properties" in body ? envelopeProperties(body) : (body ?? {});
  const { expiry } = parseWith(tokenRequest, input, "properties");
  return { status: 200, body: { value: signSas(ctx.options.signingKey, user.name, Date.parse(expiry)) } };
};
