// The behaviour every ConfigStore backend must show, as one node:test suite (the way undici runs one
// cacheStoreTests against each cache store). `open` opens another instance on the SAME database each
// time it is called, so the suite can check that writes made through one instance reach watchers of
// another; tests stay independent by working under their own ids.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { StoredEntity } from "../model/resources.js";
import type { ChangeEvent, ConfigStore, StoreErrorCode } from "./contract.js";
import { StoreError } from "./contract.js";

async function rejectsWith(promise: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected StoreError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Polls until `ready()` holds: waits for asynchronous delivery, not for time to pass. */
async function waitFor(ready: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function runConfigStoreContract(
  name: string,
  open: () => Promise<ConfigStore>,
  cleanup?: () => Promise<void>,
): void {
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

    test("revisions strictly increase and changes(since) replays them in order", async () => {
      const api = freshApi("feed");
      const since = await store.revision();
      const a = await store.put("api", api, { step: 1 });
      const b = await store.put("operation", `${api}/operations/b`, { step: 2 });
      await store.delete("operation", `${api}/operations/b`);
      const events = await store.changes(since);
      assert.deepEqual(
        events.map((e) => [e.op, e.id]),
        [
          ["put", api],
          ["put", `${api}/operations/b`],
          ["delete", `${api}/operations/b`],
        ],
      );
      assert.ok(a.revision < b.revision && b.revision < (events[2]?.revision ?? 0));
      assert.deepEqual(events[0]?.entity, a);
      assert.deepEqual(events[1]?.entity, b);
      assert.equal(events[2]?.entity, undefined);
      assert.deepEqual(await store.changes(await store.revision()), []);
    });

    test("watch catches up from sinceRevision, then delivers later writes in order", async () => {
      const api = freshApi("watch");
      const since = await store.revision();
      await store.put("api", api, { n: 0 });
      const seen: ChangeEvent[] = [];
      const stop = store.watch(since, (event) => {
        if (event.id.startsWith(api)) seen.push(event);
      });
      for (let n = 1; n <= 5; n++) await store.put("operation", `${api}/operations/o${n}`, { n });
      await store.delete("api", api);
      await waitFor(() => seen.length >= 12, "12 change events");
      stop();
      assert.deepEqual(
        seen.slice(0, 6).map((e) => e.id),
        [api, ...[1, 2, 3, 4, 5].map((n) => `${api}/operations/o${n}`)],
      );
      assert.ok(seen.slice(6).every((e) => e.op === "delete"));
      assert.ok(seen.every((e, i) => i === 0 || e.revision > (seen[i - 1]?.revision ?? 0)));
      const count = seen.length;
      await store.put("api", api, { after: "stop" });
      const marker: ChangeEvent[] = [];
      const stopMarker = store.watch((await store.revision()) - 1, (event) => marker.push(event));
      await waitFor(() => marker.length > 0, "a second watcher");
      stopMarker();
      assert.equal(seen.length, count, "a stopped watcher gets nothing more");
    });

    test("a throwing listener does not stop delivery to others", async () => {
      const api = freshApi("throw");
      const since = await store.revision();
      const stopBad = store.watch(since, () => {
        throw new Error("listener bug");
      });
      const seen: string[] = [];
      const stopGood = store.watch(since, (event) => seen.push(event.id));
      await store.put("api", api, {});
      await store.put("api", `${api}-2`, {});
      await waitFor(() => seen.length >= 2, "two events despite a throwing listener");
      stopBad();
      stopGood();
      assert.deepEqual(seen.slice(0, 2), [api, `${api}-2`]);
    });

    test("watchers see writes made through a second store instance on the same database", async () => {
      const api = freshApi("remote");
      const since = await store.revision();
      const seen: ChangeEvent[] = [];
      const stop = store.watch(since, (event) => {
        if (event.id.startsWith(api)) seen.push(event);
      });
      await other.put("api", api, { from: "other" });
      await other.put("operation", `${api}/operations/x`, {});
      await other.delete("api", api);
      await waitFor(() => seen.length >= 4, "4 events written by another instance");
      stop();
      assert.deepEqual(
        seen.map((e) => `${e.op} ${e.id}`),
        [`put ${api}`, `put ${api}/operations/x`, `delete ${api}/operations/x`, `delete ${api}`],
      );
      assert.deepEqual(seen[0]?.entity?.properties, { from: "other" });
    });

    test("snapshot is consistent with the change feed, even while others write", async () => {
      const api = freshApi("snap");
      const writes = Promise.all(
        Array.from({ length: 20 }, (_, i) => other.put("operation", `${api}/operations/o${i}`, { i })),
      );
      const snapshot = await store.snapshot();
      const written = await writes;
      // Replaying the feed up to the snapshot's revision must give exactly the snapshot's entities.
      const replayed = new Map<string, string>();
      for (const event of await store.changes(0)) {
        if (event.revision > snapshot.revision) break;
        const key = `${event.kind} ${event.id}`;
        if (event.op === "put") replayed.set(key, event.entity?.etag ?? "");
        else replayed.delete(key);
      }
      const inSnapshot = new Map(snapshot.entities.map((e) => [`${e.kind} ${e.id}`, e.etag]));
      assert.deepEqual(inSnapshot, replayed);
      assert.ok(snapshot.entities.every((e) => e.revision <= snapshot.revision));
      const later = await store.snapshot();
      assert.ok(written.every((e) => later.entities.some((s) => s.id === e.id && s.etag === e.etag)));
      assert.ok(later.revision >= Math.max(...written.map((e) => e.revision)));
    });

    test("values round-trip exactly: unicode, nested JSON, numbers, key order", async () => {
      const api = freshApi("ünï-😀-中文");
      const properties = {
        zeta: "first key stays first",
        text: 'héllo 😀 中文 \u0000 \t " \\ </script>',
        numbers: [0, -1.5, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, -0.1],
        flags: { yes: true, no: false, nothing: null },
        nested: { a: [{ b: [{ c: { d: "deep" } }] }], empty: {}, list: [] },
        long: "x".repeat(100_000),
        alpha: "",
      };
      const put = await store.put("api", api, properties);
      const got = await store.get<typeof properties>("api", api);
      assert.deepEqual(got?.properties, properties);
      assert.equal(JSON.stringify(got?.properties), JSON.stringify(properties));
      assert.deepEqual(put.properties, properties);
      assert.equal(got?.name, api.slice("apis/".length));
      const [event] = await store.changes(put.revision - 1);
      assert.equal(JSON.stringify(event?.entity?.properties), JSON.stringify(properties));
      assert.deepEqual(await other.get("api", api), got);
    });

    test("repeated writes to one entity, in a transaction or concurrently, end with the last one", async () => {
      const api = freshApi("repeat");
      const since = await store.revision();
      await store.transaction([
        { op: "put", kind: "api", id: api, properties: { v: 1 } },
        { op: "put", kind: "api", id: api, properties: { v: 2 } },
        { op: "put", kind: "operation", id: `${api}/operations/o`, properties: {} },
        { op: "put", kind: "api", id: api, properties: { v: 3 } },
      ]);
      assert.deepEqual((await store.get("api", api))?.properties, { v: 3 });
      assert.equal((await store.changes(since)).length, 4);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).put("api", api, { v: 10 + i })),
      );
      const last = results.reduce((a, b) => (b.revision > a.revision ? b : a));
      const stored = await store.get("api", api);
      assert.equal(stored?.etag, last.etag);
      assert.deepEqual(stored?.properties, last.properties);
    });

    test("concurrent requests fail independently: a failed precondition undoes only its own request", async () => {
      const api = freshApi("independent");
      const base = await store.put("api", api, { v: 0 });
      const op = (name: string) => ({
        op: "put" as const,
        kind: "operation" as const,
        id: `${api}/operations/${name}`,
        properties: { name },
      });
      const stale = { ifMatch: '"stale"' };
      const settled = await Promise.allSettled([
        store.put("operation", `${api}/operations/a`, { name: "a" }),
        store.put("api", api, { v: 1 }, stale),
        store.transaction([op("b"), { op: "put", kind: "api", id: api, properties: { v: 2 }, options: stale }]),
        store.transaction([op("c"), op("d")]),
        store.delete("api", `${api}-missing`, { ifMatch: "*" }),
        store.put("operation", `${api}/operations/e`, { name: "e" }),
      ]);
      assert.deepEqual(
        settled.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as StoreError).code)),
        ["ok", "STORE_ERR_PRECONDITION", "STORE_ERR_PRECONDITION", "ok", "STORE_ERR_PRECONDITION", "ok"],
      );
      const names = (await store.list("operation", { parentId: api })).items.map((e) => e.name);
      assert.deepEqual(names, ["a", "c", "d", "e"]);
      assert.deepEqual((await store.get("api", api))?.properties, { v: 0 });
      const events = await store.changes(base.revision);
      assert.deepEqual(events.map((e) => e.id.slice(api.length)).sort(), [
        "/operations/a",
        "/operations/c",
        "/operations/d",
        "/operations/e",
      ]);
      assert.ok(
        events.every((e, i) => e.revision === base.revision + i + 1),
        "no gaps in the revisions",
      );
    });

    test("concurrent writes from two instances lose no update", async () => {
      const api = freshApi("race");
      await store.put("api", api, { count: 0 });
      // Optimistic read-modify-write, as the management API does with If-Match.
      const increment = async (through: ConfigStore) => {
        for (;;) {
          const current = (await through.get<{ count: number }>("api", api)) as StoredEntity<{ count: number }>;
          try {
            await through.put("api", api, { count: current.properties.count + 1 }, { ifMatch: current.etag });
            return;
          } catch (error) {
            if (!(error instanceof StoreError && error.code === "STORE_ERR_PRECONDITION")) throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: 12 }, (_, i) => increment(i % 2 === 0 ? store : other)));
      assert.deepEqual((await store.get("api", api))?.properties, { count: 12 });

      const puts = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 === 0 ? store : other).put("operation", `${api}/operations/p${i}`, { i }),
        ),
      );
      assert.equal(new Set(puts.map((e) => e.revision)).size, 60, "every write has its own revision");
      assert.equal((await other.list("operation", { parentId: api })).total, 60);
    });
  });
}
