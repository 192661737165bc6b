// Forward-only schema migrations for the PostgreSQL store, applied in one transaction under an
// advisory lock so several units starting together migrate once. Append steps; never edit applied ones.
import type pg from "pg";

export interface PgMigration {
  readonly version: number;
  readonly name: string;
  /** SQL with `$schema` standing for the quoted schema name. */
  readonly sql: string;
}

export const postgresMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: "entities and change feed",
    sql: `
      CREATE TABLE $schema.store_state (
        id integer PRIMARY KEY CHECK (id = 1),
        revision bigint NOT NULL
      );
      INSERT INTO $schema.store_state (id, revision) VALUES (1, 0);
      -- COLLATE "C": ids compare bytewise, as in SQLite, so prefix ranges and list order agree.
      CREATE TABLE $schema.entities (
        kind text NOT NULL,
        id text COLLATE "C" NOT NULL,
        parent_id text COLLATE "C" NOT NULL,
        name text NOT NULL,
        properties text NOT NULL,
        etag text NOT NULL,
        revision bigint NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX entities_by_parent ON $schema.entities (kind, parent_id, id);
      CREATE INDEX entities_by_id ON $schema.entities (id);
      CREATE TABLE $schema.changes (
        revision bigint PRIMARY KEY,
        op text NOT NULL CHECK (op IN ('put', 'delete')),
        kind text NOT NULL,
        id text COLLATE "C" NOT NULL,
        parent_id text COLLATE "C" NOT NULL,
        name text NOT NULL,
        properties text,
        etag text
      );
    `,
  },
  {
    version: 2,
    name: "change feed retention",
    sql: `
      ALTER TABLE $schema.store_state ADD COLUMN pruned_through bigint NOT NULL DEFAULT 0;
      ALTER TABLE $schema.changes ADD COLUMN committed_at timestamptz NOT NULL DEFAULT now();
    `,
  },
];

export async function migratePostgres(client: pg.PoolClient, schema: string): Promise<number> {
  const quoted = `"${schema}"`;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`moat-store-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${quoted}.schema_migrations`);
    const applied = new Set(rows.map((row) => row.version));
    let count = 0;
    for (const migration of postgresMigrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql.replaceAll("$schema", quoted));
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      count++;
    }
    await client.query("COMMIT");
    return count;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
