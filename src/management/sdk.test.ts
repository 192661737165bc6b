// The official @azure/arm-apimanagement client drives Moat: the endpoint is Moat's management URL
// and the credential returns the admin key. The self-signed certificate is trusted through a custom
// httpClient whose undici Agent skips verification, so nothing process-wide is changed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiManagementClient } from "@azure/arm-apimanagement";
import { adminCredential, azureClientOptions } from "./test-support/azure-sdk.js";
import { type Harness, startHarness } from "./test-support/harness.js";

let h: Harness;
let client: ApiManagementClient;
const rg = "rg1";
const svc = "moat";

before(async () => {
  h = await startHarness();
  client = new ApiManagementClient(adminCredential, "00000000-0000-0000-0000-000000000000", azureClientOptions(h));
});
after(() => h.close());

test("apis and operations: create, read, update, list, delete", async () => {
  const api = await client.api.beginCreateOrUpdateAndWait(rg, svc, "echo", {
    displayName: "Echo",
    path: "echo",
    serviceUrl: "http://echo.local",
    protocols: ["https"],
  });
  assert.equal(api.name, "echo");
  const got = await client.api.get(rg, svc, "echo");
  assert.equal(got.displayName, "Echo");
  const updated = await client.api.update(rg, svc, "echo", "*", { displayName: "Echo 2" });
  assert.equal(updated.displayName, "Echo 2");
  const op = await client.apiOperation.createOrUpdate(rg, svc, "echo", "get-thing", {
    displayName: "Get thing",
    method: "GET",
    urlTemplate: "/things/{id}",
    templateParameters: [{ name: "id", type: "string", required: true }],
  });
  assert.equal(op.urlTemplate, "/things/{id}");
  await client.apiOperation.update(rg, svc, "echo", "get-thing", "*", { description: "fetch" });
  const ops = [];
  for await (const o of client.apiOperation.listByApi(rg, svc, "echo")) ops.push(o);
  assert.equal(ops.length, 1);
  assert.equal(ops[0]?.description, "fetch");
  const apis = [];
  for await (const a of client.api.listByService(rg, svc)) apis.push(a.name);
  assert.deepEqual(apis, ["echo"]);
  await client.apiOperation.delete(rg, svc, "echo", "get-thing", "*");
  await client.api.beginDeleteAndWait(rg, svc, "echo", "*");
  await assert.rejects(client.api.get(rg, svc, "echo"), (err: { statusCode?: number }) => err.statusCode === 404);
});

test("products, users, subscriptions", async () => {
  await client.product.createOrUpdate(rg, svc, "starter", { displayName: "Starter", state: "published" });
  await client.product.update(rg, svc, "starter", "*", { description: "for starters" });
  assert.equal((await client.product.get(rg, svc, "starter")).description, "for starters");
  await client.user.createOrUpdate(rg, svc, "dev1", { email: "dev1@example.com", firstName: "Dev", lastName: "One" });
  await client.user.update(rg, svc, "dev1", "*", { lastName: "Uno" });
  assert.equal((await client.user.get(rg, svc, "dev1")).lastName, "Uno");
  const sub = await client.subscription.createOrUpdate(rg, svc, "sub1", {
    scope: "/products/starter",
    ownerId: "/users/dev1",
    displayName: "Sub 1",
    state: "active",
  });
  assert.equal(sub.state, "active");
  const secrets = await client.subscription.listSecrets(rg, svc, "sub1");
  assert.ok(secrets.primaryKey);
  await client.subscription.regenerateSecondaryKey(rg, svc, "sub1");
  assert.notEqual((await client.subscription.listSecrets(rg, svc, "sub1")).secondaryKey, secrets.secondaryKey);
  await client.subscription.update(rg, svc, "sub1", "*", { displayName: "Renamed" });
  const subs = [];
  for await (const s of client.subscription.list(rg, svc)) subs.push(s.displayName);
  assert.deepEqual(subs, ["Renamed"]);
  const users = [];
  for await (const u of client.user.listByService(rg, svc)) users.push(u.name);
  assert.ok(users.includes("dev1"));
  const products = [];
  for await (const p of client.product.listByService(rg, svc)) products.push(p.name);
  assert.deepEqual(products, ["starter"]);
  await client.subscription.delete(rg, svc, "sub1", "*");
  await client.user.beginDeleteAndWait(rg, svc, "dev1", "*");
  await client.product.delete(rg, svc, "starter", "*");
});

test("named values, backends and policies", async () => {
  await client.namedValue.beginCreateOrUpdateAndWait(rg, svc, "backend-key", {
    displayName: "backend-key",
    value: "hidden",
    secret: true,
  });
  assert.equal((await client.namedValue.get(rg, svc, "backend-key")).value, undefined);
  assert.equal((await client.namedValue.listValue(rg, svc, "backend-key")).value, "hidden");
  await client.namedValue.beginUpdateAndWait(rg, svc, "backend-key", "*", { tags: ["a"] });
  const nvs = [];
  for await (const n of client.namedValue.listByService(rg, svc)) nvs.push(n.name);
  assert.deepEqual(nvs, ["backend-key"]);
  await client.namedValue.delete(rg, svc, "backend-key", "*");

  await client.backend.createOrUpdate(rg, svc, "b1", { url: "http://backend.local", protocol: "http" });
  await client.backend.update(rg, svc, "b1", "*", { description: "main" });
  assert.equal((await client.backend.get(rg, svc, "b1")).description, "main");
  const backends = [];
  for await (const b of client.backend.listByService(rg, svc)) backends.push(b.name);
  assert.deepEqual(backends, ["b1"]);
  await client.backend.delete(rg, svc, "b1", "*");

  const xml =
    "<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>";
  await client.policy.createOrUpdate(rg, svc, "policy", { value: xml, format: "rawxml" });
  assert.equal((await client.policy.get(rg, svc, "policy")).value, xml);
  const policies = [];
  for await (const p of client.policy.listByService(rg, svc)) policies.push(p.name);
  assert.deepEqual(policies, ["policy"]);
  await client.policy.delete(rg, svc, "policy", "*");
});

test("the service: read and update", async () => {
  const service = await client.apiManagementService.get(rg, svc);
  assert.equal(service.name, "moat");
  assert.equal(service.virtualNetworkType, "None");
  const updated = await client.apiManagementService.beginUpdateAndWait(rg, svc, { publisherName: "Contoso APIs" });
  assert.equal(updated.publisherName, "Contoso APIs");
  assert.equal((await client.apiManagementService.get(rg, svc)).publisherName, "Contoso APIs");
});
