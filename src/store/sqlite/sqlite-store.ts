// The embedded ConfigStore on better-sqlite3: one file, WAL with synchronous=FULL so a resolved write
// is on disk, one store-wide revision row bumped inside every write transaction. Watchers in this
// process are woken right after a commit; other processes sharing the file are noticed by polling the
// change feed while anyone watches.
import Database from "better-sqlite3";
import type { StoredEntity } from "../../model/resources.js";
import type {
  ChangeEvent,
  ChangeRetention,
  ConfigStore,
  ListOptions,
  ListResult,
  Snapshot,
  WriteOp,
} from "../contract.js";
import { StoreError } from "../contract.js";
import {
  assertPaging,
  assertRevision,
  type ChangeRow,
  changeFromRow,
  checkPreconditions,
  descendantRange,
  type EntityRow,
  entityFromRow,
  newEtag,
} from "../entity-path.js";
import { type PreparedOp, prepareOps } from "../prepare-ops.js";
import { pruneDue, pruneTarget, resolveRetention, withReset } from "../retention.js";
import { createWatchHub } from "../watch-hub.js";
import { createWriteMethods } from "../write-methods.js";
import { createWriteQueue, type Outcome } from "../write-queue.js";
import { migrateSqlite } from "./migrations.js";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:" for a private in-memory database. */
  path: string;
  /** How long a write waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
  /** How often the change feed is polled for other processes' writes while someone watches. */
  pollIntervalMs?: number;
  /** How long the change feed keeps changes (defaults: 10 000 revisions and 1 hour). */
  changeRetention?: ChangeRetention;
}

const unavailableCodes = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)/;

function mapError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && unavailableCodes.test(code)) {
    return new StoreError("STORE_ERR_UNAVAILABLE", `SQLite store unavailable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new StoreError("STORE_ERR_UNAVAILABLE", "SQLite store is closed", { cause: error });
  }
  return error;
}

function openDatabase(options: SqliteStoreOptions): Database.Database {
  try {
    const db = new Database(options.path);
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    migrateSqlite(db);
    return db;
  } catch (error) {
    const mapped = mapError(error);
    if (mapped instanceof StoreError) throw mapped;
    throw new StoreError("STORE_ERR_UNAVAILABLE", `cannot open SQLite store ${options.path}: ${String(error)}`, {
      cause: error,
    });
  }
}

export async function createSqliteStore(options: SqliteStoreOptions): Promise<ConfigStore> {
  const retention = resolveRetention(options.changeRetention);
  const db = openDatabase(options);
  const sql = {
    revision: db.prepare<[], { revision: number }>("SELECT revision FROM store_state WHERE id = 1"),
    setRevision: db.prepare<[number]>("UPDATE store_state SET revision = ? WHERE id = 1"),
    get: db.prepare<[string, string], EntityRow>("SELECT * FROM entities WHERE kind = ? AND id = ?"),
    etag: db.prepare<[string, string], { etag: string }>("SELECT etag FROM entities WHERE kind = ? AND id = ?"),
    upsert: db.prepare<[string, string, string, string, string, string, number]>(
      `INSERT INTO entities (kind, id, parent_id, name, properties, etag, revision) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,
         properties = excluded.properties, etag = excluded.etag, revision = excluded.revision`,
    ),
    deleteOne: db.prepare<[string, string]>("DELETE FROM entities WHERE kind = ? AND id = ?"),
    descendants: db.prepare<[string, string], Omit<EntityRow, "properties" | "etag" | "revision">>(
      "SELECT kind, id, parent_id, name FROM entities WHERE id >= ? AND id < ? ORDER BY id DESC, kind",
    ),
    deleteDescendants: db.prepare<[string, string]>("DELETE FROM entities WHERE id >= ? AND id < ?"),
    change: db.prepare<[number, string, string, string, string, string, string | null, string | null, number]>(
      `INSERT INTO changes (revision, op, kind, id, parent_id, name, properties, etag, committed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    horizon: db.prepare<[], { pruned_through: number }>("SELECT pruned_through FROM store_state WHERE id = 1"),
    firstYoung: db.prepare<[number, number], { revision: number }>(
      "SELECT revision FROM changes WHERE revision > ? AND committed_at >= ? ORDER BY revision LIMIT 1",
    ),
    prune: db.prepare<[number]>("DELETE FROM changes WHERE revision <= ?"),
    setHorizon: db.prepare<[number]>("UPDATE store_state SET pruned_through = ? WHERE id = 1"),
    listAll: db.prepare<[string, number, number], EntityRow>(
      "SELECT * FROM entities WHERE kind = ? ORDER BY id LIMIT ? OFFSET ?",
    ),
    countAll: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM entities WHERE kind = ?"),
    listChildren: db.prepare<[string, string, number, number], EntityRow>(
      "SELECT * FROM entities WHERE kind = ? AND parent_id = ? ORDER BY id LIMIT ? OFFSET ?",
    ),
    countChildren: db.prepare<[string, string], { n: number }>(
      "SELECT count(*) AS n FROM entities WHERE kind = ? AND parent_id = ?",
    ),
    changes: db.prepare<[number, number], ChangeRow>(
      "SELECT * FROM changes WHERE revision > ? ORDER BY revision LIMIT ?",
    ),
    everything: db.prepare<[], EntityRow>("SELECT * FROM entities ORDER BY kind, id"),
  };

  const currentRevision = (): number => sql.revision.get()?.revision ?? 0;
  const currentHorizon = (): number => sql.horizon.get()?.pruned_through ?? 0;
  // One timestamp per batch: the batch commits as one transaction.
  let batchTime = Date.now();

  // Runs inside the batch's transaction when it crossed a pruning step: deletes a prefix of the feed
  // and moves the horizon in the same commit, so readers never see one without the other.
  function pruneFeed(before: number, after: number): void {
    if (!pruneDue(retention, before, after)) return;
    const horizon = currentHorizon();
    const firstYoung =
      retention.keepMs > 0 ? sql.firstYoung.get(horizon, batchTime - retention.keepMs)?.revision : undefined;
    const target = pruneTarget(retention, after, horizon, firstYoung);
    if (target <= horizon) return;
    sql.prune.run(target);
    sql.setHorizon.run(target);
  }

  /** Changes after `since` read with the horizon in one read transaction (one WAL snapshot). */
  const readFeed = db.transaction((since: number, limit: number): ChangeEvent[] => {
    const horizon = currentHorizon();
    return withReset(since, horizon, sql.changes.all(Math.max(since, horizon), limit).map(changeFromRow));
  });

  // Runs as a savepoint inside a batch's IMMEDIATE transaction: preconditions are judged against the
  // latest committed state because the write lock is taken before the first read.
  const applyOps = db.transaction((ops: readonly PreparedOp[]) => {
    let revision = currentRevision();
    const written: StoredEntity[] = [];
    const deleted: boolean[] = [];
    for (const op of ops) {
      const current = sql.etag.get(op.kind, op.id)?.etag;
      checkPreconditions(op.kind, op.id, current, op.options);
      if (op.op === "put") {
        revision++;
        const etag = newEtag(revision);
        sql.upsert.run(op.kind, op.id, op.parentId, op.name, op.text, etag, revision);
        sql.change.run(revision, "put", op.kind, op.id, op.parentId, op.name, op.text, etag, batchTime);
        written.push(entityFromRow({ ...op, parent_id: op.parentId, properties: op.text, etag, revision: revision }));
        deleted.push(false);
        continue;
      }
      const { from, to } = descendantRange(op.id);
      const children = op.id === "" ? [] : sql.descendants.all(from, to);
      for (const child of children) {
        revision++;
        sql.change.run(revision, "delete", child.kind, child.id, child.parent_id, child.name, null, null, batchTime);
      }
      if (children.length > 0) sql.deleteDescendants.run(from, to);
      if (current !== undefined) {
        revision++;
        sql.deleteOne.run(op.kind, op.id);
        sql.change.run(revision, "delete", op.kind, op.id, op.parentId, op.name, null, null, batchTime);
      }
      deleted.push(current !== undefined);
    }
    sql.setRevision.run(revision);
    return { written, deleted };
  });

  let closed = false;
  let pollTimer: NodeJS.Timeout | undefined;
  const hub = createWatchHub({
    backend: "sqlite",
    read: async (since, limit) => guard(() => readFeed(since, limit)),
    onActiveChange(active) {
      clearInterval(pollTimer);
      pollTimer = undefined;
      if (!active || closed) return;
      pollTimer = setInterval(() => hub.poke(), options.pollIntervalMs ?? 200);
      pollTimer.unref();
    },
  });

  function guard<T>(work: () => T): T {
    if (closed) throw new StoreError("STORE_ERR_UNAVAILABLE", "SQLite store is closed");
    try {
      return work();
    } catch (error) {
      throw mapError(error);
    }
  }

  // Each request runs in a savepoint (a nested better-sqlite3 transaction) inside one IMMEDIATE
  // transaction per batch: a failed precondition undoes only its own request; anything else (I/O,
  // full disk) fails the whole batch.
  const applyBatch = db.transaction((batch: readonly PreparedOp[][]): Outcome<ReturnType<typeof applyOps>>[] => {
    batchTime = Date.now();
    const before = currentRevision();
    const outcomes = batch.map((ops): Outcome<ReturnType<typeof applyOps>> => {
      try {
        return { ok: true, value: applyOps(ops) };
      } catch (error) {
        if (error instanceof StoreError) return { ok: false, error };
        throw error;
      }
    });
    pruneFeed(before, currentRevision());
    return outcomes;
  });
  const queue = createWriteQueue(async (batch) => guard(() => applyBatch.immediate(batch)));

  async function write(ops: readonly WriteOp[]) {
    const prepared = prepareOps(ops);
    if (closed) throw new StoreError("STORE_ERR_UNAVAILABLE", "SQLite store is closed");
    const result = await queue.submit(prepared);
    hub.poke();
    return result;
  }

  const store: ConfigStore = {
    backend: "sqlite",
    async revision() {
      return guard(currentRevision);
    },
    async get<P>(kind: string, id: string) {
      const row = guard(() => sql.get.get(kind, id));
      return row === undefined ? undefined : entityFromRow<P>(row);
    },
    async list<P>(kind: string, listOptions: ListOptions = {}) {
      const { parentId, top, skip } = listOptions;
      assertPaging(top, skip);
      const limit = top ?? -1;
      const offset = skip ?? 0;
      return guard((): ListResult<P> => {
        const read = db.transaction(() =>
          parentId === undefined
            ? { rows: sql.listAll.all(kind, limit, offset), total: sql.countAll.get(kind)?.n ?? 0 }
            : {
                rows: sql.listChildren.all(kind, parentId, limit, offset),
                total: sql.countChildren.get(kind, parentId)?.n ?? 0,
              },
        );
        const { rows, total } = read();
        return { items: rows.map((row) => entityFromRow<P>(row)), total };
      });
    },
    ...createWriteMethods(write),
    async changes(sinceRevision): Promise<ChangeEvent[]> {
      assertRevision(sinceRevision);
      return guard(() => readFeed(sinceRevision, -1));
    },
    watch(sinceRevision, listener) {
      assertRevision(sinceRevision);
      return hub.add(sinceRevision, listener);
    },
    async snapshot(): Promise<Snapshot> {
      // A read transaction pins one WAL snapshot for both statements.
      return guard(() =>
        db.transaction(() => ({
          revision: currentRevision(),
          entities: sql.everything.all().map((row) => entityFromRow<Record<string, unknown>>(row)),
        }))(),
      );
    },
    async close() {
      if (closed) return;
      hub.close();
      closed = true;
      clearInterval(pollTimer);
      db.close();
    },
  };
  return store;
}
