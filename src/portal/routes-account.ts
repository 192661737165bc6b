// Sign-up (with CAPTCHA and e-mail confirmation), sign-in/out and password reset.
import { randomBytes } from "node:crypto";
import { type Ctx, field, type PortalApp, page, type Route, redirect } from "./app.js";
import { randomId, signToken, verifyToken } from "./crypto.js";
import { mailValues } from "./mail-values.js";
import { lastSegment, parseSasHeader, sasExpiry } from "./management-client.js";
import { checkPassword, isEmail } from "./password-rules.js";
import { newSession, type Session, signedInTtlMs } from "./session.js";

const confirmTtlMs = 48 * 60 * 60_000;
const resetTtlMs = 60 * 60_000;
const admin = { kind: "admin" } as const;

interface UserProps {
  email?: string;
  firstName?: string;
  lastName?: string;
  state?: string;
}

async function findUserByEmail(app: PortalApp, email: string) {
  // OData string literal: a quote is doubled.
  const filter = `email eq '${email.replace(/'/g, "''")}'`;
  const users = await app.management.list<UserProps>("/users", admin, { $filter: filter });
  return users.find((u) => (u.properties.email ?? "").toLowerCase() === email.toLowerCase());
}

async function signupPage(app: PortalApp, ctx: Ctx, errors: string[] = [], status = 200): Promise<void> {
  const challenge = app.captcha.issue();
  app.testHooks.onCaptcha?.(challenge.token, challenge.answer);
  await page(
    app,
    ctx,
    "signup",
    {
      errors,
      values: { email: field(ctx, "email"), firstName: field(ctx, "firstName"), lastName: field(ctx, "lastName") },
      captchaToken: challenge.token,
      captchaImage: `/captcha.svg?c=${encodeURIComponent(challenge.image)}`,
    },
    status,
  );
}

const captchaMessages = {
  malformed: "The CAPTCHA is missing or invalid; solve the new one.",
  expired: "The CAPTCHA expired; solve the new one.",
  used: "That CAPTCHA was already used; solve the new one.",
  wrong: "The CAPTCHA answer is wrong; solve the new one.",
} as const;

async function signup(app: PortalApp, ctx: Ctx): Promise<void> {
  const perIp = app.limiter.hit(`signup:ip:${ctx.ip}`, app.limits.signupPerIp);
  if (perIp > 0)
    return signupPage(app, ctx, [`Too many sign-up attempts; try again in ${Math.ceil(perIp / 1000)} s.`], 429);
  const email = field(ctx, "email").toLowerCase();
  const firstName = field(ctx, "firstName", 100);
  const lastName = field(ctx, "lastName", 100);
  const password = ctx.form.get("password") ?? "";
  const confirm = ctx.form.get("confirmPassword") ?? "";
  const errors: string[] = [];
  if (!isEmail(email)) errors.push("Enter a valid e-mail address.");
  if (!firstName) errors.push("First name is required.");
  if (!lastName) errors.push("Last name is required.");
  errors.push(...checkPassword(password, { email }));
  if (password !== confirm) errors.push("The passwords do not match.");
  const cap = app.captcha.verify(field(ctx, "captchaToken", 512), field(ctx, "captcha", 16));
  if (!cap.ok) errors.push(captchaMessages[cap.reason]);
  if (errors.length > 0) return signupPage(app, ctx, errors, 400);

  // One account per e-mail. A pending account is not re-sent its link here: whoever owns the mailbox
  // finishes it through password reset, so a squatter's password can never survive confirmation.
  if (await findUserByEmail(app, email)) {
    return signupPage(
      app,
      ctx,
      [
        "An account with this e-mail already exists. Sign in, or use “Forgot password” if you did not finish signing up.",
      ],
      409,
    );
  }
  const uid = randomBytes(12).toString("hex");
  const res = await app.management.call("PUT", `/users/${uid}`, admin, {
    body: { properties: { email, firstName, lastName, password, state: "pending", confirmation: "signup" } },
    headers: { "if-none-match": "*" },
  });
  if (res.status === 409) return signupPage(app, ctx, ["An account with this e-mail already exists."], 409);
  if (res.status === 400) {
    const msg = (res.body as { error?: { message?: string } } | undefined)?.error?.message ?? "invalid input";
    return signupPage(app, ctx, [`The account could not be created: ${msg}`], 400);
  }
  if (res.status !== 200 && res.status !== 201) {
    app.log.error({ status: res.status, body: res.body, requestId: ctx.requestId }, "portal: create user failed");
    return signupPage(app, ctx, ["The account could not be created; try again later."], 502);
  }
  const token = signToken(app.keys.sign, {
    purpose: "confirm",
    uid,
    exp: app.clock.now() + confirmTtlMs,
    jti: randomId(),
  });
  try {
    await app.mailer.send(email, "confirmSignUpIdentityDefault", {
      ...mailValues(app, { email, firstName, lastName }),
      ConfirmUrl: `${app.publicUrl()}/confirm?token=${encodeURIComponent(token)}`,
    });
  } catch (err) {
    app.log.error({ err, requestId: ctx.requestId }, "portal: confirmation e-mail failed");
    return page(app, ctx, "message", {
      title: "Almost there",
      text: "Your account was created, but the confirmation e-mail could not be sent. Use “Forgot password” later to receive a new link.",
    });
  }
  app.log.info({ uid }, "portal: user signed up");
  await page(app, ctx, "message", {
    title: "Check your e-mail",
    text: `We sent a confirmation link to ${email}. Follow it to activate your account.`,
  });
}

const tokenMessages = {
  malformed: "This link is not valid. Copy the whole link from the e-mail.",
  "bad-signature": "This link is not valid. Copy the whole link from the e-mail.",
  "wrong-purpose": "This link is not valid for this page.",
  expired: "This link has expired.",
} as const;

async function confirm(app: PortalApp, ctx: Ctx): Promise<void> {
  const check = verifyToken(app.keys.sign, ctx.url.searchParams.get("token") ?? "", "confirm", app.clock.now());
  if (!check.ok) {
    const text = `${tokenMessages[check.reason]} Use “Forgot password” to receive a new link.`;
    return page(app, ctx, "message", { title: "Confirmation failed", text, error: true }, 400);
  }
  const { uid, jti, exp } = check.claims;
  const user = await app.management.call("GET", `/users/${uid}`, admin);
  const props = (user.body as { properties?: UserProps } | undefined)?.properties;
  if (user.status !== 200 || !props) {
    return page(
      app,
      ctx,
      "message",
      { title: "Confirmation failed", text: "This account no longer exists.", error: true },
      404,
    );
  }
  if (props.state !== "pending" || !app.once.use(`confirm:${jti}`, exp)) {
    return page(
      app,
      ctx,
      "message",
      {
        title: "Link already used",
        text: "This confirmation link was already used. Sign in with your e-mail and password.",
        error: true,
      },
      409,
    );
  }
  await app.management.expect("PATCH", `/users/${uid}`, admin, [200, 204], {
    body: { properties: { state: "active" } },
    headers: { "if-match": "*" },
  });
  app.mailer
    .send(props.email ?? "", "newDeveloperNotificationMessage", mailValues(app, props))
    .catch((err) => app.log.warn({ err }, "portal: welcome e-mail failed"));
  redirect(ctx, "/signin", { kind: "ok", text: "Your account is confirmed. Sign in to continue." });
}

async function signin(app: PortalApp, ctx: Ctx): Promise<void> {
  const email = field(ctx, "email").toLowerCase();
  const password = ctx.form.get("password") ?? "";
  const fail = (text: string, status: number) =>
    page(app, ctx, "signin", { error: text, email, next: safeNext(field(ctx, "next")) }, status);
  const waitIp = app.limiter.hit(`signin:ip:${ctx.ip}`, app.limits.signinPerIp);
  const waitAccount = email ? app.limiter.hit(`signin:acct:${email}`, app.limits.signinPerAccount) : 0;
  const wait = Math.max(waitIp, waitAccount);
  if (wait > 0) return fail(`Too many sign-in attempts; try again in ${Math.ceil(wait / 1000)} s.`, 429);
  if (!isEmail(email) || !password) return fail("Enter your e-mail address and password.", 400);
  const res = await app.management.call("GET", "/identity", { kind: "basic", email, password });
  if (res.status === 401 || res.status === 403 || res.status === 404)
    return fail("Wrong e-mail or password, or the account is not confirmed yet.", 401);
  if (res.status !== 200) throw new Error(`GET /identity answered ${res.status}`);
  const uid = lastSegment(String((res.body as { id?: unknown } | undefined)?.id ?? ""));
  let sas = parseSasHeader(res.headers["ocp-apim-sas-token"]);
  if (!sas) {
    // Older management builds: mint the token with the admin key instead.
    const minted = await app.management.expect("POST", `/users/${uid}/token`, admin, [200], {
      body: { properties: { keyType: "primary", expiry: new Date(app.clock.now() + signedInTtlMs).toISOString() } },
    });
    sas = parseSasHeader(String((minted.body as { value?: unknown }).value ?? ""));
  }
  if (!uid || !sas) throw new Error("sign-in answer carried no user id or token");
  app.limiter.reset(`signin:acct:${email}`);
  const me = await app.management.expect("GET", `/users/${uid}`, { kind: "sas", token: sas }, [200]);
  const props = (me.body as { properties?: UserProps }).properties ?? {};
  const groups = (await app.management.list(`/users/${uid}/groups`, admin).catch(() => [])).map((g) =>
    lastSegment(g.name).toLowerCase(),
  );
  const now = app.clock.now();
  const fresh = newSession(app.clock);
  // A new sid and CSRF token at sign-in, so nothing planted before it carries over.
  const session: Session = {
    sid: fresh.sid,
    csrf: fresh.csrf,
    exp: Math.min(now + signedInTtlMs, sasExpiry(sas) ?? Number.POSITIVE_INFINITY),
    uid,
    sas,
    email: props.email ?? email,
    name: `${props.firstName ?? ""} ${props.lastName ?? ""}`.trim() || email,
    admin: uid === "1" || groups.includes("administrators"),
    groups: groups.length > 0 ? groups : ["developers"],
  };
  ctx.session = session;
  ctx.sessionChanged = true;
  app.log.info({ uid }, "portal: signed in");
  redirect(ctx, safeNext(field(ctx, "next")) || "/profile");
}

/** Only same-site paths, so the sign-in form cannot be turned into an open redirect. */
function safeNext(next: string): string {
  return /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : "";
}

async function resetRequest(app: PortalApp, ctx: Ctx): Promise<void> {
  const wait = app.limiter.hit(`reset:ip:${ctx.ip}`, app.limits.resetPerIp);
  if (wait > 0)
    return page(app, ctx, "reset", { error: `Too many requests; try again in ${Math.ceil(wait / 1000)} s.` }, 429);
  const email = field(ctx, "email").toLowerCase();
  if (!isEmail(email)) return page(app, ctx, "reset", { error: "Enter a valid e-mail address.", email }, 400);
  const user = await findUserByEmail(app, email);
  const mailAllowed = app.limiter.hit(`reset:acct:${email}`, app.limits.resetPerAccount) === 0;
  if (mailAllowed && user && (user.properties.state === "active" || user.properties.state === "pending")) {
    const token = signToken(app.keys.sign, {
      purpose: "reset",
      uid: user.name,
      exp: app.clock.now() + resetTtlMs,
      jti: randomId(),
    });
    await app.mailer
      .send(email, "passwordResetIdentityDefault", {
        ...mailValues(app, user.properties),
        ConfirmUrl: `${app.publicUrl()}/reset/confirm?token=${encodeURIComponent(token)}`,
      })
      .catch((err) => app.log.error({ err, requestId: ctx.requestId }, "portal: reset e-mail failed"));
  }
  // The same answer whether or not the account exists, so the form cannot be used to probe e-mails.
  await page(app, ctx, "message", {
    title: "Check your e-mail",
    text: `If an account exists for ${email}, we sent it a link to choose a new password.`,
  });
}

async function resetConfirmPage(app: PortalApp, ctx: Ctx): Promise<void> {
  const token = ctx.url.searchParams.get("token") ?? field(ctx, "token", 2048);
  const check = verifyToken(app.keys.sign, token, "reset", app.clock.now());
  if (!check.ok || app.once.has(`reset:${check.claims.jti}`)) {
    const text = check.ok ? "This link was already used." : tokenMessages[check.reason];
    return page(
      app,
      ctx,
      "message",
      { title: "Password reset failed", text: `${text} Ask for a new link.`, error: true },
      400,
    );
  }
  await page(app, ctx, "reset-confirm", { token });
}

async function resetConfirm(app: PortalApp, ctx: Ctx): Promise<void> {
  const token = field(ctx, "token", 2048);
  const check = verifyToken(app.keys.sign, token, "reset", app.clock.now());
  if (!check.ok || app.once.has(`reset:${check.claims.jti}`)) return resetConfirmPage(app, ctx);
  const user = await app.management.call("GET", `/users/${check.claims.uid}`, admin);
  const props = (user.body as { properties?: UserProps } | undefined)?.properties;
  if (user.status !== 200 || !props)
    return page(
      app,
      ctx,
      "message",
      { title: "Password reset failed", text: "This account no longer exists.", error: true },
      404,
    );
  const password = ctx.form.get("password") ?? "";
  const errors = checkPassword(password, { email: props.email ?? "" });
  if (password !== (ctx.form.get("confirmPassword") ?? "")) errors.push("The passwords do not match.");
  if (errors.length > 0) return page(app, ctx, "reset-confirm", { token, errors }, 400);
  if (!app.once.use(`reset:${check.claims.jti}`, check.claims.exp)) return resetConfirmPage(app, ctx);
  // Following the link proves the mailbox, so a pending account becomes active here too.
  const state = props.state === "pending" ? { state: "active" } : {};
  await app.management.expect("PATCH", `/users/${check.claims.uid}`, admin, [200, 204], {
    body: { properties: { password, ...state } },
    headers: { "if-match": "*" },
  });
  redirect(ctx, "/signin", { kind: "ok", text: "Your password was changed. Sign in with the new password." });
}

export const accountRoutes: readonly Route[] = [
  { method: "GET", path: "/signup", handler: (app, ctx) => signupPage(app, ctx) },
  { method: "POST", path: "/signup", handler: signup },
  { method: "GET", path: "/confirm", handler: confirm },
  {
    method: "GET",
    path: "/signin",
    handler: (app, ctx) => page(app, ctx, "signin", { next: safeNext(ctx.url.searchParams.get("next") ?? "") }),
  },
  { method: "POST", path: "/signin", handler: signin },
  {
    method: "POST",
    path: "/signout",
    handler: async (app, ctx) => {
      ctx.session = newSession(app.clock);
      ctx.sessionChanged = true;
      redirect(ctx, "/", { kind: "info", text: "You are signed out." });
    },
  },
  { method: "GET", path: "/reset", handler: (app, ctx) => page(app, ctx, "reset", {}) },
  { method: "POST", path: "/reset", handler: resetRequest },
  { method: "GET", path: "/reset/confirm", handler: resetConfirmPage },
  { method: "POST", path: "/reset/confirm", handler: resetConfirm },
];
