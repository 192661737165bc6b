// The portal over real sockets: a management API speaking the contract over HTTPS, a real SMTP
// server capturing mails, and form posts the way a browser sends them.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startApp } from "../cli/app.js";
import { defaultConfig } from "../cli/config.js";
import { createFormClient, type FormClient } from "./test-support/form-client.js";
import {
  adminEmail,
  captchaFor,
  linkIn,
  type ManagementUnderTest,
  type PortalStack,
  startPortalStack,
  subscriptionState,
  subscriptionsNamed,
  userCount,
  usersWithEmail,
} from "./test-support/stack.js";

/** Moat's real management API (in-memory SQLite store, its own self-signed certificate). */
export async function startRealManagement(): Promise<ManagementUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), "moat-portal-"));
  const adminKey = "portal-test-admin-key-0123456789";
  const app = await startApp({
    ...defaultConfig,
    dataDir,
    store: "sqlite::memory:",
    adminKey,
    management: { host: "127.0.0.1", port: 0 },
    // startApp starts its own portal too; these tests drive the one startPortalStack creates.
    portal: { host: "127.0.0.1", port: 0 },
    gateway: { ...defaultConfig.gateway, host: "127.0.0.1", httpPort: 0, httpsPort: 0 },
  });
  return {
    baseUrl: app.managementUrl,
    adminKey,
    ca: readFileSync(join(dataDir, "tls-cert.pem"), "utf8"),
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// MOAT_TEST_PORTAL_FAKE=1 runs the same suite against the in-test fake of the contract.
const management = process.env.MOAT_TEST_PORTAL_FAKE === "1" ? undefined : startRealManagement;

let stack: PortalStack;
before(async () => {
  stack = await startPortalStack({
    ...(management ? { management } : {}),
    portal: {
      limits: {
        signinPerAccount: { limit: 5, windowMs: 60_000 },
        signinPerIp: { limit: 1000, windowMs: 60_000 },
        signupPerIp: { limit: 1000, windowMs: 60_000 },
      },
    },
  });
});
after(() => stack.close());

const strong = "Correct-Horse-7";

async function signUp(c: FormClient, email: string, over: Record<string, string> = {}) {
  const form = await c.get("/signup");
  return c.post("/signup", {
    email,
    firstName: "Ada",
    lastName: "Lovelace",
    password: strong,
    confirmPassword: strong,
    ...captchaFor(stack, form.html),
    ...over,
  });
}

async function signUpAndConfirm(email: string): Promise<FormClient> {
  const c = createFormClient(stack.url);
  const page = await signUp(c, email);
  assert.equal(page.status, 200, page.html);
  const mail = await stack.smtp.waitFor(email, (m) => m.subject.startsWith("Confirm"));
  const confirmed = await c.get(linkIn(mail.text, "/confirm"));
  assert.match(confirmed.html, /Your account is confirmed/);
  const signedIn = await c.post("/signin", { email, password: strong });
  assert.match(signedIn.url, /\/profile$/, text(signedIn.html));
  return c;
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;|&quot;|&amp;|&lt;|&gt;/g, " ")
    .replace(/\s+/g, " ");

describe("sign-up", () => {
  test("bad input gives a clear message and creates nothing", async () => {
    const c = createFormClient(stack.url);
    const before = await userCount(stack);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ email: "not-an-email" }, /valid e-mail/],
      [{ password: "short", confirmPassword: "short" }, /at least 10 characters/],
      [{ password: "alllowercaseletters", confirmPassword: "alllowercaseletters" }, /three of/],
      [{ confirmPassword: "Different-Pass-9" }, /do not match/],
      [{ captcha: "99999" }, /CAPTCHA answer is wrong/],
      [{ captchaToken: "forged.123.abc" }, /CAPTCHA/],
      [{ firstName: "" }, /First name is required/],
    ];
    for (const [over, message] of cases) {
      const page = await signUp(c, "bad@example.com", over);
      assert.equal(page.status, 400, JSON.stringify(over));
      assert.match(text(page.html), message, JSON.stringify(over));
    }
    assert.equal(await userCount(stack), before);
  });

  test("a CAPTCHA answer works once", async () => {
    const c = createFormClient(stack.url);
    const form = await c.get("/signup");
    const cap = captchaFor(stack, form.html);
    const base = { email: "once@example.com", firstName: "A", lastName: "B", password: strong, confirmPassword: "x" };
    await c.post("/signup", { ...base, ...cap });
    const replay = await c.post("/signup", { ...base, confirmPassword: strong, ...cap });
    assert.equal(replay.status, 400);
    assert.match(text(replay.html), /already used/);
  });

  test("confirmation mail, single-use link, duplicate refused, sign-in", async () => {
    const c = createFormClient(stack.url);
    const page = await signUp(c, "grace@example.com");
    assert.match(text(page.html), /Check your e-mail/);
    const mail = await stack.smtp.waitFor("grace@example.com");
    // The template comes from the management API's templates resource.
    assert.equal(mail.subject, "Confirm your Moat Test account, Ada");
    const link = linkIn(mail.text, "/confirm");

    await c.get("/signin");
    const early = await c.post("/signin", { email: "grace@example.com", password: strong });
    assert.equal(early.status, 401, text(early.html));
    assert.match(text(early.html), /not confirmed yet/);

    const dup = await signUp(createFormClient(stack.url), "grace@example.com");
    assert.equal(dup.status, 409);
    assert.match(text(dup.html), /already exists/);
    assert.equal(await usersWithEmail(stack, "grace@example.com"), 1);

    const ok = await c.get(link);
    assert.match(text(ok.html), /Your account is confirmed/);
    const replay = await c.get(link);
    assert.equal(replay.status, 409);
    assert.match(text(replay.html), /already used/);
    const tampered = await c.get(`${link.slice(0, -3)}abc`);
    assert.equal(tampered.status, 400);
    assert.match(text(tampered.html), /not valid/);

    await c.get("/signin");
    const wrong = await c.post("/signin", { email: "grace@example.com", password: "Wrong-Password-1" });
    assert.equal(wrong.status, 401);
    const signedIn = await c.post("/signin", { email: "grace@example.com", password: strong });
    assert.match(signedIn.url, /\/profile$/);
    assert.match(text(signedIn.html), /Your profile/);
    assert.match(text(signedIn.html), /No subscriptions yet/);
  });
});

describe("sessions and CSRF", () => {
  test("cookies are HttpOnly and SameSite; forged cookies are no session", async () => {
    const c = createFormClient(stack.url);
    const res = await fetch(`${stack.url}/signin`);
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, "plain-HTTP development default");
    c.setCookie("moat_portal=AAAAforgedAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    const profile = await c.get("/profile");
    assert.match(profile.url, /\/signin\?next=%2Fprofile$/);
  });

  test("posts without the session's CSRF token, or from another origin, are refused", async () => {
    const c = await signUpAndConfirm("csrf@example.com");
    await c.get("/products/starter");
    const none = await c.post("/products/starter/subscribe", { displayName: "x" }, { csrf: null });
    assert.equal(none.status, 403);
    assert.match(text(none.html), /not sent from the current portal session/);
    const wrong = await c.post("/products/starter/subscribe", { displayName: "x" }, { csrf: "wrong" });
    assert.equal(wrong.status, 403);
    await c.get("/products/starter");
    const cross = await c.post(
      "/products/starter/subscribe",
      { displayName: "x" },
      { headers: { origin: "https://evil.example" } },
    );
    assert.equal(cross.status, 403);
    assert.equal(await subscriptionsNamed(stack, "x"), 0);
  });

  test("sign-in is rate-limited per account", async () => {
    const c = createFormClient(stack.url);
    await c.get("/signin");
    let last = 0;
    for (let i = 0; i < 6; i++)
      last = (await c.post("/signin", { email: "victim@example.com", password: `Guess-${i}-abcdef` })).status;
    assert.equal(last, 429);
  });
});

describe("sign-up rate limit", () => {
  test("sign-up is rate-limited per IP", async () => {
    const small = await startPortalStack({
      ...(management ? { management } : {}),
      portal: { limits: { signupPerIp: { limit: 2, windowMs: 60_000 } } },
    });
    try {
      const c = createFormClient(small.url);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const form = await c.get("/signup");
        const token = /name="captchaToken" value="([^"]+)"/.exec(form.html)?.[1] ?? "";
        const page = await c.post("/signup", { email: "bad", captchaToken: token, captcha: "0" });
        statuses.push(page.status);
        if (i === 2) assert.match(text(page.html), /Too many sign-up attempts/);
      }
      assert.deepEqual(statuses, [400, 400, 429]);
    } finally {
      await small.close();
    }
  });
});

describe("bad requests", () => {
  test("malformed paths, oversized forms, wrong methods and unknown pages get clear answers", async () => {
    const c = createFormClient(stack.url);
    assert.equal((await c.get("/products/%E0%A4%A")).status, 400);
    assert.equal((await c.get("/no/such/page")).status, 404);
    const wrongMethod = await fetch(`${stack.url}/signup`, { method: "PUT" });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "GET, POST");
    const postOnly = await fetch(`${stack.url}/signout`);
    assert.equal(postOnly.status, 405);
    assert.equal(postOnly.headers.get("allow"), "POST");
    await c.get("/signin");
    const huge = await c.post("/signin", { email: "a@b.co", password: "x".repeat(70_000) });
    assert.equal(huge.status, 413);
    assert.equal((await fetch(`${stack.url}/captcha.svg?c=forged`)).status, 404);
    const headers = (await fetch(`${stack.url}/`)).headers;
    assert.match(headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(headers.get("x-frame-options"), "DENY");
  });
});

describe("expiry", () => {
  test("an expired confirmation link is refused and the account stays pending", async () => {
    const timed = await startPortalStack({ ...(management ? { management } : {}), manualClock: true });
    try {
      const c = createFormClient(timed.url);
      const form = await c.get("/signup");
      await c.post("/signup", {
        email: "late@example.com",
        firstName: "Late",
        lastName: "Comer",
        password: strong,
        confirmPassword: strong,
        ...captchaFor(timed, form.html),
      });
      const mail = await timed.smtp.waitFor("late@example.com");
      timed.clock?.advance(49 * 60 * 60_000);
      const page = await c.get(linkIn(mail.text, "/confirm"));
      assert.equal(page.status, 400);
      assert.match(text(page.html), /This link has expired/);
      const users = await timed.client.list<{ email?: string; state?: string }>("/users", { kind: "admin" });
      assert.equal(users.find((u) => u.properties.email === "late@example.com")?.properties.state, "pending");
      // The session cookie expired with the clock too: a stale cookie is no session.
      assert.match((await c.get("/profile")).url, /\/signin/);
    } finally {
      await timed.close();
    }
  });
});

describe("catalog", () => {
  test("guests see only guest products; developers more; never unpublished ones", async () => {
    const guest = createFormClient(stack.url);
    const g = text((await guest.get("/catalog")).html);
    assert.match(g, /Starter/);
    assert.doesNotMatch(g, /Gold|Internal|Draft|Secret API/);
    assert.doesNotMatch(g, /Results for/, "no search, no results line");
    assert.equal((await guest.get("/products/gold")).status, 404);
    assert.equal((await guest.get("/apis/secret-api")).status, 404);
    const dev = await signUpAndConfirm("catalog@example.com");
    const d = text((await dev.get("/catalog")).html);
    assert.match(d, /Gold/);
    assert.doesNotMatch(d, /Internal|Draft|Secret API/);
    const search = text((await dev.get("/catalog?q=approval")).html);
    assert.match(search, /Gold/);
    assert.doesNotMatch(search, /Starter/);
  });

  test("the API page renders operations, schemas, examples and code samples", async () => {
    const c = createFormClient(stack.url);
    const page = await c.get("/apis/echo?operation=create-item");
    assert.equal(page.status, 200);
    const t = text(page.html);
    assert.match(t, /Create an item/);
    assert.match(t, /Echo a resource/);
    assert.match(t, /Request body application\/json/);
    assert.match(page.html, /&#34;name&#34;: &#34;widget&#34;/, "the example comes from the imported schema");
    for (const lang of ["curl -X POST", "await fetch(", "import requests", "new HttpClient()"])
      assert.ok(page.html.includes(lang), lang);
    assert.match(page.html, /id="tryit"/);
    assert.doesNotMatch(page.html, /<script>/, "no inline script (CSP)");
    assert.match(t, /Base URL http:\/\/127\.0\.0\.1:9\/echo/, "an API that accepts http is shown on the http gateway");
  });

  test("an https-only API is shown and tried on the gateway's https URL", async () => {
    const admin = { kind: "admin" } as const;
    const patch = (protocols: string[]) =>
      stack.client.expect("PATCH", "/apis/echo", admin, [200, 204], {
        body: { properties: { protocols } },
        headers: { "if-match": "*" },
      });
    await patch(["https"]);
    try {
      const page = await createFormClient(stack.url).get("/apis/echo");
      assert.match(text(page.html), /Base URL https:\/\/127\.0\.0\.1:10\/echo/);
      assert.match(
        page.headers.get("content-security-policy") ?? "",
        /connect-src 'self' http:\/\/127\.0\.0\.1:9 https:\/\/127\.0\.0\.1:10/,
      );
    } finally {
      await patch(["http", "https"]);
    }
  });
});

describe("subscriptions", () => {
  test("subscribe, show keys, regenerate, rename, cancel; others cannot read the keys", async () => {
    const alice = await signUpAndConfirm("alice@example.com");
    await alice.get("/products/starter");
    const subscribed = await alice.post("/products/starter/subscribe", { displayName: "Alice app" });
    assert.match(text(subscribed.html), /You are subscribed to Starter/);
    const sid = /data-subscription="([^"]+)"/.exec(subscribed.html)?.[1] ?? "";
    assert.ok(sid);
    const keys = async (c: FormClient) => {
      const res = await fetch(`${stack.url}/subscriptions/${sid}/keys`, {
        method: "POST",
        headers: { cookie: c.cookie ?? "", "x-csrf-token": c.csrf() },
      });
      return { status: res.status, body: (await res.json()) as { primaryKey?: string } };
    };
    const first = await keys(alice);
    assert.equal(first.status, 200);
    assert.match(first.body.primaryKey ?? "", /^[0-9a-f]{32}$/);
    assert.doesNotMatch(subscribed.html, new RegExp(first.body.primaryKey ?? "x"), "keys are not embedded in pages");

    const bob = await signUpAndConfirm("bob@example.com");
    await bob.get("/profile");
    const stolen = await keys(bob);
    assert.equal(stolen.status, 404);
    assert.equal(stolen.body.primaryKey, undefined);
    const bobCancel = await bob.post(`/subscriptions/${sid}/cancel`, {});
    assert.match(text(bobCancel.html), /not found/);

    await alice.post(`/subscriptions/${sid}/regenerate`, { key: "primary" });
    const second = await keys(alice);
    assert.notEqual(second.body.primaryKey, first.body.primaryKey);
    const renamed = await alice.post(`/subscriptions/${sid}/rename`, { displayName: "Renamed app" });
    assert.match(renamed.html, /value="Renamed app"/);
    const cancelled = await alice.post(`/subscriptions/${sid}/cancel`, {});
    assert.match(text(cancelled.html), /cancelled/);
    assert.equal(await subscriptionState(stack, sid), "cancelled");
  });

  test("approval: request mails the developer and admins; admin approves or rejects", async () => {
    const admin = await adminEmail(stack);
    assert.ok(admin);
    const dev = await signUpAndConfirm("approval@example.com");
    await dev.get("/products/gold");
    const req = await dev.post("/products/gold/subscribe", { displayName: "Gold app" });
    assert.match(text(req.html), /awaits approval/);
    await stack.smtp.waitFor("approval@example.com", (m) => /subscription request/.test(m.subject));
    await stack.smtp.waitFor(admin, (m) => /Subscription request for the Gold product/.test(m.subject));
    const forbidden = await dev.get("/admin");
    assert.equal(forbidden.status, 403);

    // The built-in administrator signs in with a password set through the reset flow.
    const a = createFormClient(stack.url);
    await a.get("/reset");
    await a.post("/reset", { email: admin });
    const resetMail = await stack.smtp.waitFor(admin, (m) => /password/i.test(m.subject));
    const form = await a.get(linkIn(resetMail.text, "/reset/confirm"));
    const token = /name="token" value="([^"]+)"/.exec(form.html)?.[1] ?? "";
    const weak = await a.post("/reset/confirm", { token, password: "weak", confirmPassword: "weak" });
    assert.equal(weak.status, 400);
    await a.post("/reset/confirm", { token, password: "Keeper-Of-Gates-9", confirmPassword: "Keeper-Of-Gates-9" });
    const replay = await a.get(linkIn(resetMail.text, "/reset/confirm"));
    assert.match(text(replay.html), /already used/);
    await a.get("/signin");
    await a.post("/signin", { email: admin, password: "Keeper-Of-Gates-9" });
    const queue = await a.get("/admin");
    assert.equal(queue.status, 200);
    const sid = /data-subscription="([^"]+)"/.exec(queue.html)?.[1] ?? "";
    assert.match(text(queue.html), /Gold app/);
    const approved = await a.post(`/admin/subscriptions/${sid}/approve`, {});
    assert.match(text(approved.html), /approved/);
    assert.equal(await subscriptionState(stack, sid), "active");
    await stack.smtp.waitFor("approval@example.com", (m) => /Your subscription to the Gold/.test(m.subject));
    const again = await a.post(`/admin/subscriptions/${sid}/reject`, {});
    assert.match(text(again.html), /already handled/);

    await dev.get("/products/gold");
    await dev.post("/products/gold/subscribe", { displayName: "Second try" });
    const queue2 = await a.get("/admin");
    const sid2 = /data-subscription="([^"]+)"/.exec(queue2.html)?.[1] ?? "";
    await a.post(`/admin/subscriptions/${sid2}/reject`, {});
    assert.equal(await subscriptionState(stack, sid2), "rejected");
    await stack.smtp.waitFor("approval@example.com", (m) => /not approved|decline/.test(m.text));
  });
});

describe("profile", () => {
  test("rename yourself and change your password (current password required)", async () => {
    const c = await signUpAndConfirm("profile@example.com");
    const saved = await c.post("/profile", { firstName: "Augusta", lastName: "King" });
    assert.match(text(saved.html), /Your profile was saved/);
    assert.match(text(saved.html), /Augusta King/);
    const empty = await c.post("/profile", { firstName: "", lastName: "King" });
    assert.equal(empty.status, 400);
    const wrong = await c.post("/profile/password", {
      currentPassword: "Not-The-Password-1",
      password: "Brand-New-Pass-2",
      confirmPassword: "Brand-New-Pass-2",
    });
    assert.equal(wrong.status, 400);
    assert.match(text(wrong.html), /current password is wrong/);
    const ok = await c.post("/profile/password", {
      currentPassword: strong,
      password: "Brand-New-Pass-2",
      confirmPassword: "Brand-New-Pass-2",
    });
    assert.match(text(ok.html), /Your password was changed/);
    const fresh = createFormClient(stack.url);
    await fresh.get("/signin");
    assert.match(
      (await fresh.post("/signin", { email: "profile@example.com", password: "Brand-New-Pass-2" })).url,
      /\/profile$/,
    );
  });
});

describe("password reset", () => {
  test("reset does not reveal accounts and finishes a pending sign-up", async () => {
    const c = createFormClient(stack.url);
    await c.get("/reset");
    const unknown = await c.post("/reset", { email: "nobody@example.com" });
    assert.match(text(unknown.html), /If an account exists/);
    await signUp(c, "pending@example.com");
    await c.get("/reset");
    await c.post("/reset", { email: "pending@example.com" });
    const mail = await stack.smtp.waitFor("pending@example.com", (m) => /password/i.test(m.subject));
    const form = await c.get(linkIn(mail.text, "/reset/confirm"));
    const token = /name="token" value="([^"]+)"/.exec(form.html)?.[1] ?? "";
    const mismatch = await c.post("/reset/confirm", {
      token,
      password: "New-Password-77",
      confirmPassword: "Other-Password-77",
    });
    assert.match(text(mismatch.html), /do not match/);
    const done = await c.post("/reset/confirm", {
      token,
      password: "New-Password-77",
      confirmPassword: "New-Password-77",
    });
    assert.match(text(done.html), /password was changed/);
    const signedIn = await c.post("/signin", { email: "pending@example.com", password: "New-Password-77" });
    assert.match(signedIn.url, /\/profile$/);
  });
});
