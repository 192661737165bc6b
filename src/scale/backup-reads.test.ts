import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createConfigStore } from "../store/index.js";
import { createBackedStore } from "./backed-store.js";
import { withBackupReads } from "./backup-reads.js";
import { createFlakyStore } from "./test-support/flaky-store.js";

test("with the database down, the network settings are read from the configuration backup", async () => {
  const dir = await mkdtemp(join(tmpdir(), "moat-backup-reads-"));
  const inner = createFlakyStore(await createConfigStore("sqlite::memory:", { dataDir: dir }));
  const backed = createBackedStore({ store: inner, snapshotPath: join(dir, "snapshot.json"), log: () => {} });
  try {
    await inner.put("service", "", { virtualNetworkType: "Internal" });
    await inner.put("api", "apis/b", { serviceUrl: "http://b.corp" });
    await inner.put("api", "apis/a", { serviceUrl: "http://a.corp" });
    await inner.put("operation", "apis/a/operations/get", { method: "GET" });
    // The backup is written by the first watcher (the gateway's), after each change.
    const stop = backed.watch(0, () => {});
    const revision = await inner.revision();
    const deadline = Date.now() + 5000;
    for (;;) {
      inner.down = true;
      const saved = await backed.snapshot().catch(() => undefined);
      inner.down = false;
      if (saved?.revision === revision) break;
      if (Date.now() > deadline) assert.fail("no configuration backup written");
      await new Promise((r) => setTimeout(r, 50));
    }
    stop();

    const reads = withBackupReads(backed);
    inner.down = true;
    assert.equal(await reads.revision(), revision);
    assert.deepEqual((await reads.get("service", ""))?.properties, { virtualNetworkType: "Internal" });
    assert.equal(await reads.get("service", "other"), undefined);
    const apis = await reads.list("api", {});
    assert.deepEqual(
      apis.items.map((e) => e.id),
      ["apis/a", "apis/b"],
    );
    assert.equal((await reads.list("operation", { parentId: "apis/a", top: 1 })).total, 1);
    await assert.rejects(reads.put("api", "apis/c", {}), /unreachable/, "writes are not answered from the backup");
    inner.down = false;
    assert.equal((await reads.list("api", {})).total, 2, "the database answers again");
  } finally {
    await backed.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
