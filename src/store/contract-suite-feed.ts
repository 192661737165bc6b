// The change-feed half of the ConfigStore contract: revisions, changes(since), watch across
// instances, snapshot consistency and concurrent writers. Runs inside runConfigStoreContract's
// describe, after its `before` has opened the two instances.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { StoredEntity } from "../model/resources.js";
import type { ChangeEvent, ConfigStore } from "./contract.js";
import { StoreError } from "./contract.js";
import { waitFor } from "./contract-assert.js";

export interface ContractHarness {
  /** Two instances on the same database, opened by the suite's `before`. */
  stores(): { store: ConfigStore; other: ConfigStore };
  /** A fresh API id for one test, so tests never see each other's entities. */
  freshApi(label: string): string;
}

export function runFeedContract(h: ContractHarness): void {
  let store: ConfigStore;
  let other: ConfigStore;
  const freshApi = h.freshApi;
  before(() => {
    ({ store, other } = h.stores());
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
}
