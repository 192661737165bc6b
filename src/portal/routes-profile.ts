// The signed-in user's profile: subscriptions overview, names, password change — all with the user's
// own SAS token.
import { type Ctx, field, type PortalApp, page, type Route, redirect } from "./app.js";
import { lastSegment } from "./management-client.js";
import { checkPassword } from "./password-rules.js";

interface UserProps {
  email?: string;
  firstName?: string;
  lastName?: string;
}

async function profile(app: PortalApp, ctx: Ctx, errors: string[] = [], status = 200): Promise<void> {
  const auth = { kind: "sas", token: ctx.session.sas ?? "" } as const;
  const uid = ctx.session.uid ?? "";
  const [me, subs, snap] = await Promise.all([
    app.management.expect("GET", `/users/${uid}`, auth, [200]),
    app.management.list<Record<string, unknown>>(`/users/${uid}/subscriptions`, auth),
    app.catalog.snapshot(),
  ]);
  const names = new Map(snap.products.map((p) => [p.name, p.displayName]));
  const subscriptions = subs
    .filter((s) => String(s.properties.scope ?? "").includes("/products/"))
    .map((s) => {
      const product = lastSegment(String(s.properties.scope));
      return {
        id: s.name,
        displayName: String(s.properties.displayName ?? s.name),
        product: names.get(product) ?? product,
        state: String(s.properties.state ?? ""),
        createdDate: String(s.properties.createdDate ?? "").slice(0, 10),
        active: s.properties.state === "active",
        open:
          s.properties.state === "active" || s.properties.state === "submitted" || s.properties.state === "suspended",
      };
    });
  await page(
    app,
    ctx,
    "profile",
    { me: (me.body as { properties?: UserProps }).properties ?? {}, subscriptions, errors },
    status,
  );
}

async function profileUpdate(app: PortalApp, ctx: Ctx): Promise<void> {
  const firstName = field(ctx, "firstName", 100);
  const lastName = field(ctx, "lastName", 100);
  if (!firstName || !lastName) return profile(app, ctx, ["First and last name are required."], 400);
  await app.management.expect(
    "PATCH",
    `/users/${ctx.session.uid}`,
    { kind: "sas", token: ctx.session.sas ?? "" },
    [200, 204],
    {
      body: { properties: { firstName, lastName } },
      headers: { "if-match": "*" },
    },
  );
  ctx.session = { ...ctx.session, name: `${firstName} ${lastName}` };
  ctx.sessionChanged = true;
  redirect(ctx, "/profile", { kind: "ok", text: "Your profile was saved." });
}

async function passwordChange(app: PortalApp, ctx: Ctx): Promise<void> {
  const email = ctx.session.email ?? "";
  const wait = app.limiter.hit(`signin:acct:${email}`, app.limits.signinPerAccount);
  if (wait > 0) return profile(app, ctx, [`Too many attempts; try again in ${Math.ceil(wait / 1000)} s.`], 429);
  const current = ctx.form.get("currentPassword") ?? "";
  const password = ctx.form.get("password") ?? "";
  const errors = checkPassword(password, { email });
  if (password !== (ctx.form.get("confirmPassword") ?? "")) errors.push("The new passwords do not match.");
  const check = await app.management.call("GET", "/identity", { kind: "basic", email, password: current });
  if (check.status !== 200) errors.unshift("The current password is wrong.");
  if (errors.length > 0) return profile(app, ctx, errors, 400);
  await app.management.expect(
    "PATCH",
    `/users/${ctx.session.uid}`,
    { kind: "sas", token: ctx.session.sas ?? "" },
    [200, 204],
    {
      body: { properties: { password } },
      headers: { "if-match": "*" },
    },
  );
  redirect(ctx, "/profile", { kind: "ok", text: "Your password was changed." });
}

export const profileRoutes: readonly Route[] = [
  { method: "GET", path: "/profile", handler: (app, ctx) => profile(app, ctx), access: "user" },
  { method: "POST", path: "/profile", handler: profileUpdate, access: "user" },
  { method: "POST", path: "/profile/password", handler: passwordChange, access: "user" },
];
