import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readSnapshotFile } from "../store/snapshot-file.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import { until } from "../test-support/wait.js";
import { createBackedStore } from "./backed-store.js";
import { createFlakyStore } from "./test-support/flaky-store.js";

const dir = mkdtempSync(join(tmpdir(), "moat-backed-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a unit restarted while the database is down starts from its config backup, then catches up", async () => {
  const path = join(dir, "config-snapshot.json");
  const flaky = createFlakyStore(await createSqliteStore({ path: ":memory:" }));
  const logs: string[] = [];
  const first = createBackedStore({ store: flaky, snapshotPath: path, log: (_l, m) => logs.push(m), backupDelayMs: 5 });
  await flaky.put("namedValue", "namedValues/a", { displayName: "a", value: "1" });
  // The first watcher starts the backup writer; it copies revision 1, then every change after it.
  const stop = first.watch(0, () => undefined);
  await flaky.put("namedValue", "namedValues/b", { displayName: "b", value: "2" });
  await until(async () => (await readSnapshotFile(path))?.revision === 2, "backup at revision 2");
  stop();

  // "Restart": a new unit on the same file, with the database unreachable.
  flaky.down = true;
  const second = createBackedStore({ store: flaky, snapshotPath: path, log: (_l, m) => logs.push(m) });
  const snap = await second.snapshot();
  assert.equal(snap.revision, 2);
  assert.deepEqual(
    snap.entities.map((e) => e.id),
    ["namedValues/a", "namedValues/b"],
  );
  assert.equal(second.fromBackup, 2);
  assert.ok(
    logs.some((m) => /serving revision 2 from/.test(m)),
    logs.join("\n"),
  );

  // Back up: snapshots come from the database again, and the change feed resumes from the file's revision.
  flaky.down = false;
  const seen: number[] = [];
  const unwatch = second.watch(snap.revision, (e) => seen.push(e.revision));
  await flaky.put("namedValue", "namedValues/c", { displayName: "c", value: "3" });
  await until(() => seen.includes(3), "change 3 delivered");
  assert.equal((await second.snapshot()).revision, 3);
  assert.equal(second.fromBackup, undefined);
  unwatch();
  await first.close().catch(() => undefined);
});

test("without a backup the database error is reported as it is", async () => {
  const flaky = createFlakyStore(await createSqliteStore({ path: ":memory:" }));
  flaky.down = true;
  const store = createBackedStore({ store: flaky, snapshotPath: join(dir, "none.json"), log: () => undefined });
  await assert.rejects(store.snapshot(), { code: "STORE_ERR_UNAVAILABLE" });
  await store.close();
});
