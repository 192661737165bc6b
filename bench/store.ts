// Configuration store throughput: puts/second for 10,000 entities on SQLite and PostgreSQL.
// Usage: node --import tsx bench/store.ts [count]   (MOAT_BENCH_POSTGRES_URL overrides the database)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type ConfigStore, createPostgresStore, createSqliteStore } from "../src/store/index.js";

const count = Number(process.argv[2] ?? 10_000);
const postgresUrl = process.env.MOAT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const properties = (i: number) => ({
  displayName: `Operation ${i}`,
  method: "GET",
  urlTemplate: `/items/${i}/{id}`,
  templateParameters: [{ name: "id", type: "string", required: true }],
  description: "x".repeat(200),
});

async function timed(label: string, operations: number, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  console.log(
    `  ${label.padEnd(44)} ${String(Math.round((operations / ms) * 1000)).padStart(8)} /s  (${ms.toFixed(0)} ms)`,
  );
}

async function run(name: string, store: ConfigStore): Promise<void> {
  console.log(`${name}: ${count} entities`);
  const apis = 100;
  const perApi = count / apis;
  await timed("put, sequential (one transaction each)", count, async () => {
    for (let i = 0; i < count; i++) {
      await store.put("operation", `apis/a${i % apis}/operations/o${Math.floor(i / apis)}`, properties(i));
    }
  });
  await timed("put, 16 concurrent callers", count, async () => {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        await store.put("operation", `apis/b${i % apis}/operations/o${Math.floor(i / apis)}`, properties(i));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  });
  await timed(`put, transactions of ${perApi}`, count, async () => {
    for (let a = 0; a < apis; a++) {
      await store.transaction(
        Array.from({ length: perApi }, (_, o) => ({
          op: "put" as const,
          kind: "operation" as const,
          id: `apis/c${a}/operations/o${o}`,
          properties: properties(a * perApi + o),
        })),
      );
    }
  });
  await timed("get, sequential", count, async () => {
    for (let i = 0; i < count; i++)
      await store.get("operation", `apis/a${i % apis}/operations/o${Math.floor(i / apis)}`);
  });
  let entities = 0;
  await timed("snapshot (entities/s)", count * 3, async () => {
    entities = (await store.snapshot()).entities.length;
  });
  console.log(`  snapshot holds ${entities} entities; revision ${await store.revision()}`);
}

/** Put through one instance, time until a watcher on a second instance (another connection) sees it. */
async function propagation(name: string, writer: ConfigStore, reader: ConfigStore, samples = 200): Promise<void> {
  const waiting = new Map<string, () => void>();
  const stop = reader.watch(await reader.revision(), (event) => waiting.get(event.id)?.());
  const latencies: number[] = [];
  // The store's poll timer is unref'd (it must not keep a server process alive); this bench has
  // nothing else pending while it waits for the watcher.
  const keepAlive = setInterval(() => {}, 1000);
  for (let i = 0; i < samples; i++) {
    const id = `apis/propagation-${i}`;
    const seen = new Promise<void>((resolve) => waiting.set(id, resolve));
    const started = performance.now();
    await writer.put("api", id, { i });
    await seen;
    latencies.push(performance.now() - started);
  }
  stop();
  clearInterval(keepAlive);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1);
  console.log(`  ${name}: write → other instance's watcher  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms`);
}

const dir = mkdtempSync(join(tmpdir(), "moat-bench-store-"));
try {
  const sqlite = await createSqliteStore({ path: join(dir, "moat.db") });
  await run("sqlite (WAL, synchronous=FULL)", sqlite);
  const sqliteReader = await createSqliteStore({ path: join(dir, "moat.db") });
  await propagation("sqlite, polling every 200 ms", sqlite, sqliteReader);
  await sqliteReader.close();
  await sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const schema = `moat_bench_${process.pid}`;
const postgres = await createPostgresStore({ connectionString: postgresUrl, schema });
try {
  await run("postgres", postgres);
  const postgresReader = await createPostgresStore({ connectionString: postgresUrl, schema });
  await propagation("postgres, LISTEN/NOTIFY", postgres, postgresReader);
  await postgresReader.close();
} finally {
  await postgres.close();
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
