// Starts what portal tests need: a management API (the in-test fake of the contract), an SMTP
// capture server and the portal itself on port 0, then seeds a catalog through the management REST
// API with the admin key — the same calls work against the real management API.
import { createManualClock } from "../../core/clock.js";
import { createMailer } from "../mailer.js";
import { createManagementClient, type ManagementClient } from "../management-client.js";
import { createPortal, type Portal, type PortalOptions } from "../server.js";
import { startFakeManagement } from "./fake-management.js";
import { type SmtpCapture, startSmtpCapture } from "./smtp-capture.js";

export interface ManagementUnderTest {
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly ca: string;
  close(): Promise<void>;
}

export interface PortalStack {
  readonly portal: Portal;
  readonly url: string;
  readonly smtp: SmtpCapture;
  readonly management: ManagementUnderTest;
  readonly client: ManagementClient;
  /** The portal's clock, when started with manualClock. */
  readonly clock?: ReturnType<typeof createManualClock>;
  /** Latest CAPTCHA answers by token, from the explicit test hook. */
  readonly captchas: Map<string, number>;
  close(): Promise<void>;
}

export const echoOpenApi = {
  openapi: "3.0.1",
  info: { title: "Echo API", version: "1.0" },
  paths: {
    "/echo/{id}": {
      get: {
        operationId: "get-echo",
        summary: "Echo a resource",
        description: "Returns what it was sent.",
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string", example: "42" } },
          { name: "verbose", in: "query", schema: { type: "boolean" } },
        ],
        responses: {
          "200": {
            description: "The echo",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Echo" } } },
          },
        },
      },
    },
    "/items": {
      post: {
        operationId: "create-item",
        summary: "Create an item",
        requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Item" } } } },
        responses: { "201": { description: "Created" } },
      },
    },
  },
  components: {
    schemas: {
      Echo: { type: "object", properties: { id: { type: "string" }, method: { type: "string", example: "GET" } } },
      Item: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string", example: "widget" }, count: { type: "integer" } },
      },
    },
  },
};

export async function seedCatalog(client: ManagementClient, upstreamUrl: string): Promise<void> {
  const admin = { kind: "admin" } as const;
  const put = (path: string, properties: Record<string, unknown>) =>
    client.expect("PUT", path, admin, [200, 201], { body: { properties } });
  await put("/apis/echo", {
    displayName: "Echo API",
    description: "Echoes requests back",
    path: "echo",
    serviceUrl: upstreamUrl,
    protocols: ["http", "https"],
    format: "openapi+json",
    value: JSON.stringify(echoOpenApi),
  });
  await put("/apis/secret-api", {
    displayName: "Secret API",
    path: "secret",
    serviceUrl: upstreamUrl,
    protocols: ["http"],
  });
  const products: Array<[string, Record<string, unknown>, string[], string[]]> = [
    [
      "starter",
      {
        displayName: "Starter",
        description: "Free tier with the echo API",
        subscriptionRequired: true,
        approvalRequired: false,
        state: "published",
      },
      ["echo"],
      ["guests", "developers"],
    ],
    [
      "gold",
      {
        displayName: "Gold",
        description: "Needs approval",
        subscriptionRequired: true,
        approvalRequired: true,
        state: "published",
      },
      ["echo"],
      ["developers"],
    ],
    [
      "internal",
      { displayName: "Internal", description: "Admins only", subscriptionRequired: true, state: "published" },
      ["secret-api"],
      ["administrators"],
    ],
    [
      "draft",
      { displayName: "Draft", description: "Not published", subscriptionRequired: true, state: "notPublished" },
      ["echo"],
      ["guests", "developers"],
    ],
  ];
  for (const [name, props, apis, groups] of products) {
    await put(`/products/${name}`, props);
    for (const a of apis) await put(`/products/${name}/apis/${a}`, {});
    for (const g of groups) await put(`/products/${name}/groups/${g}`, {});
  }
  // An administrator besides the built-in one: a member of the Administrators group.
  await client.expect("PUT", "/users/portal-admin", admin, [200, 201], {
    body: {
      properties: {
        email: "admin@moat.test",
        firstName: "Ada",
        lastName: "Admin",
        password: "Initial-Admin-Pass-1",
        state: "active",
      },
    },
  });
  await put("/groups/administrators/users/portal-admin", {});
  await put("/templates/confirmSignUpIdentityDefault", {
    subject: "Confirm your Moat Test account, $DevFirstName",
    body: '<p>Hello $DevFirstName $DevLastName,</p><p>Confirm: <a href="$ConfirmUrl">$ConfirmUrl</a></p>',
  });
}

export interface StackOptions {
  readonly upstreamUrl?: string;
  readonly gatewayUrl?: string;
  readonly portal?: Partial<PortalOptions>;
  readonly manualClock?: boolean;
  /** The management API to run against: the real one from a test file, else the contract fake. */
  readonly management?: () => Promise<ManagementUnderTest>;
}

export async function startPortalStack(opts: StackOptions = {}): Promise<PortalStack> {
  const management = await (opts.management ?? startFakeManagement)();
  const smtp = await startSmtpCapture();
  const client = createManagementClient({
    baseUrl: management.baseUrl,
    adminKey: management.adminKey,
    ca: management.ca,
  });
  await seedCatalog(client, opts.upstreamUrl ?? "http://127.0.0.1:9");
  const captchas = new Map<string, number>();
  const clock = opts.manualClock ? createManualClock(Date.now()) : undefined;
  const mailer = createMailer({ host: "127.0.0.1", port: smtp.port, secure: false, from: "portal@moat.test" }, client, {
    warn: () => {},
  });
  const portal = createPortal({
    management: client,
    mailer,
    secret: "test-secret-0123456789abcdef",
    gatewayUrl: opts.gatewayUrl ?? "http://127.0.0.1:9",
    gatewayHttpsUrl: "https://127.0.0.1:10",
    organizationName: "Moat Test",
    catalogTtlMs: 0,
    // Unexpected failures are printed so a failing test shows its cause.
    log: { info() {}, warn() {}, error: (obj, msg) => console.error(msg, obj) },
    testHooks: { onCaptcha: (token, answer) => captchas.set(token, answer) },
    ...(clock ? { clock } : {}),
    ...opts.portal,
  });
  const addr = await portal.listen(0, "127.0.0.1");
  return {
    portal,
    url: `http://127.0.0.1:${addr.port}`,
    smtp,
    management,
    client,
    captchas,
    ...(clock ? { clock } : {}),
    async close() {
      await portal.close();
      mailer.close();
      await client.close();
      await smtp.close();
      await management.close();
    },
  };
}

/** The CAPTCHA answer for the sign-up page just fetched (test hook). */
export function captchaFor(stack: PortalStack, html: string): { captchaToken: string; captcha: string } {
  const token = /name="captchaToken" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const answer = stack.captchas.get(token.replace(/&amp;/g, "&"));
  if (answer === undefined) throw new Error("no CAPTCHA on the page");
  return { captchaToken: token, captcha: String(answer) };
}

export function linkIn(text: string, path: string): string {
  const m = new RegExp(`https?://[^\\s"<>]+${path.replace(/\//g, "\\/")}\\?token=[^\\s"<>)]+`).exec(text);
  if (!m) throw new Error(`no ${path} link in mail: ${text.slice(0, 300)}`);
  return m[0].replace(/&amp;/g, "&");
}

/** Users with this e-mail, asked of the management API with the admin key. */
export async function usersWithEmail(stack: PortalStack, email: string): Promise<number> {
  const users = await stack.client.list<{ email?: string }>("/users", { kind: "admin" });
  return users.filter((u) => u.properties.email === email).length;
}

export async function userCount(stack: PortalStack): Promise<number> {
  return (await stack.client.list("/users", { kind: "admin" })).length;
}

export async function subscriptionsNamed(stack: PortalStack, displayName: string): Promise<number> {
  const subs = await stack.client.list<{ displayName?: string }>("/subscriptions", { kind: "admin" });
  return subs.filter((s) => s.properties.displayName === displayName).length;
}

export async function subscriptionState(stack: PortalStack, sid: string): Promise<string | undefined> {
  const res = await stack.client.call("GET", `/subscriptions/${sid}`, { kind: "admin" });
  return (res.body as { properties?: { state?: string } } | undefined)?.properties?.state;
}

export async function adminEmail(stack: PortalStack): Promise<string> {
  const res = await stack.client.expect("GET", "/users/portal-admin", { kind: "admin" }, [200]);
  return String((res.body as { properties?: { email?: string } }).properties?.email ?? "");
}
