import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { Snapshot } from "./contract.js";
import { StoreError } from "./contract.js";
import { readSnapshotFile, startSnapshotBackup, writeSnapshotFile } from "./snapshot-file.js";
import { createSqliteStore } from "./sqlite/sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "moat-snapshot-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const snapshot: Snapshot = {
  revision: 42,
  entities: [
    {
      kind: "api",
      id: "apis/échø",
      name: "échø",
      parentId: "",
      properties: { displayName: "Echo 😀", nested: { list: [1, null, "x"] } },
      etag: '"2a-abc"',
      revision: 41,
    },
    {
      kind: "policy",
      id: "policies/policy",
      name: "policy",
      parentId: "",
      properties: { value: "<policies><inbound><base /></inbound></policies>" },
      etag: '"2a-def"',
      revision: 42,
    },
  ],
};

async function rejectsInvalid(path: string, why: RegExp) {
  await assert.rejects(readSnapshotFile(path), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, "STORE_ERR_INVALID");
    assert.match(error.message, why);
    return true;
  });
}

describe("snapshot file", () => {
  test("round-trips a snapshot and leaves no temp file", async () => {
    const path = join(dir, "nested", "deeper", "config.snapshot");
    await writeSnapshotFile(path, snapshot);
    assert.deepEqual(await readSnapshotFile(path), snapshot);
    await writeSnapshotFile(path, { revision: 43, entities: [] });
    assert.deepEqual(await readSnapshotFile(path), { revision: 43, entities: [] });
    assert.deepEqual(readdirSync(join(dir, "nested", "deeper")), ["config.snapshot"]);
  });

  test("a missing file is undefined", async () => {
    assert.equal(await readSnapshotFile(join(dir, "absent.snapshot")), undefined);
  });

  test("damage is detected and named", async () => {
    const path = join(dir, "damaged.snapshot");
    await writeSnapshotFile(path, snapshot);
    const good = readFileSync(path);

    const flipped = Buffer.from(good);
    const at = flipped.length - 10;
    flipped[at] = (flipped[at] ?? 0) ^ 0x01;
    writeFileSync(path, flipped);
    await rejectsInvalid(path, /checksum mismatch/);

    writeFileSync(path, good.subarray(0, good.length - 5));
    await rejectsInvalid(path, /bytes, header says/);

    writeFileSync(path, "not a snapshot at all");
    await rejectsInvalid(path, /no header line/);

    writeFileSync(path, '{"format":"something-else"}\n{}');
    await rejectsInvalid(path, /not a moat-config-snapshot file/);

    writeFileSync(path, "{oops\n{}");
    await rejectsInvalid(path, /header is not JSON/);
  });

  test("concurrent writers never leave a torn file", async () => {
    const path = join(dir, "raced.snapshot");
    const versions = Array.from({ length: 20 }, (_, i) => ({ revision: i, entities: snapshot.entities }));
    await Promise.all(versions.map((v) => writeSnapshotFile(path, v)));
    const read = await readSnapshotFile(path);
    assert.ok(read !== undefined && read.revision >= 0 && read.revision < 20);
    assert.deepEqual(read.entities, snapshot.entities);
  });

  test("a backup follows the store's changes", async () => {
    const store = await createSqliteStore({ path: ":memory:" });
    const path = join(dir, "backup.snapshot");
    await store.put("api", "apis/one", { n: 1 });
    const backup = startSnapshotBackup(store, path, { delayMs: 5 });
    try {
      const deadline = performance.now() + 5000;
      await store.put("api", "apis/two", { n: 2 });
      for (;;) {
        const read = await readSnapshotFile(path);
        if (read?.entities.length === 2) break;
        assert.ok(performance.now() < deadline, "backup did not catch up");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await store.delete("api", "apis/one");
      await backup.flush();
      const read = await readSnapshotFile(path);
      assert.deepEqual(
        read?.entities.map((e) => e.id),
        ["apis/two"],
      );
      assert.equal(read?.revision, await store.revision());
    } finally {
      await backup.stop();
      await store.close();
    }
  });
});
