// Forward-only schema migrations for the SQLite store. Append new steps; never edit an applied one.
import type Database from "better-sqlite3";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "entities and change feed",
    sql: `
      CREATE TABLE store_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL
      );
      INSERT INTO store_state (id, revision) VALUES (1, 0);
      CREATE TABLE entities (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        parent_id TEXT NOT NULL,
        name TEXT NOT NULL,
        properties TEXT NOT NULL,
        etag TEXT NOT NULL,
        revision INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;
      CREATE INDEX entities_by_parent ON entities (kind, parent_id, id);
      CREATE INDEX entities_by_id ON entities (id);
      CREATE TABLE changes (
        revision INTEGER PRIMARY KEY,
        op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        parent_id TEXT NOT NULL,
        name TEXT NOT NULL,
        properties TEXT,
        etag TEXT
      );
    `,
  },
  {
    version: 2,
    name: "change feed retention",
    // committed_at is epoch milliseconds; rows written before this step have none and count as old.
    sql: `
      ALTER TABLE store_state ADD COLUMN pruned_through INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE changes ADD COLUMN committed_at INTEGER;
    `,
  },
];

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction so two processes opening the same
 * file at once cannot both apply a step (the second sees the first's row and skips).
 */
export function migrateSqlite(db: Database.Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = db.prepare<[number], { version: number }>("SELECT version FROM schema_migrations WHERE version = ?");
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  let count = 0;
  for (const migration of sqliteMigrations) {
    db.transaction(() => {
      if (applied.get(migration.version)) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      count++;
    }).immediate();
  }
  return count;
}
