// The contract the developer portal codes against: password users, GET /identity, user SAS tokens and
// exactly what a developer's token may do.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signSas } from "./sas.js";
import { type Harness, startHarness } from "./test-support/harness.js";

let h: Harness;
const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString("base64")}`;
const v = "api-version=2024-05-01";

before(async () => {
  h = await startHarness();
  await h.call("PUT", "/apis/pub", { properties: { displayName: "Pub", path: "pub" } });
  await h.call("PUT", "/apis/pub/operations/get", {
    properties: { displayName: "Get", method: "GET", urlTemplate: "/" },
  });
  await h.call("PUT", "/apis/hidden", { properties: { displayName: "Hidden", path: "hidden" } });
  await h.call("PUT", "/products/open", {
    properties: { displayName: "Open", state: "published", subscriptionsLimit: 1 },
  });
  await h.call("PUT", "/products/gated", {
    properties: { displayName: "Gated", state: "published", approvalRequired: true },
  });
  await h.call("PUT", "/products/draft", { properties: { displayName: "Draft", state: "notPublished" } });
  await h.call("PUT", "/products/open/apis/pub");
  await h.call("PUT", "/products/draft/apis/hidden");
  await h.call("PUT", "/users/alice", {
    properties: {
      email: "alice@example.com",
      firstName: "Alice",
      lastName: "A",
      password: "correct horse",
      state: "active",
    },
  });
  await h.call("PUT", "/users/bob", {
    properties: {
      email: "bob@example.com",
      firstName: "Bob",
      lastName: "B",
      password: "bobs password",
      confirmation: "signup",
      state: "pending",
    },
  });
  await h.call("PUT", "/subscriptions/bob-sub", {
    properties: { scope: "/products/open", ownerId: "/users/bob", state: "active" },
  });
});
after(() => h.close());

async function aliceToken(): Promise<string> {
  const res = await h.raw("GET", `/identity?${v}`, {
    headers: { authorization: basic("alice@example.com", "correct horse") },
  });
  assert.equal(res.status, 200);
  const header = res.headers.get("ocp-apim-sas-token") as string;
  const m = /^token="(SharedAccessSignature [^"]+)",refresh="true"$/.exec(header);
  assert.ok(m, header);
  return m[1] as string;
}

const as = (token: string, method: string, path: string, body?: unknown) =>
  h.raw(method, `${path}${path.includes("?") ? "&" : "?"}${v}`, {
    headers: { authorization: token, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe("users and /identity", () => {
  test("passwords are write-only and never returned", async () => {
    const got = await h.call("GET", "/users/alice");
    assert.equal(got.body.properties.password, undefined);
    assert.ok(!JSON.stringify(got.body).includes("correct horse"));
    const listed = await h.call("GET", `/users?$filter=${encodeURIComponent("email eq 'alice@example.com'")}`);
    assert.equal(listed.body.count, 1);
    assert.equal(listed.body.value[0].name, "alice");
  });

  test("GET /identity answers the user id and a token; wrong password, pending users get 401", async () => {
    const ok = await h.raw("GET", `/identity?${v}`, {
      headers: { authorization: basic("Alice@Example.com", "correct horse") },
    });
    assert.deepEqual(ok.body, { id: "alice" });
    const wrong = await h.raw("GET", `/identity?${v}`, {
      headers: { authorization: basic("alice@example.com", "nope") },
    });
    assert.equal(wrong.status, 401);
    const pending = await h.raw("GET", `/identity?${v}`, {
      headers: { authorization: basic("bob@example.com", "bobs password") },
    });
    assert.equal(pending.status, 401);
    assert.match(pending.body.error.message, /pending/);
    const short = await h.call("PUT", "/users/carol", {
      properties: { email: "carol@example.com", firstName: "C", lastName: "C", password: "short" },
    });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.details[0].target, "properties.password");
  });

  test("POST users/{uid}/token returns a token without the prefix that authenticates", async () => {
    const res = await h.call("POST", "/users/alice/token", {
      properties: { keyType: "primary", expiry: "2026-12-01T00:00:00Z" },
    });
    assert.equal(res.status, 200);
    assert.match(res.body.value, /^uid=alice&ex=2026-12-01T00:00:00\.0000000Z&sn=/);
    assert.equal((await as(`SharedAccessSignature ${res.body.value}`, "GET", "/users/alice")).status, 200);
  });

  test("an expired or tampered token is 401", async () => {
    const expired = signSas(h.options.signingKey, "alice", h.clock.now() - 1000);
    assert.equal((await as(`SharedAccessSignature ${expired}`, "GET", "/users/alice")).status, 401);
    const forged = signSas("not-the-key-at-all-123", "alice", h.clock.now() + 60_000);
    assert.equal((await as(`SharedAccessSignature ${forged}`, "GET", "/users/alice")).status, 401);
  });
});

describe("what a developer token may do", () => {
  test("read and edit themselves only", async () => {
    const t = await aliceToken();
    assert.equal((await as(t, "GET", "/users/alice")).status, 200);
    assert.equal((await as(t, "GET", "/users/bob")).status, 404);
    assert.equal((await as(t, "GET", "/users")).status, 403);
    const renamed = await as(t, "PATCH", "/users/alice", {
      properties: { firstName: "Alicia", password: "new password!" },
    });
    assert.equal(renamed.status, 400, "PATCH needs If-Match");
    const self = await h.raw("PATCH", `/users/alice?${v}`, {
      headers: { authorization: t, "content-type": "application/json", "if-match": "*" },
      body: JSON.stringify({ properties: { firstName: "Alicia", password: "new password!" } }),
    });
    assert.equal(self.status, 200);
    assert.equal(self.body.properties.firstName, "Alicia");
    const escalate = await h.raw("PATCH", `/users/alice?${v}`, {
      headers: { authorization: t, "content-type": "application/json", "if-match": "*" },
      body: JSON.stringify({ properties: { state: "active", email: "x@y.z" } }),
    });
    assert.equal(escalate.status, 400);
    const again = await h.raw("GET", `/identity?${v}`, {
      headers: { authorization: basic("alice@example.com", "new password!") },
    });
    assert.equal(again.status, 200);
    await h.call("PATCH", "/users/alice", { properties: { password: "correct horse" } }, { "if-match": "*" });
  });

  test("published products, their APIs and operations; nothing unpublished", async () => {
    const t = await aliceToken();
    const products = await as(t, "GET", "/products");
    assert.deepEqual(products.body.value.map((p: { name: string }) => p.name).sort(), ["gated", "open"]);
    assert.equal((await as(t, "GET", "/products/draft")).status, 404);
    assert.equal((await as(t, "GET", "/products/open/apis")).body.count, 1);
    const apis = await as(t, "GET", "/apis");
    assert.deepEqual(
      apis.body.value.map((a: { name: string }) => a.name),
      ["pub"],
    );
    assert.equal((await as(t, "GET", "/apis/pub/operations")).body.count, 1);
    assert.equal((await as(t, "GET", "/apis/hidden")).status, 404);
    assert.equal((await as(t, "PUT", "/apis/x", { properties: { displayName: "x", path: "x" } })).status, 403);
    assert.equal((await as(t, "GET", "/groups/developers")).status, 200);
    assert.equal((await as(t, "GET", "/groups/administrators")).status, 404);
    assert.equal((await as(t, "GET", "/namedValues")).status, 403);
  });

  test("subscriptions: create for self on a published product, within the limit; manage own only", async () => {
    const t = await aliceToken();
    const other = await as(t, "PUT", "/subscriptions/s-bob", {
      properties: { scope: "/products/open", ownerId: "/users/bob" },
    });
    assert.equal(other.status, 400);
    const draft = await as(t, "PUT", "/subscriptions/s-draft", {
      properties: { scope: "/products/draft", ownerId: "/users/alice" },
    });
    assert.equal(draft.status, 400);
    const created = await as(t, "PUT", "/subscriptions/s-open", {
      properties: { scope: "/products/open", ownerId: "/users/alice", displayName: "Mine", state: "active" },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.properties.state, "active");
    const limited = await as(t, "PUT", "/subscriptions/s-open2", {
      properties: { scope: "/products/open", ownerId: "/users/alice" },
    });
    assert.equal(limited.status, 409);
    const gated = await as(t, "PUT", "/subscriptions/s-gated", {
      properties: { scope: "/products/gated", ownerId: "/users/alice", state: "active" },
    });
    assert.equal(gated.body.properties.state, "submitted");
    assert.equal((await as(t, "GET", "/users/alice/subscriptions")).body.count, 2);
    assert.equal((await as(t, "GET", "/subscriptions")).body.count, 2);
    assert.ok((await as(t, "POST", "/subscriptions/s-open/listSecrets")).body.primaryKey);
    assert.equal((await as(t, "POST", "/subscriptions/s-open/regenerateSecondaryKey")).status, 204);
    assert.equal((await as(t, "GET", "/subscriptions/bob-sub")).status, 404);
    assert.equal((await as(t, "POST", "/subscriptions/bob-sub/listSecrets")).status, 404);
    const patch = (body: unknown) =>
      h.raw("PATCH", `/subscriptions/s-open?${v}`, {
        headers: { authorization: t, "content-type": "application/json", "if-match": "*" },
        body: JSON.stringify(body),
      });
    assert.equal((await patch({ properties: { displayName: "Renamed" } })).status, 200);
    assert.equal((await patch({ properties: { state: "active" } })).status, 400);
    const cancelled = await patch({ properties: { state: "cancelled" } });
    assert.equal(cancelled.body.properties.state, "cancelled");
  });

  test("a user in the Administrators group has full access", async () => {
    await h.call("PUT", "/users/root", { properties: { email: "root@example.com", firstName: "R", lastName: "R" } });
    await h.call("PUT", "/groups/administrators/users/root");
    const t = `SharedAccessSignature ${signSas(h.options.signingKey, "root", h.clock.now() + 60_000)}`;
    assert.equal((await as(t, "GET", "/namedValues")).status, 200);
    assert.equal((await as(t, "GET", "/users/bob")).status, 200);
  });
});
