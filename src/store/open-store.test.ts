import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { StoreError } from "./contract.js";
import { createConfigStore } from "./open-store.js";

const dir = mkdtempSync(join(tmpdir(), "moat-open-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const databaseUrl = process.env.MOAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

test('"sqlite" opens <dataDir>/moat.db, creating the directory', async () => {
  const dataDir = join(dir, "data", "dir");
  const store = await createConfigStore("sqlite", { dataDir });
  await store.put("api", "apis/a", { ok: true });
  await store.close();
  assert.ok(existsSync(join(dataDir, "moat.db")));
  const again = await createConfigStore("sqlite", { dataDir });
  assert.deepEqual((await again.get("api", "apis/a"))?.properties, { ok: true });
  assert.equal(again.backend, "sqlite");
  await again.close();
});

test('"sqlite:<file>" and "sqlite:///<file>" open that file', async () => {
  for (const url of [`sqlite:${join(dir, "a", "x.db")}`, `sqlite://${join(dir, "b", "y.db")}`]) {
    const store = await createConfigStore(url, { dataDir: join(dir, "unused") });
    await store.put("api", "apis/a", {});
    await store.close();
  }
  assert.ok(existsSync(join(dir, "a", "x.db")));
  assert.ok(existsSync(join(dir, "b", "y.db")));
  assert.ok(!existsSync(join(dir, "unused")));
});

test('"sqlite::memory:" is private to the instance', async () => {
  const first = await createConfigStore("sqlite::memory:", { dataDir: dir });
  const second = await createConfigStore("sqlite::memory:", { dataDir: dir });
  await first.put("api", "apis/a", {});
  assert.equal(await second.get("api", "apis/a"), undefined);
  await first.close();
  await second.close();
});

test("postgres:// with ?schema= opens PostgreSQL in that schema", async () => {
  const schema = `moat_open_${process.pid}`;
  for (const scheme of ["postgres", "postgresql"]) {
    const url = `${databaseUrl.replace(/^postgres(ql)?/, scheme)}?schema=${schema}`;
    const store = await createConfigStore(url, { dataDir: dir });
    assert.equal(store.backend, "postgres");
    await store.put("api", `apis/${scheme}`, {});
    await store.close();
  }
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query(`SELECT id FROM "${schema}".entities ORDER BY id`);
    assert.deepEqual(
      rows.map((r) => r.id),
      ["apis/postgres", "apis/postgresql"],
    );
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
});

test("unknown or malformed URLs are a clear STORE_ERR_INVALID, without echoing secrets", async () => {
  const cases: Array<[string, RegExp]> = [
    ["mysql://root:secret@db/x", /unknown store "mysql:"/],
    ["", /store URL is empty/],
    ["sqlite:", /names no file/],
    ["postgres://user:secret@[bad/x", /not a valid postgres/],
    ["postgres://postgres@127.0.0.1/test?schema=Bad-Name", /schema "Bad-Name"/],
  ];
  for (const [url, message] of cases) {
    await assert.rejects(createConfigStore(url, { dataDir: dir }), (error: unknown) => {
      assert.ok(error instanceof StoreError, `${url}: ${String(error)}`);
      assert.equal(error.code, "STORE_ERR_INVALID");
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  }
});

test("changeRetention reaches either backend; bad values are STORE_ERR_INVALID before anything opens", async () => {
  const schema = `moat_open_retention_${process.pid}`;
  for (const url of ["sqlite::memory:", `${databaseUrl}?schema=${schema}`]) {
    const store = await createConfigStore(url, { dataDir: dir, changeRetention: { keepRevisions: 2, keepMs: 0 } });
    try {
      const base = await store.revision();
      for (let i = 0; i < 6; i++) await store.put("api", `apis/keep-${i}`, { i });
      const events = await store.changes(0);
      assert.deepEqual(
        events.map((e) => `${e.op}@${e.revision - base}`),
        ["reset@4", "put@5", "put@6"],
        url,
      );
    } finally {
      await store.close();
    }
    await assert.rejects(
      createConfigStore(url, { dataDir: dir, changeRetention: { keepRevisions: -1 } }),
      (e: unknown) => e instanceof StoreError && e.code === "STORE_ERR_INVALID" && /keepRevisions/.test(e.message),
    );
  }
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});
