// The behaviour every ConfigStore backend must show, as one node:test suite (the way undici runs one
// cacheStoreTests against each cache store). `open` opens another instance on the SAME database each
// time it is called, so the suite can check that writes made through one instance reach watchers of
// another; tests stay independent by working under their own ids. Called with options, it opens an
// instance on a separate database and with a change retention (the retention tests prune globally).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ConfigStore } from "./contract.js";
import { StoreError } from "./contract.js";
import { rejectsWith } from "./contract-assert.js";
import { runFeedContract } from "./contract-suite-feed.js";
import { type OpenStore, runRetentionContract } from "./contract-suite-retention.js";

export type { OpenOptions, OpenStore } from "./contract-suite-retention.js";

export function runConfigStoreContract(name: string, open: OpenStore, cleanup?: () => Promise<void>): void {
  describe(`ConfigStore contract: ${name}`, () => {
    const opened: ConfigStore[] = [];
    let store: ConfigStore;
    let other: ConfigStore;
    let counter = 0;
    const run = `${Date.now().toString(36)}${process.pid}`;
    /** A fresh API id for one test, so tests never see each other's entities. */
    const freshApi = (label: string) => `apis/${label}-${run}-${counter++}`;

    before(async () => {
      store = await open();
      opened.push(store);
      other = await open();
      opened.push(other);
    });
    after(async () => {
      for (const s of opened) await s.close();
      await cleanup?.();
    });

    test("put then get returns the entity with its address, etag and revision", async () => {
      const api = freshApi("get");
      const put = await store.put("api", api, { displayName: "Echo", path: "echo" });
      assert.equal(put.kind, "api");
      assert.equal(put.id, api);
      assert.equal(put.name, api.slice("apis/".length));
      assert.equal(put.parentId, "");
      assert.match(put.etag, /^".+"$/);
      assert.equal(put.revision, await store.revision());
      assert.deepEqual(await store.get("api", api), put);
      const op = await store.put("operation", `${api}/operations/get`, { displayName: "Get", method: "GET" });
      assert.equal(op.parentId, api);
      assert.equal(op.name, "get");
      assert.equal(await store.get("api", `${api}-missing`), undefined);
      assert.equal(await store.get("operation", api), undefined, "kind is part of the address");
    });

    test('the service itself has the id ""', async () => {
      const service = await store.put("service", "", { publisherEmail: "a@example.com" });
      assert.equal(service.name, "");
      assert.equal(service.parentId, "");
      assert.deepEqual((await store.get("service", ""))?.properties, { publisherEmail: "a@example.com" });
    });

    test("list filters by kind and parent, pages with top/skip and counts the total", async () => {
      const api = freshApi("list");
      await store.put("api", api, { displayName: "L" });
      const ids = ["e", "a", "d", "b", "c"].map((n) => `${api}/operations/${n}`);
      for (const id of ids) await store.put("operation", id, { n: id });
      await store.put("policy", `${api}/policies/policy`, { value: "<policies/>" });
      await store.put("operation", `${api}/operations/a/policies/policy-like`, { nested: true });
      const all = await store.list("operation", { parentId: api });
      assert.equal(all.total, 5);
      assert.deepEqual(
        all.items.map((e) => e.id),
        [...ids].sort(),
      );
      const page = await store.list("operation", { parentId: api, top: 2, skip: 1 });
      assert.equal(page.total, 5);
      assert.deepEqual(
        page.items.map((e) => e.name),
        ["b", "c"],
      );
      assert.deepEqual(await store.list("operation", { parentId: api, skip: 10 }), { items: [], total: 5 });
      assert.equal((await store.list("operation", { parentId: api, top: 0 })).items.length, 0);
      assert.equal((await store.list("policy", { parentId: api })).total, 1);
      const everyOperation = await store.list("operation");
      assert.ok(ids.every((id) => everyOperation.items.some((e) => e.id === id)));
      assert.ok(everyOperation.total >= 6);
    });

    test('top-level list uses parentId ""', async () => {
      const tags = [`tags/t-${run}-1`, `tags/t-${run}-2`];
      for (const id of tags) await store.put("tag", id, { displayName: id });
      await store.put("tag", `${tags[0]}/sub/x`, { displayName: "not top level" });
      const top = await store.list("tag", { parentId: "" });
      assert.deepEqual(
        top.items.map((e) => e.id).filter((id) => id.includes(run)),
        tags,
      );
    });

    test("bad input is STORE_ERR_INVALID and changes nothing", async () => {
      const before = await store.revision();
      await rejectsWith(store.put("api", "apis//x", {}), "STORE_ERR_INVALID");
      await rejectsWith(store.put("api", "apis/x/", {}), "STORE_ERR_INVALID");
      await rejectsWith(store.put("api", "apis/a\u0000b", {}), "STORE_ERR_INVALID");
      await rejectsWith(store.put("api", "apis/\ud800", {}), "STORE_ERR_INVALID");
      await rejectsWith(store.put("api", "apis/x", [] as unknown as object), "STORE_ERR_INVALID");
      await rejectsWith(store.put("api", "apis/x", { n: 1n }), "STORE_ERR_INVALID");
      await rejectsWith(store.put("no such kind!" as "api", "apis/x", {}), "STORE_ERR_INVALID");
      await rejectsWith(store.put("api", "apis/x", {}, { ifMatch: "" }), "STORE_ERR_INVALID");
      await rejectsWith(store.list("api", { top: -1 }), "STORE_ERR_INVALID");
      await rejectsWith(store.list("api", { skip: 1.5 }), "STORE_ERR_INVALID");
      await rejectsWith(store.changes(-1), "STORE_ERR_INVALID");
      await rejectsWith(store.changes(Number.NaN), "STORE_ERR_INVALID");
      assert.throws(
        () => store.watch(Number.POSITIVE_INFINITY, () => {}),
        (e: unknown) => e instanceof StoreError && e.code === "STORE_ERR_INVALID",
      );
      assert.equal(await store.revision(), before);
    });

    test("every write changes the etag and bumps the revision", async () => {
      const api = freshApi("etag");
      const first = await store.put("api", api, { same: true });
      const second = await store.put("api", api, { same: true });
      assert.notEqual(first.etag, second.etag);
      assert.ok(second.revision > first.revision);
      assert.equal((await store.get("api", api))?.etag, second.etag);
    });

    test("ifMatch and ifNoneMatch are preconditions", async () => {
      const api = freshApi("pre");
      await rejectsWith(store.put("api", api, { v: 0 }, { ifMatch: "*" }), "STORE_ERR_PRECONDITION");
      const created = await store.put("api", api, { v: 1 }, { ifNoneMatch: "*" });
      await rejectsWith(store.put("api", api, { v: 2 }, { ifNoneMatch: "*" }), "STORE_ERR_PRECONDITION");
      await rejectsWith(store.put("api", api, { v: 2 }, { ifNoneMatch: created.etag }), "STORE_ERR_PRECONDITION");
      const updated = await store.put("api", api, { v: 2 }, { ifMatch: created.etag });
      await rejectsWith(store.put("api", api, { v: 3 }, { ifMatch: created.etag }), "STORE_ERR_PRECONDITION");
      await store
        .put("api", api, { v: 3 }, { ifMatch: `W/${updated.etag}` })
        .then(async (e) => await store.put("api", api, { v: 4 }, { ifMatch: "*" }).then(() => e));
      await rejectsWith(store.delete("api", api, { ifMatch: created.etag }), "STORE_ERR_PRECONDITION");
      assert.deepEqual((await store.get("api", api))?.properties, { v: 4 });
      await rejectsWith(store.delete("api", `${api}-missing`, { ifMatch: "*" }), "STORE_ERR_PRECONDITION");
      const current = await store.get("api", api);
      assert.equal(await store.delete("api", api, { ifMatch: current?.etag }), true);
    });

    test("delete cascades to descendants with a change event for each removed entity", async () => {
      const api = freshApi("cascade");
      await store.put("api", api, { displayName: "A" });
      await store.put("operation", `${api}/operations/x`, {});
      await store.put("operation", `${api}/operations/y`, {});
      await store.put("policy", `${api}/policies/policy`, { value: "<policies/>" });
      await store.put("policy", `${api}/operations/x/policies/policy`, { value: "<policies/>" });
      // Siblings whose ids merely start with the same characters must survive.
      await store.put("api", `${api}b`, {});
      await store.put("operation", `${api}b/operations/x`, {});
      await store.put("api", `${api}0`, {});
      const since = await store.revision();
      assert.equal(await store.delete("api", api), true);
      const events = await store.changes(since);
      assert.deepEqual(
        events.map((e) => `${e.op} ${e.kind} ${e.id}`).sort(),
        [
          `delete api ${api}`,
          `delete operation ${api}/operations/x`,
          `delete operation ${api}/operations/y`,
          `delete policy ${api}/operations/x/policies/policy`,
          `delete policy ${api}/policies/policy`,
        ].sort(),
      );
      assert.equal(events.at(-1)?.id, api, "the entity itself goes last, after its descendants");
      assert.equal(new Set(events.map((e) => e.revision)).size, events.length);
      assert.equal(await store.revision(), events.at(-1)?.revision);
      assert.equal(await store.get("operation", `${api}/operations/x`), undefined);
      assert.equal((await store.list("operation", { parentId: api })).total, 0);
      assert.ok(await store.get("api", `${api}b`));
      assert.ok(await store.get("operation", `${api}b/operations/x`));
      assert.ok(await store.get("api", `${api}0`));
      const after = await store.revision();
      assert.equal(await store.delete("api", api), false);
      assert.equal(await store.revision(), after, "deleting nothing writes nothing");
    });

    test("a transaction applies all of its writes or none", async () => {
      const api = freshApi("tx");
      const before = await store.revision();
      await rejectsWith(
        store.transaction([
          { op: "put", kind: "api", id: api, properties: { a: 1 } },
          { op: "put", kind: "operation", id: `${api}/operations/o`, properties: {} },
          { op: "put", kind: "api", id: `${api}-other`, properties: {}, options: { ifMatch: '"nope"' } },
        ]),
        "STORE_ERR_PRECONDITION",
      );
      await rejectsWith(
        store.transaction([
          { op: "put", kind: "api", id: api, properties: { a: 1 } },
          { op: "put", kind: "api", id: "apis//bad", properties: {} },
        ]),
        "STORE_ERR_INVALID",
      );
      await rejectsWith(
        store.transaction([
          { op: "put", kind: "api", id: api, properties: { a: 1 }, options: { ifNoneMatch: "*" } },
          { op: "put", kind: "api", id: api, properties: { a: 2 }, options: { ifNoneMatch: "*" } },
        ]),
        "STORE_ERR_PRECONDITION",
      );
      assert.equal(await store.get("api", api), undefined);
      assert.equal(await store.get("operation", `${api}/operations/o`), undefined);
      assert.equal(await store.revision(), before);
      assert.deepEqual(await store.changes(before), []);

      const written = await store.transaction([
        { op: "put", kind: "api", id: api, properties: { a: 1 } },
        { op: "put", kind: "operation", id: `${api}/operations/o`, properties: { o: true } },
        { op: "put", kind: "api", id: `${api}-gone`, properties: {} },
        { op: "delete", kind: "api", id: `${api}-gone`, options: { ifMatch: "*" } },
      ]);
      assert.deepEqual(
        written.map((e) => e.id),
        [api, `${api}/operations/o`, `${api}-gone`],
      );
      assert.deepEqual(
        written.map((e) => e.revision),
        [before + 1, before + 2, before + 3],
      );
      assert.equal(await store.revision(), before + 4);
      assert.equal(await store.get("api", `${api}-gone`), undefined);
      assert.deepEqual((await store.get("operation", `${api}/operations/o`))?.properties, { o: true });
    });

    runFeedContract({ stores: () => ({ store, other }), freshApi });
    runRetentionContract(open, (s) => opened.push(s));
  });
}
