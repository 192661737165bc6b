// What every route handler receives: the request context, and the portal's shared parts.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../core/clock.js";
import type { Captcha } from "./captcha.js";
import type { Catalog } from "./catalog.js";
import type { PortalKeys } from "./crypto.js";
import type { Mailer } from "./mailer.js";
import type { ManagementClient } from "./management-client.js";
import type { OnceSet } from "./once.js";
import type { RateLimiter, RateRule } from "./rate-limit.js";
import type { Flash, Session } from "./session.js";
import type { RenderView } from "./views.js";

export interface PortalLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PortalLimits {
  readonly signinPerIp: RateRule;
  readonly signinPerAccount: RateRule;
  readonly signupPerIp: RateRule;
  readonly resetPerIp: RateRule;
  /** Reset mails per account, so the form cannot flood one mailbox. */
  readonly resetPerAccount: RateRule;
}

export interface PortalTestHooks {
  /** Test-only: learn each CAPTCHA answer as it is issued. Never set by the composition root. */
  readonly onCaptcha?: (token: string, answer: number) => void;
}

export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  params: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly requestId: string;
  session: Session;
  sessionChanged: boolean;
  form: URLSearchParams;
  /** Response body, written by the server after the session cookie is set. */
  body?: string;
}

export interface PortalApp {
  readonly management: ManagementClient;
  readonly mailer: Mailer;
  readonly keys: PortalKeys;
  readonly clock: Clock;
  readonly log: PortalLog;
  readonly captcha: Captcha;
  readonly once: OnceSet;
  readonly limiter: RateLimiter;
  readonly limits: PortalLimits;
  readonly catalog: Catalog;
  readonly render: RenderView;
  readonly organizationName: string;
  readonly gatewayUrl: string;
  readonly gatewayHttpsUrl: string | undefined;
  readonly testHooks: PortalTestHooks;
  /** Absolute base URL of the portal, for links in e-mails (never taken from the Host header). */
  publicUrl(): string;
}

export type Handler = (app: PortalApp, ctx: Ctx) => Promise<void>;

export interface Route {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly handler: Handler;
  /** "user": signed-in only; "admin": Administrators only. */
  readonly access?: "user" | "admin";
}

export function setFlash(ctx: Ctx, flash: Flash): void {
  ctx.session = { ...ctx.session, flash };
  ctx.sessionChanged = true;
}

export function redirect(ctx: Ctx, location: string, flash?: Flash): void {
  if (flash) setFlash(ctx, flash);
  ctx.res.statusCode = 303;
  ctx.res.setHeader("location", location);
}

export async function page(
  app: PortalApp,
  ctx: Ctx,
  view: string,
  data: Record<string, unknown>,
  status = 200,
): Promise<void> {
  const flash = ctx.session.flash;
  if (flash) {
    const { flash: _used, ...rest } = ctx.session;
    ctx.session = rest;
    ctx.sessionChanged = true;
  }
  const html = await app.render(view, {
    ...data,
    flash,
    csrf: ctx.session.csrf,
    user: ctx.session.uid
      ? { id: ctx.session.uid, name: ctx.session.name, email: ctx.session.email, admin: ctx.session.admin === true }
      : undefined,
    organizationName: app.organizationName,
    path: ctx.url.pathname,
  });
  ctx.res.statusCode = status;
  ctx.res.setHeader("content-type", "text/html; charset=utf-8");
  ctx.body = html;
}

/** A form field, trimmed and bounded so an oversized value is cut rather than passed on. */
export function field(ctx: Ctx, name: string, max = 256): string {
  return (ctx.form.get(name) ?? "").trim().slice(0, max);
}
