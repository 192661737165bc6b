// End to end in headless Chromium against a running Moat: the real management API (HTTPS, SQLite),
// the real gateway with the real policy engine on the same store, a node:http upstream, a real SMTP
// server, and the portal started through the composition root's startPortal. A new user signs up,
// solves the CAPTCHA, confirms by e-mail, signs in, subscribes, copies the key and calls the API
// through the gateway from the try-it console; another user cannot read the first user's keys.
// Screenshots go to test-output/portal/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { type Browser, chromium, type Page } from "playwright-core";
import { type App, startApp } from "../cli/app.js";
import { defaultConfig } from "../cli/config.js";
import { type PortalComponent, startPortal } from "../cli/portal-wiring.js";
import { apimPolicyEngine, createGateway, type Gateway } from "../gateway/index.js";
import { createTestCaches, createTestCounters, startUpstream, type Upstream } from "../gateway/testing/harness.js";
import { freePort } from "../test-support/ports.js";
import { createManagementClient, type ManagementClient } from "./management-client.js";
import { type SmtpCapture, startSmtpCapture } from "./test-support/smtp-capture.js";
import { seedCatalog } from "./test-support/stack.js";

const chromiumPath = "/usr/bin/chromium";
const shots = join(process.cwd(), "test-output", "portal");
const adminKey = "portal-e2e-admin-key-0123456789";
const password = "Tr1cky-Secret-Pass";

let dataDir: string;
let app: App;
let upstream: Upstream;
let gateway: Gateway;
let gatewayUrl: string;
let portal: PortalComponent;
let smtp: SmtpCapture;
let client: ManagementClient;
let browser: Browser;
let appPortalPort: number;
const captchas = new Map<string, number>();

/** A free loopback port, so the gateway can be told the portal's origin before the portal starts. */
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "moat-portal-e2e-"));
  mkdirSync(shots, { recursive: true });
  smtp = await startSmtpCapture();
  upstream = await startUpstream();
  const portalPort = await freePort();
  const config = {
    ...defaultConfig,
    dataDir,
    store: "sqlite::memory:",
    adminKey,
    management: { host: "127.0.0.1", port: 0 },
    portal: { host: "127.0.0.1", port: portalPort },
    smtp: { host: "127.0.0.1", port: smtp.port, secure: false, from: "portal@moat.test" },
  };
  // startApp starts a portal of its own; the test drives a second one with the CAPTCHA hook.
  appPortalPort = await freePort();
  app = await startApp({
    ...config,
    portal: { host: "127.0.0.1", port: appPortalPort },
    gateway: { ...config.gateway, host: "127.0.0.1", httpPort: 0, httpsPort: 0 },
  });
  client = createManagementClient({
    baseUrl: app.managementUrl,
    adminKey,
    ca: readFileSync(join(dataDir, "tls-cert.pem"), "utf8"),
  });
  await seedCatalog(client, upstream.url);
  const caches = createTestCaches();
  gateway = createGateway({
    store: app.store,
    engine: apimPolicyEngine,
    logger: pino({ level: "silent" }),
    counters: createTestCounters(),
    responseCache: caches.responseCache,
    valueCache: caches.valueCache,
    addresses: [{ host: "127.0.0.1", port: 0 }],
    portalOrigins: [`http://127.0.0.1:${portalPort}`],
    debounceMs: 5,
  });
  const bound = await gateway.listen();
  gatewayUrl = `http://127.0.0.1:${bound[0]?.port}`;
  portal = await startPortal(config, {
    managementUrl: app.managementUrl,
    adminKey,
    managementCa: readFileSync(join(dataDir, "tls-cert.pem"), "utf8"),
    secret: "e2e-deployment-signing-key-0123456789",
    gatewayUrl,
    log: { info() {}, warn() {}, error: (obj, msg) => console.error(msg, obj) },
    testHooks: { onCaptcha: (token, answer) => captchas.set(token, answer) },
  });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});

after(async () => {
  await browser?.close();
  await portal?.close();
  await gateway?.close();
  await client?.close();
  await app?.close();
  await upstream?.close();
  await smtp?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function solveCaptcha(page: Page): Promise<string> {
  const token = await page.inputValue('input[name="captchaToken"]');
  const answer = captchas.get(token);
  assert.notEqual(answer, undefined, "the test hook saw the CAPTCHA");
  return String(answer);
}

async function signUpInBrowser(page: Page, email: string, shot = false): Promise<void> {
  await page.goto(`${portal.url}/signup`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="firstName"]', "Katherine");
  await page.fill('input[name="lastName"]', "Johnson");
  await page.fill('input[name="password"]', password);
  await page.fill('input[name="confirmPassword"]', password);
  await page.fill('input[name="captcha"]', await solveCaptcha(page));
  if (shot) await page.screenshot({ path: join(shots, "signup.png"), fullPage: true });
  await page.click('#signup-form button[type="submit"]');
  await page.waitForSelector("text=Check your e-mail");
  const mail = await smtp.waitFor(email);
  const link = /https?:\/\/\S+\/confirm\?token=[^\s"<>)]+/.exec(mail.text)?.[0];
  assert.ok(link, mail.text);
  await page.goto(link);
  await page.waitForSelector("text=Your account is confirmed");
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('#signin-form button[type="submit"]');
  await page.waitForURL(/\/profile$/);
}

test("startApp starts the portal next to the management API", async () => {
  assert.ok(
    app.components.some((c) => c.name === "portal"),
    app.components.map((c) => c.name).join(", "),
  );
  const res = await fetch(`http://127.0.0.1:${appPortalPort}/catalog`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Echo API/);
});

test("sign up, confirm, sign in, subscribe, copy the key, try it through the gateway", {
  timeout: 120_000,
}, async () => {
  assert.ok(existsSync(chromiumPath), "chromium is installed");
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: portal.url });
  const page = await context.newPage();
  const failedRequests: string[] = [];
  page.on("requestfailed", (r) => failedRequests.push(r.url()));

  await page.goto(`${portal.url}/`);
  await page.screenshot({ path: join(shots, "home.png"), fullPage: true });
  await page.goto(`${portal.url}/catalog`);
  assert.ok(await page.isVisible("text=Echo API"));
  await page.screenshot({ path: join(shots, "catalog.png"), fullPage: true });

  // A wrong CAPTCHA answer: a clear message, and a fresh challenge.
  await page.goto(`${portal.url}/signup`);
  await page.fill('input[name="email"]', "kj@example.com");
  await page.fill('input[name="firstName"]', "Katherine");
  await page.fill('input[name="lastName"]', "Johnson");
  await page.fill('input[name="password"]', password);
  await page.fill('input[name="confirmPassword"]', password);
  await page.fill('input[name="captcha"]', String(Number(await solveCaptcha(page)) + 1));
  await page.click('#signup-form button[type="submit"]');
  await page.waitForSelector("text=The CAPTCHA answer is wrong");
  await page.screenshot({ path: join(shots, "signup-error.png"), fullPage: true });

  await signUpInBrowser(page, "kj@example.com", true);

  await page.goto(`${portal.url}/products/starter`);
  await page.click('#subscribe-form button[type="submit"]');
  await page.waitForSelector("text=You are subscribed to Starter");
  const sid = await page.getAttribute("tr[data-subscription]", "data-subscription");
  assert.ok(sid);
  await page.click('button.show-key[data-which="primary"]');
  await page.waitForFunction(
    () => !document.querySelector('code.key-value[data-which="primary"]')?.textContent?.includes("•"),
  );
  const shown = (await page.textContent('code.key-value[data-which="primary"]'))?.trim() ?? "";
  assert.match(shown, /^[A-Za-z0-9_-]{16,}$/);
  await page.click('button.copy-key[data-which="primary"]');
  await page.waitForSelector('button.copy-key[data-which="primary"]:has-text("Copied")');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, shown);
  await page.screenshot({ path: join(shots, "profile.png"), fullPage: true });

  // The gateway serves what the management API wrote; wait until it has loaded the subscription.
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${gatewayUrl}/echo/echo/1`, { headers: { "ocp-apim-subscription-key": copied } });
    await res.arrayBuffer();
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  await page.goto(`${portal.url}/apis/echo?operation=get-echo`);
  assert.ok(await page.isVisible("text=Echo a resource"));
  await page.fill('input[data-param="id"]', "42");
  await page.click("#tryit-send");
  await page.waitForSelector("#tryit-response[data-status]");
  const status = await page.getAttribute("#tryit-response", "data-status");
  const response = (await page.textContent("#tryit-response")) ?? "";
  assert.equal(status, "200", `${response}\nfailed: ${failedRequests.join(", ")}`);
  assert.match(response, /"url": "\/echo\/42"/, "the upstream saw the call");
  assert.match((await page.textContent("#tryit-request")) ?? "", /GET http:\/\/127\.0\.0\.1:\d+\/echo\/echo\/42/);
  await page.screenshot({ path: join(shots, "api-try-it.png"), fullPage: true });

  // Another user cannot read the first user's keys, whatever they send.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signUpInBrowser(otherPage, "intruder@example.com");
  const stolen = await otherPage.evaluate(async (subscriptionId) => {
    const csrf = document.querySelector<HTMLInputElement>('input[name="_csrf"]')?.value ?? "";
    const res = await fetch(`/subscriptions/${subscriptionId}/keys`, {
      method: "POST",
      headers: { "x-csrf-token": csrf },
    });
    return { status: res.status, body: await res.text() };
  }, sid);
  assert.equal(stolen.status, 404);
  assert.doesNotMatch(stolen.body, new RegExp(copied));
  assert.equal(await otherPage.isVisible(`tr[data-subscription="${sid}"]`), false);
  await other.close();

  // A product that needs approval: the request waits for an administrator, who approves it.
  await page.goto(`${portal.url}/products/gold`);
  await page.click('#subscribe-form button[type="submit"]');
  await page.waitForSelector("text=awaits approval");
  await smtp.waitFor("kj@example.com", (m) => /subscription request/i.test(m.subject));
  const adminContext = await browser.newContext({ viewport: { width: 1280, height: 700 } });
  const adminPage = await adminContext.newPage();
  await adminPage.goto(`${portal.url}/signin`);
  await adminPage.fill('input[name="email"]', "admin@moat.test");
  await adminPage.fill('input[name="password"]', "Initial-Admin-Pass-1");
  await adminPage.click('#signin-form button[type="submit"]');
  await adminPage.waitForURL(/\/profile$/);
  await adminPage.goto(`${portal.url}/admin`);
  await adminPage.waitForSelector("text=Gold subscription");
  await adminPage.screenshot({ path: join(shots, "admin.png"), fullPage: true });
  await adminPage.click('#requests button:has-text("Approve")');
  await adminPage.waitForSelector("text=The request was approved");
  await smtp.waitFor("kj@example.com", (m) => /Your subscription to the Gold/.test(m.subject));
  await adminContext.close();
  await page.goto(`${portal.url}/profile`);
  assert.equal(await page.locator("span.state.active").count(), 2);
  await context.close();
});
