// Cross-entity rules over real sockets: unique API paths, unique operation signatures and a product's
// subscriptionsLimit, each answered as Azure does and each holding under concurrent requests — also
// when two management units share one PostgreSQL store.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createConfigStore } from "../store/index.js";
import { operationSignature } from "./resources/uniqueness.js";
import { signSas } from "./sas.js";
import { type Harness, type Res, startHarness } from "./test-support/harness.js";

const databaseUrl = process.env.MOAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function assertValidationError(res: Res, target: string, pattern: RegExp): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, "ValidationError");
  assert.equal(res.body.error.message, "One or more fields contain incorrect values:");
  assert.equal(res.body.error.details.length, 1);
  assert.equal(res.body.error.details[0].code, "ValidationError");
  assert.equal(res.body.error.details[0].target, target);
  assert.match(res.body.error.details[0].message, pattern);
}

const statuses = (replies: readonly Res[]) => replies.map((r) => r.status).sort((a, b) => a - b);

describe("API path uniqueness", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    assert.equal(
      (await h.call("PUT", "/apis/shop", { properties: { displayName: "Shop", path: "shop" } })).status,
      201,
    );
  });
  after(() => h.close());

  test("another API may not claim the same path, whatever its case and slashes", async () => {
    for (const path of ["shop", "Shop", "/shop/", "SHOP//"]) {
      const res = await h.call("PUT", "/apis/shop2", { properties: { displayName: "Shop 2", path } });
      assertValidationError(
        res,
        "path",
        /Cannot create API 'shop2' with the same Path .* as API 'shop' unless it's a part of the same version set/,
      );
    }
    assert.equal((await h.call("GET", "/apis/shop2")).status, 404, "nothing was written");
    assert.equal(
      (await h.call("PUT", "/apis/shop2", { properties: { displayName: "S2", path: "shop/v2" } })).status,
      201,
    );
  });

  test("PATCH to a taken path is rejected too; re-writing an API with its own path is fine", async () => {
    const other = await h.call("PUT", "/apis/other", { properties: { displayName: "Other", path: "other" } });
    assert.equal(other.status, 201);
    const patch = await h.call("PATCH", "/apis/other", { properties: { path: "shop" } }, { "if-match": "*" });
    assertValidationError(patch, "path", /same Path/);
    assert.equal((await h.call("GET", "/apis/other")).body.properties.path, "other");
    const again = await h.call("PUT", "/apis/shop", { properties: { displayName: "Shop again", path: "shop" } });
    assert.equal(again.status, 200);
  });

  test("revisions share the path of their API", async () => {
    const rev = await h.call("PUT", "/apis/shop;rev=2", {
      properties: { sourceApiId: "/apis/shop", apiRevisionDescription: "second" },
    });
    assert.equal(rev.status, 201, JSON.stringify(rev.body));
    assert.equal(rev.body.properties.path, "shop");
    const direct = await h.call("PUT", "/apis/shop;rev=3", { properties: { displayName: "Shop", path: "shop" } });
    assert.equal(direct.status, 201);
  });

  test("versions of one version set share a path but must differ by version", async () => {
    const set = await h.call("PUT", "/apiVersionSets/vs", {
      properties: { displayName: "VS", versioningScheme: "Segment" },
    });
    assert.equal(set.status, 201);
    const version = (apiVersion: string) => ({
      properties: { displayName: "V", path: "versioned", apiVersion, apiVersionSetId: "/apiVersionSets/vs" },
    });
    assert.equal((await h.call("PUT", "/apis/v1", version("v1"))).status, 201);
    assert.equal((await h.call("PUT", "/apis/v2", version("v2"))).status, 201);
    assertValidationError(await h.call("PUT", "/apis/v1-again", version("V1")), "path", /version 'V1' as API 'v1'/);
    // An import names the set by its full ARM id: still the same set.
    const imported = await h.call("PUT", "/apis/v3", {
      properties: {
        format: "openapi+json",
        path: "versioned",
        apiVersion: "v3",
        apiVersionSetId:
          "/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/moat/apiVersionSets/vs",
        value: { openapi: "3.0.1", info: { title: "V3", version: "3" }, paths: { "/x": { get: { responses: {} } } } },
      },
    });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assertValidationError(
      await h.call("PUT", "/apis/outsider", { properties: { displayName: "O", path: "versioned" } }),
      "path",
      /unless it's a part of the same version set/,
    );
  });

  test("an OpenAPI import cannot take another API's path", async () => {
    const res = await h.call("PUT", "/apis/imported", {
      properties: {
        format: "openapi+json",
        path: "shop",
        value: { openapi: "3.0.1", info: { title: "I", version: "1" }, paths: { "/x": { get: { responses: {} } } } },
      },
    });
    assertValidationError(res, "path", /same Path 'shop' as API 'shop'/);
    assert.equal((await h.call("GET", "/apis/imported")).status, 404);
  });
});

describe("operation uniqueness within an API", () => {
  let h: Harness;
  const op = (method: string, urlTemplate: string, extra: Record<string, unknown> = {}) => ({
    properties: { displayName: `${method} ${urlTemplate}`, method, urlTemplate, ...extra },
  });
  before(async () => {
    h = await startHarness();
    await h.call("PUT", "/apis/users", { properties: { displayName: "Users", path: "users" } });
    await h.call("PUT", "/apis/second", { properties: { displayName: "Second", path: "second" } });
  });
  after(() => h.close());

  test("signatures ignore parameter names, literal case, empty segments and query order", () => {
    assert.equal(operationSignature("get", "/users/{id}"), operationSignature("GET", "/Users/{userId}/"));
    assert.equal(operationSignature("GET", "/s?b={x}&a=1"), operationSignature("GET", "/s?a=1&b={y}"));
    assert.equal(operationSignature("GET", "/files/*"), operationSignature("GET", "/files/{*path}"));
    assert.notEqual(operationSignature("GET", "/s"), operationSignature("GET", "/s?q={q}"));
    assert.notEqual(operationSignature("GET", "/users/{id}"), operationSignature("POST", "/users/{id}"));
    assert.notEqual(operationSignature("GET", "/users/{id}"), operationSignature("GET", "/users/me"));
  });

  test("same method and an equivalent template is a 400 naming urlTemplate; others are fine", async () => {
    assert.equal((await h.call("PUT", "/apis/users/operations/get-user", op("GET", "/users/{id}"))).status, 201);
    for (const template of ["/users/{userId}", "/Users/{x}/", "users/{id}"]) {
      const res = await h.call("PUT", "/apis/users/operations/dup", op("get", template));
      assertValidationError(
        res,
        "urlTemplate",
        /^Operation with the same method and URL template already exists: GET, /,
      );
      assert.match(res.body.error.details[0].message, /operation 'get-user'/);
    }
    assert.equal((await h.call("GET", "/apis/users/operations/dup")).status, 404);
    assert.equal((await h.call("PUT", "/apis/users/operations/post-user", op("POST", "/users/{id}"))).status, 201);
    assert.equal((await h.call("PUT", "/apis/users/operations/me", op("GET", "/users/me"))).status, 201);
    assert.equal((await h.call("PUT", "/apis/second/operations/get-user", op("GET", "/users/{id}"))).status, 201);
    // The operation itself may be rewritten with its own signature.
    const self = await h.call("PUT", "/apis/users/operations/get-user", op("GET", "/users/{uid}"));
    assert.equal(self.status, 200);
    const patch = await h.call(
      "PATCH",
      "/apis/users/operations/me",
      { properties: { urlTemplate: "/users/{other}" } },
      { "if-match": "*" },
    );
    assertValidationError(patch, "urlTemplate", /operation 'get-user'/);
  });

  test("template query parameters are part of the signature", async () => {
    assert.equal((await h.call("PUT", "/apis/users/operations/search", op("GET", "/search?q={q}"))).status, 201);
    assert.equal((await h.call("PUT", "/apis/users/operations/search-all", op("GET", "/search"))).status, 201);
    assertValidationError(
      await h.call("PUT", "/apis/users/operations/search-2", op("GET", "/search?q={query}")),
      "urlTemplate",
      /operation 'search'/,
    );
  });
});

/** Two management units on one store URL, as a scale-out deployment runs them. */
async function startUnits(storeUrl: string): Promise<Harness[]> {
  const units: Harness[] = [];
  for (let i = 0; i < 2; i++)
    units.push(await startHarness({ store: await createConfigStore(storeUrl, { dataDir: "." }) }));
  return units;
}

describe("concurrent writers on two management units sharing PostgreSQL", () => {
  const schema = `moat_mgmt_race_${process.pid}_${Date.now().toString(36)}`;
  let units: Harness[];
  let h: Harness;
  const token = (user: string) =>
    `SharedAccessSignature ${signSas(h.options.signingKey, user, h.clock.now() + 3_600_000)}`;
  const subscribe = (unit: Harness, sid: string, user: string) =>
    unit.raw("PUT", `/subscriptions/${sid}?api-version=2024-05-01`, {
      headers: { authorization: token(user), "content-type": "application/json" },
      body: JSON.stringify({ properties: { scope: "/products/limited", ownerId: `/users/${user}` } }),
    });

  before(async () => {
    units = await startUnits(`${databaseUrl}?schema=${schema}`);
    h = units[0] as Harness;
    const limited = await h.call("PUT", "/products/limited", {
      properties: { displayName: "Limited", state: "published", subscriptionsLimit: 2 },
    });
    assert.equal(limited.status, 201);
    for (const user of ["alice", "bob"]) {
      const res = await h.call("PUT", `/users/${user}`, {
        properties: { email: `${user}@example.com`, firstName: user, lastName: "L", state: "active" },
      });
      assert.equal(res.status, 201);
    }
  });
  after(async () => {
    for (const unit of units ?? []) {
      await unit.close();
      await unit.options.store.close();
    }
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  test("concurrent creates of different APIs on one path: exactly one wins", async () => {
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (units[i % 2] as Harness).call("PUT", `/apis/race-${i}`, {
          properties: { displayName: `Race ${i}`, path: "race" },
        }),
      ),
    );
    assert.deepEqual(statuses(replies), [201, ...Array(9).fill(400)]);
    const listed = await h.call("GET", `/apis?$filter=${encodeURIComponent("properties/path eq 'race'")}`);
    assert.equal(listed.body.count, 1);
  });

  test("concurrent creates of one operation signature: exactly one wins", async () => {
    const winner = (await h.call("GET", `/apis?$filter=${encodeURIComponent("properties/path eq 'race'")}`)).body
      .value[0].name;
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (units[i % 2] as Harness).call("PUT", `/apis/${winner}/operations/op-${i}`, {
          properties: { displayName: `Op ${i}`, method: "DELETE", urlTemplate: `/items/{p${i}}` },
        }),
      ),
    );
    assert.deepEqual(statuses(replies), [201, ...Array(9).fill(400)]);
    assert.equal((await h.call("GET", `/apis/${winner}/operations`)).body.count, 1);
  });

  test("ten concurrent subscribes through two units: exactly the limit succeed", async () => {
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => subscribe(units[i % 2] as Harness, `alice-${i}`, "alice")),
    );
    assert.deepEqual(statuses(replies), [201, 201, 409, 409, 409, 409, 409, 409, 409, 409]);
    const refused = replies.find((r) => r.status === 409);
    assert.equal(refused?.body.error.code, "SubscriptionsLimitReached");
    const mine = await h.call("GET", "/users/alice/subscriptions");
    assert.equal(mine.body.count, 2);
    // The limit is per user: bob still has room.
    assert.equal((await subscribe(units[1] as Harness, "bob-1", "bob")).status, 201);
  });

  test("a cancelled subscription frees its place", async () => {
    const mine = (await h.call("GET", "/users/alice/subscriptions")).body.value as Array<{ name: string }>;
    const first = mine[0]?.name as string;
    const cancel = await h.call(
      "PATCH",
      `/subscriptions/${first}`,
      { properties: { state: "cancelled" } },
      { "if-match": "*" },
    );
    assert.equal(cancel.status, 200);
    const replies = await Promise.all([
      subscribe(units[0] as Harness, "alice-x", "alice"),
      subscribe(units[1] as Harness, "alice-y", "alice"),
    ]);
    assert.deepEqual(statuses(replies), [201, 409]);
  });
});
