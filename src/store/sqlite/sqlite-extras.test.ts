import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { StoreError } from "../contract.js";
import { sqliteMigrations } from "./migrations.js";
import { createSqliteStore } from "./sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "moat-sqlite-extras-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("opening twice migrates once, and leaves the file in WAL mode", async () => {
  const path = join(dir, "migrated.db");
  const [first, second] = await Promise.all([createSqliteStore({ path }), createSqliteStore({ path })]);
  await first.close();
  await second.close();
  const db = new Database(path, { readonly: true });
  try {
    const applied = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
    assert.deepEqual(
      applied,
      sqliteMigrations.map((m) => ({ version: m.version })),
    );
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  } finally {
    db.close();
  }
});

test("an in-memory store works and is private", async () => {
  const store = await createSqliteStore({ path: ":memory:" });
  const since = await store.revision();
  const seen: string[] = [];
  const stop = store.watch(since, (event) => seen.push(event.id));
  await store.put("api", "apis/mem", { ok: true });
  await store.put("operation", "apis/mem/operations/o", {});
  await store.delete("api", "apis/mem");
  for (let i = 0; seen.length < 4 && i < 500; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  stop();
  assert.deepEqual(seen, ["apis/mem", "apis/mem/operations/o", "apis/mem/operations/o", "apis/mem"]);
  await store.close();
});

test("a file that is not a database is STORE_ERR_UNAVAILABLE, as is a closed store", async () => {
  const path = join(dir, "garbage.db");
  writeFileSync(path, "this is not sqlite ".repeat(100));
  await assert.rejects(createSqliteStore({ path }), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, "STORE_ERR_UNAVAILABLE");
    return true;
  });
  const store = await createSqliteStore({ path: ":memory:" });
  await store.close();
  await assert.rejects(store.get("api", "apis/a"), (error: unknown) => {
    assert.ok(error instanceof StoreError && error.code === "STORE_ERR_UNAVAILABLE");
    return true;
  });
});

test("a writer blocked by another process's lock fails with STORE_ERR_UNAVAILABLE after busy_timeout", async () => {
  const path = join(dir, "locked.db");
  const store = await createSqliteStore({ path, busyTimeoutMs: 50 });
  const blocker = new Database(path);
  blocker.exec("BEGIN IMMEDIATE");
  try {
    await assert.rejects(store.put("api", "apis/a", {}), (error: unknown) => {
      assert.ok(error instanceof StoreError && error.code === "STORE_ERR_UNAVAILABLE", String(error));
      return true;
    });
  } finally {
    blocker.exec("ROLLBACK");
    blocker.close();
  }
  await store.put("api", "apis/a", {});
  await store.close();
});

test("a database from before change retention is upgraded: its old feed rows count as old and get pruned", async () => {
  const path = join(dir, "v1.db");
  const v1 = new Database(path);
  v1.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  v1.exec(sqliteMigrations[0]?.sql ?? "");
  v1.prepare("INSERT INTO schema_migrations VALUES (1, 'entities and change feed', '2026-01-01T00:00:00Z')").run();
  for (let revision = 1; revision <= 3; revision++) {
    v1.prepare(
      `INSERT INTO entities VALUES ('api', 'apis/old${revision}', '', 'old${revision}', '{}', '"${revision}"', ${revision})`,
    ).run();
    v1.prepare(
      `INSERT INTO changes VALUES (${revision}, 'put', 'api', 'apis/old${revision}', '', 'old${revision}', '{}', '"${revision}"')`,
    ).run();
  }
  v1.prepare("UPDATE store_state SET revision = 3").run();
  v1.close();

  const store = await createSqliteStore({ path, changeRetention: { keepRevisions: 2, keepMs: 60_000 } });
  try {
    assert.deepEqual(
      (await store.changes(0)).map((e) => e.revision),
      [1, 2, 3],
    );
    await store.put("api", "apis/new", {});
    // Revision 4 is young and within the count; 1 and 2 are beyond it and have no commit time.
    assert.deepEqual(
      (await store.changes(0)).map((e) => `${e.op}@${e.revision}`),
      ["reset@2", "put@3", "put@4"],
    );
    assert.equal((await store.snapshot()).entities.length, 4);
  } finally {
    await store.close();
  }
});
