// First start: the built-in administrator user "1" exists, is active, an Administrator, and has no password.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { createConfigStore } from "../store/index.js";
import type { ManagementOptions } from "./context.js";
import { ADMIN_USER_ID, seedService } from "./seed.js";
import { type Harness, startHarness } from "./test-support/harness.js";

describe("built-in administrator", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("GET /users/1 is the active administrator with the publisher's e-mail", async () => {
    const res = await h.call("GET", `/users/${ADMIN_USER_ID}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, "1");
    assert.equal(res.body.properties.state, "active");
    assert.equal(res.body.properties.email, "admin@localhost");
    assert.equal(res.body.properties.firstName, "Administrator");
    assert.equal(res.body.properties.password, undefined);
    const groups = res.body.properties.groups.map((g: { name: string }) => g.name);
    assert.deepEqual(groups, ["Administrators"]);
    const members = await h.call("GET", "/groups/administrators/users");
    assert.deepEqual(
      members.body.value.map((u: { name: string }) => u.name),
      ["1"],
    );
  });

  test("has no credential until a password is set, then stores one like for any user", async () => {
    assert.equal(await h.options.store.get("userCredential", "userCredentials/1"), undefined);
    const set = await h.call("PATCH", "/users/1", { properties: { password: "s3cret-password" } }, { "If-Match": "*" });
    assert.ok(set.status === 200 || set.status === 204, JSON.stringify(set.body));
    const creds = (await h.options.store.list("userCredential", {})).items.map((c) => c.name);
    assert.ok(creds.includes("1"), creds.join(","));
  });
});

describe("seedService and user 1", () => {
  const stores: Array<{ close(): Promise<void> | void }> = [];
  after(async () => {
    for (const s of stores) await s.close();
  });
  async function options(serviceName: string): Promise<ManagementOptions> {
    const store = await createConfigStore("sqlite::memory:", { dataDir: "." });
    stores.push(store);
    return {
      store,
      clock: createManualClock(0),
      serviceName,
      location: "local",
      adminKey: "k".repeat(32),
      signingKey: "s".repeat(32),
      urls: { gatewayUrl: "", portalUrl: "", developerPortalUrl: "", managementApiUrl: "" },
    };
  }

  test("takes the stored publisherEmail, and a restart keeps edits to user 1", async () => {
    const o = await options("Contoso");
    await o.store.transaction([
      {
        op: "put",
        kind: "service",
        id: "",
        properties: { publisherEmail: "ops@contoso.example", publisherName: "Contoso" },
      },
    ]);
    await seedService(o);
    const user = await o.store.get("user", "users/1");
    assert.equal(user?.properties.email, "ops@contoso.example");
    assert.equal(user?.properties.lastName, "Contoso");
    await o.store.transaction([
      { op: "put", kind: "user", id: "users/1", properties: { ...user?.properties, firstName: "Root" } },
    ]);
    assert.equal(await seedService(o), 0);
    assert.equal((await o.store.get("user", "users/1"))?.properties.firstName, "Root");
  });

  test("falls back to admin@<serviceName>.local when the publisher e-mail is unusable or taken", async () => {
    const o = await options("Contoso");
    await o.store.transaction([
      { op: "put", kind: "service", id: "", properties: { publisherEmail: "not-an-address" } },
    ]);
    await seedService(o);
    assert.equal((await o.store.get("user", "users/1"))?.properties.email, "admin@contoso.local");

    const taken = await options("Fabrikam");
    await taken.store.transaction([
      { op: "put", kind: "service", id: "", properties: { publisherEmail: "dev@fabrikam.example" } },
      { op: "put", kind: "user", id: "users/dev", properties: { email: "DEV@fabrikam.example" } },
    ]);
    await seedService(taken);
    assert.equal((await taken.store.get("user", "users/1"))?.properties.email, "admin@fabrikam.local");
  });
});
