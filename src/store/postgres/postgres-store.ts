// The ConfigStore on PostgreSQL, for several units sharing one configuration. Every write transaction
// first locks the single store_state row, so writers serialise and revision order equals commit order:
// a reader of the change feed can never see revision n+1 before n. Commits NOTIFY the revision; a
// listening connection wakes the watch hub, which reads the feed from its last delivered revision.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { StoredEntity } from "../../model/resources.js";
import type { ChangeEvent, ConfigStore, ListOptions, ListResult, Snapshot, WriteOp } from "../contract.js";
import { StoreError } from "../contract.js";
import {
  assertPaging,
  type ChangeRow,
  changeFromRow,
  checkPreconditions,
  descendantRange,
  type EntityRow,
  entityFromRow,
  newEtag,
} from "../entity-path.js";
import { type PreparedOp, prepareOps } from "../prepare-ops.js";
import { createWatchHub } from "../watch-hub.js";
import { createWriteQueue, type Outcome } from "../write-queue.js";
import { createChangeListener } from "./change-listener.js";
import { isConnectionError, mapPgError } from "./errors.js";
import { migratePostgres } from "./migrations.js";

export interface PostgresStoreOptions {
  connectionString: string;
  /** PostgreSQL schema holding the store's tables (created if missing). */
  schema?: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Client-side limit on one query, so a hung server turns into STORE_ERR_UNAVAILABLE, not a hang. */
  queryTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,47}$/;

export async function createPostgresStore(options: PostgresStoreOptions): Promise<ConfigStore> {
  const schema = options.schema ?? "moat";
  if (!schemaPattern.test(schema)) {
    throw new StoreError("STORE_ERR_INVALID", `schema "${schema}" must match ${schemaPattern} (lower case)`);
  }
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    keepAlive: true,
    application_name: `moat-store-${schema}`,
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle pooled connection that dies emits here; the pool already discards it.
  pool.on("error", () => undefined);
  // A checked-out connection that dies emits "error" on the client as well as failing its query;
  // without a listener that event would crash the process. The query's rejection is what we report.
  pool.on("connect", (client) => client.on("error", () => undefined));

  const s = `"${schema}"`;
  const channel = `moat_store_${schema}`;
  const sql = {
    // Simple-protocol batches (no parameters): one round trip each. In READ COMMITTED every statement
    // takes a fresh snapshot, so reads after the lock see everything committed before it.
    begin: `BEGIN; SELECT revision FROM ${s}.store_state WHERE id = 1 FOR UPDATE`,
    commit: (revision: number) =>
      `UPDATE ${s}.store_state SET revision = ${revision} WHERE id = 1; SELECT pg_notify('${channel}', '${revision}'); COMMIT`,
    // The common case, a put without preconditions, as one autocommit statement: the UPDATE takes the
    // revision row lock first, so it serialises with every other write exactly like the long path.
    fastPut: `WITH bumped AS (
        UPDATE ${s}.store_state SET revision = revision + 1 WHERE id = 1 RETURNING revision
      ), written AS (
        INSERT INTO ${s}.entities (kind, id, parent_id, name, properties, etag, revision)
        SELECT $1, $2, $3, $4, $5, '"' || to_hex(revision) || '-' || $6::text || '"', revision FROM bumped
        ON CONFLICT (kind, id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,
          properties = excluded.properties, etag = excluded.etag, revision = excluded.revision
        RETURNING etag, revision
      ), logged AS (
        INSERT INTO ${s}.changes (revision, op, kind, id, parent_id, name, properties, etag)
        SELECT revision, 'put', $1, $2, $3, $4, $5, etag FROM written
      )
      SELECT etag, revision, pg_notify($7, revision::text) FROM written`,
    etag: `SELECT etag FROM ${s}.entities WHERE kind = $1 AND id = $2`,
    put: `WITH written AS (
        INSERT INTO ${s}.entities (kind, id, parent_id, name, properties, etag, revision)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (kind, id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,
          properties = excluded.properties, etag = excluded.etag, revision = excluded.revision
        RETURNING 1)
      INSERT INTO ${s}.changes (revision, op, kind, id, parent_id, name, properties, etag)
      SELECT $7, 'put', $1, $2, $3, $4, $5, $6 FROM written`,
    deleteTree: `DELETE FROM ${s}.entities WHERE (kind = $1 AND id = $2) OR (id >= $3 AND id < $4)
      RETURNING kind, id, parent_id, name`,
    deleteChange: `INSERT INTO ${s}.changes (revision, op, kind, id, parent_id, name)
      SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    revision: `SELECT revision FROM ${s}.store_state WHERE id = 1`,
    get: `SELECT * FROM ${s}.entities WHERE kind = $1 AND id = $2`,
    list: `SELECT *, count(*) OVER () AS total FROM ${s}.entities WHERE kind = $1 AND ($2::text IS NULL OR parent_id = $2)
      ORDER BY id LIMIT $3 OFFSET $4`,
    count: `SELECT count(*) AS n FROM ${s}.entities WHERE kind = $1 AND ($2::text IS NULL OR parent_id = $2)`,
    changes: `SELECT * FROM ${s}.changes WHERE revision > $1 ORDER BY revision LIMIT $2`,
    everything: `SELECT * FROM ${s}.entities ORDER BY kind, id`,
  };

  let closed = false;
  let migrated: Promise<void> | undefined;

  async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (closed) throw new StoreError("STORE_ERR_UNAVAILABLE", "PostgreSQL store is closed");
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw mapPgError(error);
    }
    try {
      const result = await work(client);
      client.release();
      return result;
    } catch (error) {
      // A connection that failed mid-conversation is destroyed rather than returned to the pool.
      client.release(isConnectionError(error) ? (error as Error) : undefined);
      throw mapPgError(error);
    }
  }

  // Migrations run lazily and are retried after a failure, so a unit started while PostgreSQL is
  // down gets a store that reports STORE_ERR_UNAVAILABLE until the database comes back.
  function ready(): Promise<void> {
    migrated ??= withClient(async (client) => {
      await migratePostgres(client, schema);
    }).catch((error: unknown) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  }

  async function query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    await ready();
    return withClient(async (client) => (await client.query<R>(text, values)).rows);
  }

  async function applyOp(client: pg.PoolClient, op: PreparedOp, revision: number, written: StoredEntity[]) {
    const found = await client.query<{ etag: string }>(sql.etag, [op.kind, op.id]);
    const current = found.rows[0]?.etag;
    checkPreconditions(op.kind, op.id, current, op.options);
    if (op.op === "put") {
      revision++;
      const etag = newEtag(revision);
      await client.query(sql.put, [op.kind, op.id, op.parentId, op.name, op.text, etag, revision]);
      written.push(entityFromRow({ ...op, parent_id: op.parentId, properties: op.text, etag, revision }));
      return { revision, deleted: false };
    }
    const { from, to } = descendantRange(op.id);
    const removed = await client.query<{ kind: string; id: string; parent_id: string; name: string }>(sql.deleteTree, [
      op.kind,
      op.id,
      from,
      to,
    ]);
    // Descendants first (deepest ids sort last, so descending), the entity itself last.
    const rows = removed.rows.sort((a, b) =>
      a.id === op.id && a.kind === op.kind ? 1 : b.id === op.id && b.kind === op.kind ? -1 : a.id < b.id ? 1 : -1,
    );
    if (rows.length > 0) {
      const revisions = rows.map(() => ++revision);
      await client.query(sql.deleteChange, [
        revisions,
        rows.map(() => "delete"),
        rows.map((r) => r.kind),
        rows.map((r) => r.id),
        rows.map((r) => r.parent_id),
        rows.map((r) => r.name),
      ]);
    }
    return { revision, deleted: current !== undefined };
  }

  interface WriteResult {
    written: StoredEntity[];
    deleted: boolean[];
  }

  async function fastPut(op: PreparedOp): Promise<WriteResult> {
    return withClient(async (client) => {
      const { rows } = await client.query<{ etag: string; revision: string }>(sql.fastPut, [
        op.kind,
        op.id,
        op.parentId,
        op.name,
        op.text,
        randomBytes(6).toString("hex"),
        channel,
      ]);
      const row = rows[0];
      if (!row) throw new StoreError("STORE_ERR_UNAVAILABLE", "PostgreSQL store: the store_state row is missing");
      return {
        written: [entityFromRow({ ...op, parent_id: op.parentId, properties: op.text, ...row })],
        deleted: [false],
      };
    });
  }

  // One transaction per batch of queued requests (group commit). A request of several ops runs in a
  // savepoint so its failure undoes only itself; a single op checks its preconditions before writing,
  // so it needs none. Errors other than StoreError (connection, SQL) fail the whole batch.
  async function commitBatch(batch: readonly PreparedOp[][]): Promise<Outcome<WriteResult>[]> {
    const single = batch.length === 1 && batch[0]?.length === 1 ? batch[0][0] : undefined;
    if (single?.op === "put" && single.options === undefined) return [{ ok: true, value: await fastPut(single) }];
    return withClient(async (client) => {
      try {
        const begun = (await client.query(sql.begin)) as unknown as pg.QueryResult<{ revision: string }>[];
        const start = Number(begun[1]?.rows[0]?.revision ?? 0);
        let revision = start;
        const outcomes: Outcome<WriteResult>[] = [];
        for (const ops of batch) {
          const savepoint = ops.length > 1;
          if (savepoint) await client.query("SAVEPOINT request");
          const value: WriteResult = { written: [], deleted: [] };
          let next = revision;
          try {
            for (const op of ops) {
              const outcome = await applyOp(client, op, next, value.written);
              next = outcome.revision;
              value.deleted.push(outcome.deleted);
            }
            if (savepoint) await client.query("RELEASE SAVEPOINT request");
            revision = next;
            outcomes.push({ ok: true, value });
          } catch (error) {
            if (!(error instanceof StoreError)) throw error;
            if (savepoint) await client.query("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request");
            outcomes.push({ ok: false, error });
          }
        }
        await client.query(revision !== start ? sql.commit(revision) : "COMMIT");
        return outcomes;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }
  const queue = createWriteQueue(commitBatch);

  async function write(ops: readonly WriteOp[]): Promise<WriteResult> {
    const prepared = prepareOps(ops);
    await ready();
    const result = await queue.submit(prepared);
    hub.poke();
    return result;
  }

  const readChanges = async (since: number, limit: number | null): Promise<ChangeEvent[]> =>
    (await query<ChangeRow>(sql.changes, [since, limit])).map(changeFromRow);

  const listener = createChangeListener({
    client: { ...clientConfig, application_name: `moat-store-listen-${schema}` },
    channel,
    onNotify: () => hub.poke(),
    onConnected: () => hub.poke(),
    minBackoffMs: options.reconnectMinMs,
    maxBackoffMs: options.reconnectMaxMs,
  });
  const hub = createWatchHub({
    backend: "postgres",
    read: readChanges,
    retryMs: options.reconnectMinMs ?? 100,
    onActiveChange: (active) => (active && !closed ? listener.start() : listener.stop()),
  });

  const store: ConfigStore = {
    backend: "postgres",
    async revision() {
      const rows = await query<{ revision: string }>(sql.revision, []);
      return Number(rows[0]?.revision ?? 0);
    },
    async get<P>(kind: string, id: string) {
      const rows = await query<EntityRow>(sql.get, [kind, id]);
      return rows[0] === undefined ? undefined : entityFromRow<P>(rows[0]);
    },
    async list<P>(kind: string, listOptions: ListOptions = {}): Promise<ListResult<P>> {
      const { parentId, top, skip } = listOptions;
      assertPaging(top, skip);
      const rows = await query<EntityRow & { total: string }>(sql.list, [
        kind,
        parentId ?? null,
        top ?? null,
        skip ?? 0,
      ]);
      // A page past the end has no row to carry the window count: count separately then.
      const total =
        rows[0] !== undefined
          ? Number(rows[0].total)
          : Number((await query<{ n: string }>(sql.count, [kind, parentId ?? null]))[0]?.n ?? 0);
      return { items: rows.map((row) => entityFromRow<P>(row)), total };
    },
    async put<P extends object>(kind: string, id: string, properties: P, writeOptions?: WriteOp["options"]) {
      const { written } = await write([{ op: "put", kind, id, properties, options: writeOptions } as WriteOp]);
      return written[0] as StoredEntity<P>;
    },
    async delete(kind: string, id: string, writeOptions?: WriteOp["options"]) {
      const { deleted } = await write([{ op: "delete", kind, id, options: writeOptions } as WriteOp]);
      return deleted[0] === true;
    },
    async transaction(ops) {
      return (await write(ops)).written;
    },
    changes: (sinceRevision) => readChanges(sinceRevision, null),
    watch: (sinceRevision, listener) => hub.add(sinceRevision, listener),
    async snapshot(): Promise<Snapshot> {
      await ready();
      return withClient(async (client) => {
        // One REPEATABLE READ transaction: the revision and the entities come from the same snapshot.
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        try {
          const revision = await client.query<{ revision: string }>(sql.revision);
          const entities = await client.query<EntityRow>(sql.everything);
          await client.query("COMMIT");
          return {
            revision: Number(revision.rows[0]?.revision ?? 0),
            entities: entities.rows.map((row) => entityFromRow<Record<string, unknown>>(row)),
          };
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      hub.close();
      listener.stop();
      await pool.end().catch(() => undefined);
    },
  };
  return store;
}
