// A user's subscriptions: subscribe to a product, show/copy/regenerate keys, rename, cancel — all with
// the user's own SAS token, so the management API refuses anything that is not theirs (404).
import { randomBytes } from "node:crypto";
import { type Ctx, field, type PortalApp, type Route, redirect } from "./app.js";
import { viewerOf } from "./catalog.js";
import { mailValues } from "./mail-values.js";

const sidPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

const userAuth = (ctx: Ctx) => ({ kind: "sas", token: ctx.session.sas ?? "" }) as const;

function json(ctx: Ctx, status: number, body: unknown): void {
  ctx.res.statusCode = status;
  ctx.res.setHeader("content-type", "application/json; charset=utf-8");
  ctx.res.setHeader("cache-control", "no-store");
  ctx.body = JSON.stringify(body);
}

async function subscribe(app: PortalApp, ctx: Ctx): Promise<void> {
  const { products } = await app.catalog.visible(viewerOf(ctx.session));
  const product = products.find((p) => p.name === ctx.params.product);
  if (!product)
    return redirect(ctx, "/catalog", { kind: "error", text: "This product does not exist or is not visible to you." });
  const displayName = field(ctx, "displayName", 100) || `${product.displayName} subscription`;
  const sid = randomBytes(12).toString("hex");
  const res = await app.management.call("PUT", `/subscriptions/${sid}`, userAuth(ctx), {
    body: { properties: { ownerId: `/users/${ctx.session.uid}`, scope: `/products/${product.name}`, displayName } },
  });
  if (res.status !== 200 && res.status !== 201) {
    const msg = (res.body as { error?: { message?: string } } | undefined)?.error?.message;
    const text =
      res.status >= 400 && res.status < 500 && msg
        ? `The subscription was not created: ${msg}`
        : "The subscription could not be created; try again later.";
    if (res.status >= 500) app.log.error({ status: res.status, requestId: ctx.requestId }, "portal: subscribe failed");
    return redirect(ctx, `/products/${encodeURIComponent(product.name)}`, { kind: "error", text });
  }
  const state = (res.body as { properties?: { state?: string } } | undefined)?.properties?.state;
  if (state === "submitted") {
    const who = {
      email: ctx.session.email ?? "",
      firstName: (ctx.session.name ?? "").split(" ")[0] ?? "",
      lastName: (ctx.session.name ?? "").split(" ").slice(1).join(" "),
    };
    const values = { ...mailValues(app, who), ProdName: product.displayName };
    await notifyAdmins(app, values);
    await app.mailer
      .send(who.email, "requestDeveloperNotificationMessage", values)
      .catch((err) => app.log.warn({ err }, "portal: request e-mail failed"));
    return redirect(ctx, "/profile", {
      kind: "info",
      text: `Your request to subscribe to ${product.displayName} awaits approval; we will e-mail you.`,
    });
  }
  redirect(ctx, "/profile", {
    kind: "ok",
    text: `You are subscribed to ${product.displayName}. Show your keys below.`,
  });
}

async function notifyAdmins(app: PortalApp, values: Record<string, string>): Promise<void> {
  try {
    const admins = await app.management.list<{ email?: string }>("/groups/administrators/users", { kind: "admin" });
    await Promise.all(
      admins
        .map((a) => a.properties.email)
        .filter((e): e is string => typeof e === "string" && e.includes("@"))
        .map((to) => app.mailer.send(to, "requestPublisherNotificationMessage", values)),
    );
  } catch (err) {
    app.log.warn({ err }, "portal: cannot notify administrators of a subscription request");
  }
}

async function keys(app: PortalApp, ctx: Ctx): Promise<void> {
  const sid = ctx.params.sid ?? "";
  if (!sidPattern.test(sid)) return json(ctx, 404, { error: "not found" });
  const res = await app.management.call("POST", `/subscriptions/${sid}/listSecrets`, userAuth(ctx));
  if (res.status !== 200) return json(ctx, res.status === 401 ? 401 : 404, { error: "not found" });
  const body = res.body as { primaryKey?: string; secondaryKey?: string };
  json(ctx, 200, { primaryKey: body.primaryKey ?? "", secondaryKey: body.secondaryKey ?? "" });
}

async function regenerate(app: PortalApp, ctx: Ctx): Promise<void> {
  const sid = ctx.params.sid ?? "";
  const which = field(ctx, "key");
  if (!sidPattern.test(sid) || (which !== "primary" && which !== "secondary"))
    return redirect(ctx, "/profile", { kind: "error", text: "Choose the primary or the secondary key." });
  const action = which === "primary" ? "regeneratePrimaryKey" : "regenerateSecondaryKey";
  const res = await app.management.call("POST", `/subscriptions/${sid}/${action}`, userAuth(ctx));
  if (res.status !== 200 && res.status !== 204)
    return redirect(ctx, "/profile", { kind: "error", text: "That subscription was not found." });
  redirect(ctx, "/profile", { kind: "ok", text: `The ${which} key was regenerated; the old one no longer works.` });
}

async function patchSubscription(
  app: PortalApp,
  ctx: Ctx,
  properties: Record<string, string>,
  done: string,
): Promise<void> {
  const sid = ctx.params.sid ?? "";
  if (!sidPattern.test(sid))
    return redirect(ctx, "/profile", { kind: "error", text: "That subscription was not found." });
  const res = await app.management.call("PATCH", `/subscriptions/${sid}`, userAuth(ctx), {
    body: { properties },
    headers: { "if-match": "*" },
  });
  if (res.status !== 200 && res.status !== 204) {
    const msg = (res.body as { error?: { message?: string } } | undefined)?.error?.message;
    return redirect(ctx, "/profile", {
      kind: "error",
      text: res.status === 404 ? "That subscription was not found." : `Not changed: ${msg ?? res.status}`,
    });
  }
  redirect(ctx, "/profile", { kind: "ok", text: done });
}

export const subscriptionRoutes: readonly Route[] = [
  { method: "POST", path: "/products/:product/subscribe", handler: subscribe, access: "user" },
  { method: "POST", path: "/subscriptions/:sid/keys", handler: keys, access: "user" },
  { method: "POST", path: "/subscriptions/:sid/regenerate", handler: regenerate, access: "user" },
  {
    method: "POST",
    path: "/subscriptions/:sid/rename",
    access: "user",
    handler: (app, ctx) => {
      const displayName = field(ctx, "displayName", 100);
      if (!displayName)
        return Promise.resolve(
          redirect(ctx, "/profile", { kind: "error", text: "Enter a name for the subscription." }),
        );
      return patchSubscription(app, ctx, { displayName }, "The subscription was renamed.");
    },
  },
  {
    method: "POST",
    path: "/subscriptions/:sid/cancel",
    access: "user",
    handler: (app, ctx) => patchSubscription(app, ctx, { state: "cancelled" }, "The subscription was cancelled."),
  },
];
