// Microsoft.Network paths over real HTTPS: Azure's long-running protocol on the wire, and the
// failures of background work (store down, resource changed meanwhile) reported by the operation.
// The store is wrapped so a test can hold or fail the network writes that run in the background.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ResourceKind } from "../model/resources.js";
import type { ConfigStore } from "../store/contract.js";
import { StoreError } from "../store/contract.js";
import { createConfigStore } from "../store/index.js";
import { adminKey, type Harness, startHarness } from "./test-support/harness.js";

const v = "api-version=2024-05-01";
const net = "/subscriptions/sub-1/resourceGroups/rg-a/providers/Microsoft.Network";
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
const vnet = (prefix = "10.5.0.0/16", subnet = "10.5.1.0/24") => ({
  location: "West Europe",
  properties: {
    addressSpace: { addressPrefixes: [prefix] },
    subnets: [{ name: "a", properties: { addressPrefix: subnet } }],
  },
});

/** Before each network write the store waits for `hook` (once), then writes or throws what it says. */
let hook: ((kind: ResourceKind) => Promise<void>) | undefined;
function wrap(store: ConfigStore): ConfigStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "put" && prop !== "delete") return typeof value === "function" ? value.bind(target) : value;
      return async (kind: ResourceKind, ...rest: unknown[]) => {
        if (hook && kind !== "service") {
          const h = hook;
          hook = undefined;
          await h(kind);
        }
        return (value as (...a: unknown[]) => unknown).call(target, kind, ...rest);
      };
    },
  });
}

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let reached: () => void = () => {};
  const waiting = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return {
    hook: async () => {
      reached();
      await opened;
    },
    waiting,
    open,
  };
}

describe("management: Microsoft.Network provider paths", () => {
  let h: Harness;
  let store: ConfigStore;
  const req = (method: string, path: string, body?: unknown, version = v) =>
    h.raw(method, `${path}${path.includes("?") ? "&" : "?"}${version}`, {
      headers: auth,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const poll = async (url: string) => {
    const u = new URL(url);
    for (let i = 0; i < 400; i++) {
      const r = await h.raw("GET", u.pathname + u.search, { headers: auth });
      if (r.status !== 200 || r.body.status !== "InProgress") return r;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`still running: ${url}`);
  };

  before(async () => {
    store = await createConfigStore("sqlite::memory:", { dataDir: "." });
    h = await startHarness({ store: wrap(store) });
  });
  after(async () => {
    await h.close();
    await store.close();
  });

  test("PUT: 201 Updating with Azure-AsyncOperation, the status reaches Succeeded, GET shows the resource", async () => {
    const put = await req("PUT", `${net}/virtualNetworks/v1`, vnet());
    assert.equal(put.status, 201, JSON.stringify(put.body));
    assert.equal(put.body.properties.provisioningState, "Updating");
    assert.equal(put.body.id, `${net}/virtualNetworks/v1`);
    const status = put.headers.get("azure-asyncoperation") as string;
    assert.match(status, /\/subscriptions\/sub-1\/providers\/Microsoft\.Network\/locations\/westeurope\/operations\//);
    assert.equal(put.headers.get("retry-after"), "1");
    const done = await poll(status);
    assert.equal(done.status, 200);
    assert.equal(done.body.status, "Succeeded");
    assert.equal(typeof done.body.startTime, "string");
    const got = await req("GET", `${net}/virtualNetworks/v1`);
    assert.equal(got.body.properties.provisioningState, "Succeeded");
    assert.equal(got.body.properties.subnets[0].type, "Microsoft.Network/virtualNetworks/subnets");
    assert.equal(got.body.properties.subnets[0].id, `${net}/virtualNetworks/v1/subnets/a`);
    // The service-scoped route shows the same entity.
    assert.equal((await h.call("GET", "/virtualNetworks/v1")).body.properties.subnets[0].name, "a");
  });

  test("a GET body sent back as a PUT is accepted (read-only fields are dropped, not stored)", async () => {
    const got = await req("GET", `${net}/virtualNetworks/v1`);
    const put = await req("PUT", `${net}/virtualNetworks/v1`, got.body);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await poll(put.headers.get("azure-asyncoperation") as string);
    const stored = await store.get("virtualNetwork", "virtualNetworks/v1");
    assert.ok(stored);
    const props = stored.properties.properties as Record<string, unknown>;
    assert.equal(props.provisioningState, undefined);
    const sub = (props.subnets as Record<string, unknown>[])[0];
    assert.deepEqual(Object.keys(sub ?? {}).sort(), ["name", "properties"]);
  });

  test("a store failure in the background is the operation's error, on both status URLs; nothing is written", async () => {
    hook = async () => {
      throw new StoreError("STORE_ERR_UNAVAILABLE", "database connection lost");
    };
    const put = await req("PUT", `${net}/virtualNetworks/v2`, vnet("10.6.0.0/16", "10.6.1.0/24"));
    assert.equal(put.status, 201);
    const status = await poll(put.headers.get("azure-asyncoperation") as string);
    assert.equal(status.body.status, "Failed");
    assert.equal(status.body.error.code, "ServiceUnavailable");
    assert.match(status.body.error.message, /database connection lost/);
    const location = (put.headers.get("azure-asyncoperation") as string).replace("/operations/", "/operationResults/");
    const result = await h.raw("GET", new URL(location).pathname + new URL(location).search, { headers: auth });
    assert.equal(result.status, 503);
    assert.equal(result.body.error.code, "ServiceUnavailable");
    assert.equal((await req("GET", `${net}/virtualNetworks/v2`)).status, 404);
  });

  test("a change made while the operation waited fails it with Conflict instead of overwriting", async () => {
    const g = gate();
    hook = g.hook;
    const put = await req("PUT", `${net}/virtualNetworks/v1`, vnet("10.5.0.0/16", "10.5.2.0/24"));
    assert.equal(put.status, 200);
    await g.waiting;
    // Meanwhile another writer changes the VNet (here through the service-scoped route).
    assert.equal((await h.call("PUT", "/virtualNetworks/v1", vnet("10.5.0.0/16", "10.5.3.0/24"))).status, 200);
    g.open();
    const status = await poll(put.headers.get("azure-asyncoperation") as string);
    assert.equal(status.body.status, "Failed");
    assert.equal(status.body.error.code, "Conflict");
    assert.match(status.body.error.message, /changed by another request.*nothing was written/);
    const got = await req("GET", `${net}/virtualNetworks/v1`);
    assert.equal(got.body.properties.subnets[0].properties.addressPrefix, "10.5.3.0/24");
  });

  test("a second write while one runs is refused with AnotherOperationInProgress", async () => {
    const g = gate();
    hook = g.hook;
    const first = await req("PUT", `${net}/virtualNetworks/v1/subnets/b`, {
      properties: { addressPrefix: "10.5.4.0/24" },
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    await g.waiting;
    const second = await req("PUT", `${net}/virtualNetworks/v1/subnets/c`, {
      properties: { addressPrefix: "10.5.5.0/24" },
    });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, "AnotherOperationInProgress");
    g.open();
    assert.equal((await poll(first.headers.get("azure-asyncoperation") as string)).body.status, "Succeeded");
    const sub = await req("GET", `${net}/virtualNetworks/v1/subnets/b`);
    assert.equal(sub.body.properties.addressPrefix, "10.5.4.0/24");
  });

  test("DELETE: 202 with Location that answers 202, then 204; deleting again is 204 at once", async () => {
    const g = gate();
    hook = g.hook;
    const del = await req("DELETE", `${net}/virtualNetworks/v1`);
    assert.equal(del.status, 202);
    const location = del.headers.get("location") as string;
    assert.match(location, /\/operationResults\//);
    await g.waiting;
    const running = await h.raw("GET", new URL(location).pathname + new URL(location).search, { headers: auth });
    assert.equal(running.status, 202);
    g.open();
    const status = await poll(del.headers.get("azure-asyncoperation") as string);
    assert.equal(status.body.status, "Succeeded");
    const done = await h.raw("GET", new URL(location).pathname + new URL(location).search, { headers: auth });
    assert.equal(done.status, 204);
    assert.equal((await req("DELETE", `${net}/virtualNetworks/v1`)).status, 204);
  });

  test("bad requests: wrong api-version, bad body, missing parent, unknown operation, PATCH beyond tags", async () => {
    const noVersion = await h.raw("GET", `${net}/virtualNetworks`, { headers: auth });
    assert.equal(noVersion.body.error.code, "MissingApiVersionParameter");
    const apimOnly = await req("GET", `${net}/virtualNetworks`, undefined, "api-version=2024-06-01-preview");
    assert.equal(apimOnly.status, 400);
    assert.equal(apimOnly.body.error.code, "InvalidApiVersionParameter");
    const notJson = await h.raw("PUT", `${net}/virtualNetworks/x?${v}`, { headers: auth, body: "{" });
    assert.equal(notJson.status, 400);
    const unknown = await req("PUT", `${net}/virtualNetworks/x`, { ...vnet(), sku: "x" });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details[0].target, "sku");
    const orphan = await req("PUT", `${net}/virtualNetworks/none/subnets/a`, {
      properties: { addressPrefix: "10.0.0.0/24" },
    });
    assert.equal(orphan.status, 404);
    assert.match(orphan.body.error.message, /virtualNetworks\/none/);
    const op = await req("GET", "/subscriptions/sub-1/providers/Microsoft.Network/locations/local/operations/nope");
    assert.equal(op.status, 404);
    assert.equal(op.body.error.code, "OperationNotFound");
    const nsg = await req("PUT", `${net}/networkSecurityGroups/n1`, { location: "local", properties: {} });
    await poll(nsg.headers.get("azure-asyncoperation") as string);
    const tags = await req("PATCH", `${net}/networkSecurityGroups/n1`, { tags: { env: "test" } });
    assert.equal(tags.status, 200);
    assert.deepEqual(tags.body.tags, { env: "test" });
    const beyond = await req("PATCH", `${net}/networkSecurityGroups/n1`, { properties: {} });
    assert.equal(beyond.status, 400);
    const other = await req(
      "GET",
      "/subscriptions/sub-1/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachines",
    );
    assert.equal(other.status, 404);
  });
});
