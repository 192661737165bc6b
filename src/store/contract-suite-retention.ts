// The change-feed retention half of the ConfigStore contract: pruning by revision count and by age,
// the horizon every instance on the database shares, and the "reset" a reader behind it gets instead
// of silently missing changes. Each test works on a database of its own, because pruning is global.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChangeEvent, ChangeRetention, ConfigStore } from "./contract.js";
import { StoreError } from "./contract.js";
import { rejectsWith, waitFor } from "./contract-assert.js";

export interface OpenOptions {
  /** Opens an instance on this separate database (file, schema) instead of the shared one. */
  database?: string;
  changeRetention?: ChangeRetention;
}

export type OpenStore = (options?: OpenOptions) => Promise<ConfigStore>;

const describeEvent = (e: ChangeEvent) => `${e.op}@${e.revision}`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function runRetentionContract(open: OpenStore, track: (store: ConfigStore) => void): void {
  let databases = 0;
  const run = `${Date.now().toString(36)}${process.pid}`;
  /** Opens `count` instances on a new database, all with the same retention. */
  const fresh = async (changeRetention: ChangeRetention, count = 1): Promise<ConfigStore[]> => {
    const database = `retention_${run}_${databases++}`;
    const stores: ConfigStore[] = [];
    for (let i = 0; i < count; i++) {
      const store = await open({ database, changeRetention });
      track(store);
      stores.push(store);
    }
    return stores;
  };
  const putMany = async (store: ConfigStore, from: number, to: number) => {
    for (const n of range(from, to)) await store.put("api", `apis/r${n}`, { n });
  };

  test("retention: changes beyond keepRevisions are pruned; a reader behind the horizon gets one reset first", async () => {
    const [store, other] = (await fresh({ keepRevisions: 5, keepMs: 0 }, 2)) as [ConfigStore, ConfigStore];
    await putMany(store, 1, 20);
    const events = await store.changes(0);
    assert.deepEqual(events.map(describeEvent), ["reset@15", ...range(16, 20).map((r) => `put@${r}`)]);
    assert.deepEqual(events[0], { revision: 15, op: "reset", kind: "service", id: "" });
    assert.deepEqual((await store.changes(14)).map(describeEvent), [
      "reset@15",
      ...range(16, 20).map((r) => `put@${r}`),
    ]);
    assert.deepEqual(
      (await store.changes(15)).map(describeEvent),
      range(16, 20).map((r) => `put@${r}`),
    );
    assert.deepEqual(await store.changes(20), []);
    // The horizon lives in the database: every instance sees it.
    assert.equal((await other.changes(3))[0]?.op, "reset");
    // A transaction and a cascading delete count every revision they take.
    await store.transaction(
      range(21, 32).map((n) => ({ op: "put", kind: "api", id: `apis/r${n}`, properties: { n } })),
    );
    await store.put("operation", "apis/r32/operations/o", {});
    await store.delete("api", "apis/r32");
    assert.equal(await store.revision(), 35);
    assert.deepEqual((await other.changes(0)).map(describeEvent), [
      "reset@30",
      "put@31",
      "put@32",
      "put@33",
      "delete@34",
      "delete@35",
    ]);
    // Entities are never pruned, only the feed.
    assert.equal((await store.snapshot()).entities.filter((e) => e.kind === "api").length, 31);
  });

  test("retention: changes younger than keepMs are kept, however many", async () => {
    const [store] = (await fresh({ keepRevisions: 1, keepMs: 60_000 })) as [ConfigStore];
    await putMany(store, 1, 12);
    const events = await store.changes(0);
    assert.deepEqual(
      events.map(describeEvent),
      range(1, 12).map((r) => `put@${r}`),
    );
  });

  test("retention: a change is pruned once it is both beyond keepRevisions and older than keepMs", async () => {
    const [store] = (await fresh({ keepRevisions: 1, keepMs: 1000 })) as [ConfigStore];
    await putMany(store, 1, 5);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await putMany(store, 6, 10);
    const events = await store.changes(0);
    assert.deepEqual(events.map(describeEvent), ["reset@5", ...range(6, 10).map((r) => `put@${r}`)]);
  });

  test("retention: a watcher behind the horizon gets a reset, then every later change, and can rebuild", async () => {
    const [store, other] = (await fresh({ keepRevisions: 3, keepMs: 0 }, 2)) as [ConfigStore, ConfigStore];
    await putMany(store, 1, 10);
    const seen: ChangeEvent[] = [];
    const remote: ChangeEvent[] = [];
    const current: ChangeEvent[] = [];
    const stops = [
      store.watch(0, (e) => seen.push(e)),
      other.watch(2, (e) => remote.push(e)),
      store.watch(8, (e) => current.push(e)),
    ];
    await waitFor(() => seen.length >= 4 && remote.length >= 4 && current.length >= 2, "catch-up after a reset");
    assert.deepEqual(seen.map(describeEvent), ["reset@7", "put@8", "put@9", "put@10"]);
    assert.deepEqual(remote.map(describeEvent), ["reset@7", "put@8", "put@9", "put@10"]);
    assert.deepEqual(current.map(describeEvent), ["put@9", "put@10"], "a watcher ahead of the horizon gets no reset");
    await store.delete("api", "apis/r1");
    await other.put("api", "apis/r11", { n: 11 });
    await waitFor(() => seen.length >= 6 && remote.length >= 6, "later changes");
    for (const stop of stops) stop();
    assert.deepEqual(seen.slice(4).map(describeEvent), ["delete@11", "put@12"]);
    assert.deepEqual(remote.slice(4).map(describeEvent), ["delete@11", "put@12"]);

    // What a consumer does with a reset: reload a snapshot, then apply what comes after it.
    const state = new Map<string, number>();
    let loadedAt = -1;
    for (const event of seen) {
      if (event.op === "reset") {
        const snap = await store.snapshot();
        state.clear();
        for (const e of snap.entities) if (e.kind === "api") state.set(e.id, e.revision);
        loadedAt = snap.revision;
      } else if (event.revision > loadedAt) {
        if (event.op === "put") state.set(event.id, event.revision);
        else state.delete(event.id);
      }
    }
    const truth = (await store.snapshot()).entities.filter((e) => e.kind === "api");
    assert.deepEqual(state, new Map(truth.map((e) => [e.id, e.revision])));
  });

  test("retention: bad options are STORE_ERR_INVALID", async () => {
    for (const changeRetention of [
      { keepRevisions: 0 },
      { keepRevisions: 1.5 },
      { keepMs: -1 },
      { keepMs: Number.NaN },
    ]) {
      await rejectsWith(fresh(changeRetention), "STORE_ERR_INVALID");
    }
    await assert.rejects(fresh({ keepRevisions: Number.POSITIVE_INFINITY }), StoreError);
  });
}
