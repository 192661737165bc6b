// The portal's HTTP listener. Lifecycle per request: security headers → session from the sealed cookie
// → route match (table compiled once) → access check → CSRF check for every POST → handler → session
// cookie written if it changed. Errors map to pages in one place.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Clock, systemClock } from "../core/clock.js";
import type { Ctx, PortalApp, PortalLimits, PortalLog, PortalTestHooks, Route } from "./app.js";
import { page, redirect } from "./app.js";
import { createCaptcha } from "./captcha.js";
import { createCatalog } from "./catalog.js";
import { deriveKeys, randomId, safeEqual } from "./crypto.js";
import type { Mailer } from "./mailer.js";
import { type ManagementClient, ManagementError } from "./management-client.js";
import { createOnceSet } from "./once.js";
import { createRateLimiter } from "./rate-limit.js";
import { accountRoutes } from "./routes-account.js";
import { adminRoutes } from "./routes-admin.js";
import { catalogRoutes } from "./routes-catalog.js";
import { profileRoutes } from "./routes-profile.js";
import { subscriptionRoutes } from "./routes-subscriptions.js";
import { cookieName, newSession, openSession, parseCookies, serializeSession } from "./session.js";
import { createViews, portalDir } from "./views.js";

export interface PortalOptions {
  readonly management: ManagementClient;
  readonly mailer: Mailer;
  /** Key material for sessions, links and CAPTCHAs; the same on every portal instance of a deployment. */
  readonly secret: string | Buffer;
  /** Base URL for links in e-mails and the same-origin check; default: the address listened on. */
  readonly publicUrl?: string;
  /** Gateway base URL the try-it console calls from the browser. */
  readonly gatewayUrl: string;
  /** The gateway's HTTPS URL, shown for APIs that accept only https (Azure's default). */
  readonly gatewayHttpsUrl?: string;
  readonly organizationName?: string;
  /** Secure cookies; default: true when publicUrl is https. Plain-HTTP development leaves it off. */
  readonly secureCookies?: boolean;
  readonly catalogTtlMs?: number;
  readonly limits?: Partial<PortalLimits>;
  readonly clock?: Clock;
  readonly log?: PortalLog;
  readonly testHooks?: PortalTestHooks;
}

export interface Portal {
  readonly server: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

const defaultLimits: PortalLimits = {
  signinPerIp: { limit: 30, windowMs: 5 * 60_000 },
  signinPerAccount: { limit: 8, windowMs: 15 * 60_000 },
  signupPerIp: { limit: 10, windowMs: 60 * 60_000 },
  resetPerIp: { limit: 10, windowMs: 60 * 60_000 },
  resetPerAccount: { limit: 3, windowMs: 60 * 60_000 },
};

const silentLog: PortalLog = { info() {}, warn() {}, error() {} };
const maxFormBytes = 64 * 1024;

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((route) => {
    const names: string[] = [];
    const source = route.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:(\w+)/g, (_m, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    return { route, pattern: new RegExp(`^${source}$`), names };
  });
}

const assetTypes: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** Assets are read once at start-up: a fixed, small set, served from memory. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const dir = portalDir("assets");
  const out = new Map<string, { type: string; body: Buffer }>();
  for (const name of ["portal.css", "portal.js"]) {
    const ext = name.slice(name.lastIndexOf("."));
    out.set(`/assets/${name}`, {
      type: assetTypes[ext] ?? "application/octet-stream",
      body: readFileSync(join(dir, name)),
    });
  }
  return out;
}

class FormTooLarge extends Error {}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxFormBytes) throw new FormTooLarge();
    chunks.push(chunk as Buffer);
  }
  if (type !== "application/x-www-form-urlencoded") return new URLSearchParams();
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export function createPortal(options: PortalOptions): Portal {
  const clock = options.clock ?? systemClock;
  const keys = deriveKeys(options.secret);
  const once = createOnceSet(clock);
  let publicUrl = options.publicUrl?.replace(/\/$/, "");
  const secure = options.secureCookies ?? publicUrl?.startsWith("https:") ?? false;
  const gatewayOrigins = [options.gatewayUrl, options.gatewayHttpsUrl]
    .filter((u): u is string => u !== undefined)
    .map((u) => new URL(u).origin)
    .join(" ");
  const app: PortalApp = {
    management: options.management,
    mailer: options.mailer,
    keys,
    clock,
    log: options.log ?? silentLog,
    captcha: createCaptcha(keys, clock, once),
    once,
    limiter: createRateLimiter(clock),
    limits: { ...defaultLimits, ...options.limits },
    catalog: createCatalog(options.management, clock, options.catalogTtlMs ?? 5000),
    render: createViews(),
    organizationName: options.organizationName ?? "Moat",
    gatewayUrl: options.gatewayUrl,
    gatewayHttpsUrl: options.gatewayHttpsUrl,
    testHooks: options.testHooks ?? {},
    publicUrl: () => publicUrl ?? "http://localhost",
  };
  const routes = compileRoutes([
    ...catalogRoutes,
    ...accountRoutes,
    ...profileRoutes,
    ...subscriptionRoutes,
    ...adminRoutes,
  ]);
  const assets = loadAssets();
  const csp = [
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    `connect-src 'self' ${gatewayOrigins}`,
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
  ].join("; ");

  function originAllowed(req: IncomingMessage): boolean {
    // The CSRF token is the defence; Origin is a second check when the browser names a real origin
    // ("null" comes from privacy settings and sandboxed frames, which still need the token).
    const origin = req.headers.origin;
    if (!origin || origin === "null") return true;
    if (publicUrl && origin === new URL(publicUrl).origin) return true;
    // Without a configured public URL, the request's own host is the portal's origin.
    return origin === `${secure ? "https" : "http"}://${req.headers.host ?? ""}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomId(8);
    res.setHeader("x-request-id", requestId);
    res.setHeader("content-security-policy", csp);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("x-frame-options", "DENY");
    // same-origin: our own form posts carry a real Origin; links out never leak token-bearing URLs.
    res.setHeader("referrer-policy", "same-origin");
    const url = new URL(req.url ?? "/", "http://portal.invalid");
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");

    const asset = assets.get(url.pathname);
    if (asset && method === "GET") {
      res.writeHead(200, { "content-type": asset.type, "cache-control": "public, max-age=300" });
      res.end(req.method === "HEAD" ? undefined : asset.body);
      return;
    }
    if (url.pathname === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (url.pathname === "/captcha.svg" && method === "GET") {
      const svg = app.captcha.render(url.searchParams.get("c") ?? "");
      res.writeHead(svg ? 200 : 404, {
        "content-type": svg ? "image/svg+xml" : "text/plain",
        "cache-control": "no-store",
      });
      res.end(svg ?? "unknown CAPTCHA");
      return;
    }

    const existing = openSession(keys.seal, clock, parseCookies(req.headers.cookie).get(cookieName));
    const ctx: Ctx = {
      req,
      res,
      url,
      params: {},
      ip: req.socket.remoteAddress ?? "unknown",
      requestId,
      session: existing ?? newSession(clock),
      sessionChanged: existing === undefined,
      form: new URLSearchParams(),
    };
    res.setHeader("cache-control", "no-store");
    try {
      await dispatch(ctx, method, existing !== undefined);
    } catch (err) {
      await fail(ctx, err);
    }
    if (ctx.sessionChanged && !res.headersSent)
      res.setHeader("set-cookie", serializeSession(keys.seal, ctx.session, secure, clock));
    if (!res.writableEnded) res.end(ctx.body);
  }

  async function dispatch(ctx: Ctx, method: string, hadSession: boolean): Promise<void> {
    let allowedMethods: string[] = [];
    for (const { route, pattern, names } of routes) {
      const m = pattern.exec(ctx.url.pathname);
      if (!m) continue;
      if (route.method !== method) {
        allowedMethods.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [i, name] of names.entries()) {
        try {
          params[name] = decodeURIComponent(m[i + 1] ?? "");
        } catch {
          return page(
            app,
            ctx,
            "message",
            { title: "Bad request", text: "The address is not valid.", error: true },
            400,
          );
        }
      }
      ctx.params = params;
      if (method === "POST") {
        ctx.form = await readForm(ctx.req);
        const token = ctx.form.get("_csrf") ?? String(ctx.req.headers["x-csrf-token"] ?? "");
        if (!hadSession || !originAllowed(ctx.req) || !token || !safeEqual(token, ctx.session.csrf)) {
          app.log.warn(
            {
              requestId: ctx.requestId,
              path: ctx.url.pathname,
              hadSession,
              origin: ctx.req.headers.origin,
              token: token !== "",
            },
            "portal: CSRF check failed",
          );
          return page(
            app,
            ctx,
            "message",
            {
              title: "Form expired",
              text: "This form was not sent from the current portal session (it expired, or came from another site). Reload the page and try again.",
              error: true,
            },
            403,
          );
        }
      }
      if (route.access && !ctx.session.uid) {
        if (method === "GET")
          return redirect(ctx, `/signin?next=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}`);
        return page(app, ctx, "message", { title: "Sign in required", text: "Sign in to do this.", error: true }, 401);
      }
      if (route.access === "admin" && !ctx.session.admin) {
        return page(
          app,
          ctx,
          "message",
          { title: "Forbidden", text: "This page is for administrators.", error: true },
          403,
        );
      }
      return route.handler(app, ctx);
    }
    allowedMethods = [...new Set(allowedMethods)];
    if (allowedMethods.length > 0) {
      ctx.res.setHeader("allow", allowedMethods.join(", "));
      return page(
        app,
        ctx,
        "message",
        { title: "Method not allowed", text: `Use ${allowedMethods.join(" or ")}.`, error: true },
        405,
      );
    }
    return page(
      app,
      ctx,
      "message",
      { title: "Not found", text: "There is no page at this address.", error: true },
      404,
    );
  }

  async function fail(ctx: Ctx, err: unknown): Promise<void> {
    if (ctx.res.headersSent) {
      ctx.res.destroy();
      return;
    }
    if (err instanceof FormTooLarge) {
      return page(
        app,
        ctx,
        "message",
        { title: "Too large", text: "The form is larger than 64 KiB.", error: true },
        413,
      );
    }
    // The SAS token expired or was revoked: the session is over.
    if (err instanceof ManagementError && err.status === 401 && ctx.session.uid) {
      ctx.session = newSession(clock);
      ctx.sessionChanged = true;
      return redirect(ctx, "/signin", { kind: "info", text: "Your session has expired; sign in again." });
    }
    app.log.error({ err, requestId: ctx.requestId, path: ctx.url.pathname }, "portal: request failed");
    try {
      await page(
        app,
        ctx,
        "message",
        {
          title: "Something went wrong",
          text: `The portal could not complete this request. Try again later (request id ${ctx.requestId}).`,
          error: true,
        },
        err instanceof ManagementError ? 502 : 500,
      );
    } catch {
      ctx.res.statusCode = 500;
      ctx.body = `error ${ctx.requestId}`;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      app.log.error({ err }, "portal: unhandled");
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;

  return {
    server,
    listen(port, host = "0.0.0.0") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const addr = server.address() as AddressInfo;
          if (!publicUrl) {
            const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
            publicUrl = `http://${h.includes(":") ? `[${h}]` : h}:${addr.port}`;
          }
          resolve(addr);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
