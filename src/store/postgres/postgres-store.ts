// The ConfigStore on PostgreSQL, for several units sharing one configuration. Every write transaction
// first locks the single store_state row, so writers serialise and revision order equals commit order:
// a reader of the change feed can never see revision n+1 before n. Commits NOTIFY the revision; a
// listening connection wakes the watch hub, which reads the feed from its last delivered revision.
import pg from "pg";
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
  type EntityRow,
  entityFromRow,
} from "../entity-path.js";
import { prepareOps } from "../prepare-ops.js";
import { resolveRetention, withReset } from "../retention.js";
import { createWatchHub } from "../watch-hub.js";
import { createWriteMethods } from "../write-methods.js";
import { createWriteQueue } from "../write-queue.js";
import { createChangeListener } from "./change-listener.js";
import { isConnectionError, mapPgError } from "./errors.js";
import { migratePostgres } from "./migrations.js";
import { createPgSql } from "./pg-sql.js";
import { createPgWriter, type WriteResult } from "./pg-writer.js";

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
  /** How long the change feed keeps changes (defaults: 10 000 revisions and 1 hour). */
  changeRetention?: ChangeRetention;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,47}$/;

export async function createPostgresStore(options: PostgresStoreOptions): Promise<ConfigStore> {
  const schema = options.schema ?? "moat";
  if (!schemaPattern.test(schema)) {
    throw new StoreError("STORE_ERR_INVALID", `schema "${schema}" must match ${schemaPattern} (lower case)`);
  }
  const retention = resolveRetention(options.changeRetention);
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

  const channel = `moat_store_${schema}`;
  const sql = createPgSql(schema, channel);

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

  const queue = createWriteQueue(createPgWriter(sql, channel, withClient, retention));

  async function write(ops: readonly WriteOp[]): Promise<WriteResult> {
    const prepared = prepareOps(ops);
    await ready();
    const result = await queue.submit(prepared);
    hub.poke();
    return result;
  }

  const readChanges = async (since: number, limit: number | null): Promise<ChangeEvent[]> => {
    const rows = await query<ChangeRow & { horizon: string }>(sql.changes, [since, limit]);
    const horizon = Number(rows[0]?.horizon ?? 0);
    // A null revision is the one row the LEFT JOIN keeps when there are no changes.
    return withReset(since, horizon, rows.filter((row) => row.revision !== null).map(changeFromRow));
  };

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
    ...createWriteMethods(write),
    async changes(sinceRevision) {
      assertRevision(sinceRevision);
      return readChanges(sinceRevision, null);
    },
    watch(sinceRevision, listener) {
      assertRevision(sinceRevision);
      return hub.add(sinceRevision, listener);
    },
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
