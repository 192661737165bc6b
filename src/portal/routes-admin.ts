// Administrator view: approve or reject submitted subscription requests, e-mailing the developer.
// The portal checked at sign-in that the user is in Administrators; the calls use the admin key.
import { type Ctx, type PortalApp, page, type Route, redirect } from "./app.js";
import { mailValues } from "./mail-values.js";
import { lastSegment } from "./management-client.js";

const admin = { kind: "admin" } as const;

interface SubProps {
  ownerId?: string;
  scope?: string;
  displayName?: string;
  state?: string;
  createdDate?: string;
}

interface UserProps {
  email?: string;
  firstName?: string;
  lastName?: string;
}

async function ownerOf(app: PortalApp, ownerId: string | undefined): Promise<UserProps> {
  if (!ownerId) return {};
  const res = await app.management.call("GET", `/users/${encodeURIComponent(lastSegment(ownerId))}`, admin);
  return res.status === 200 ? ((res.body as { properties?: UserProps }).properties ?? {}) : {};
}

async function adminPage(app: PortalApp, ctx: Ctx): Promise<void> {
  const [subs, snap] = await Promise.all([
    app.management.list<SubProps>("/subscriptions", admin, { $filter: "properties/state eq 'submitted'" }),
    app.catalog.snapshot(),
  ]);
  const productNames = new Map(snap.products.map((p) => [p.name, p.displayName]));
  const requests = await Promise.all(
    subs
      .filter((s) => s.properties.state === "submitted")
      .map(async (s) => {
        const owner = await ownerOf(app, s.properties.ownerId);
        const product = lastSegment(s.properties.scope ?? "");
        return {
          id: s.name,
          displayName: s.properties.displayName ?? s.name,
          product: productNames.get(product) ?? product,
          owner: `${owner.firstName ?? ""} ${owner.lastName ?? ""}`.trim(),
          email: owner.email ?? "",
          createdDate: (s.properties.createdDate ?? "").slice(0, 10),
        };
      }),
  );
  await page(app, ctx, "admin", { requests });
}

async function decide(app: PortalApp, ctx: Ctx, state: "active" | "rejected"): Promise<void> {
  const sid = ctx.params.sid ?? "";
  const current = await app.management.call("GET", `/subscriptions/${encodeURIComponent(sid)}`, admin);
  const props = (current.body as { properties?: SubProps } | undefined)?.properties;
  if (current.status !== 200 || !props)
    return redirect(ctx, "/admin", { kind: "error", text: "That subscription was not found." });
  if (props.state !== "submitted")
    return redirect(ctx, "/admin", {
      kind: "error",
      text: `That request was already handled (state: ${props.state}).`,
    });
  await app.management.expect("PATCH", `/subscriptions/${encodeURIComponent(sid)}`, admin, [200, 204], {
    body: { properties: { state } },
    headers: { "if-match": "*" },
  });
  const owner = await ownerOf(app, props.ownerId);
  const snap = await app.catalog.snapshot();
  const product = lastSegment(props.scope ?? "");
  const prodName = snap.products.find((p) => p.name === product)?.displayName ?? product;
  if (owner.email) {
    const template = state === "active" ? "purchaseDeveloperNotificationMessage" : "rejectDeveloperNotificationMessage";
    await app.mailer
      .send(owner.email, template, {
        ...mailValues(app, owner),
        ProdName: prodName,
        SubName: props.displayName ?? sid,
        SubStartDate: new Date(app.clock.now()).toISOString().slice(0, 10),
        SubDeclineReason: "",
      })
      .catch((err) => app.log.warn({ err }, "portal: decision e-mail failed"));
  }
  app.log.info({ sid, state, by: ctx.session.uid }, "portal: subscription request decided");
  redirect(ctx, "/admin", {
    kind: "ok",
    text: `The request was ${state === "active" ? "approved" : "rejected"}; the developer was e-mailed.`,
  });
}

export const adminRoutes: readonly Route[] = [
  { method: "GET", path: "/admin", handler: adminPage, access: "admin" },
  {
    method: "POST",
    path: "/admin/subscriptions/:sid/approve",
    handler: (app, ctx) => decide(app, ctx, "active"),
    access: "admin",
  },
  {
    method: "POST",
    path: "/admin/subscriptions/:sid/reject",
    handler: (app, ctx) => decide(app, ctx, "rejected"),
    access: "admin",
  },
];
