// Picks a ConfigStore backend from a URL, as configuration names it:
//   "sqlite"                  → <dataDir>/moat.db (the embedded default)
//   "sqlite:/path/to/file.db" → that file ("sqlite:rel.db" is relative to the working directory)
//   "sqlite::memory:"         → a private in-memory database (tests, throwaway runs)
//   "postgres://…", "postgresql://…" → PostgreSQL; "?schema=name" picks the schema (default "moat")
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ChangeRetention, ConfigStore } from "./contract.js";
import { StoreError } from "./contract.js";
import { createPostgresStore, type PostgresStoreOptions } from "./postgres/postgres-store.js";
import { createSqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";

export interface OpenStoreOptions {
  /** Directory for the embedded database when the URL is just "sqlite". */
  dataDir: string;
  /** Change-feed retention for whichever backend the URL names (a backend's own option wins). */
  changeRetention?: ChangeRetention;
  sqlite?: Omit<SqliteStoreOptions, "path">;
  postgres?: Omit<PostgresStoreOptions, "connectionString" | "schema">;
}

function sqlitePath(url: string, dataDir: string): string {
  if (url === "sqlite") return join(dataDir, "moat.db");
  let rest = url.slice("sqlite:".length);
  if (rest === ":memory:") return rest;
  // "sqlite:///abs/file.db" is the URL spelling of "sqlite:/abs/file.db".
  if (rest.startsWith("//")) rest = rest.slice(2);
  if (rest === "") throw new StoreError("STORE_ERR_INVALID", 'store URL "sqlite:" names no file');
  return resolve(rest);
}

export async function createConfigStore(url: string, options: OpenStoreOptions): Promise<ConfigStore> {
  if (typeof url !== "string" || url.trim() === "") {
    throw new StoreError("STORE_ERR_INVALID", "store URL is empty (expected sqlite, sqlite:<file> or postgres://…)");
  }
  if (url === "sqlite" || url.startsWith("sqlite:")) {
    const path = sqlitePath(url, options.dataDir);
    if (path !== ":memory:") {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (cause) {
        throw new StoreError("STORE_ERR_UNAVAILABLE", `cannot create directory for ${path}: ${String(cause)}`, {
          cause,
        });
      }
    }
    return createSqliteStore({ changeRetention: options.changeRetention, ...options.sqlite, path });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (cause) {
      // The URL may carry a password: name the problem, not the value.
      throw new StoreError("STORE_ERR_INVALID", "store URL is not a valid postgres:// URL", { cause });
    }
    const schema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    return createPostgresStore({
      changeRetention: options.changeRetention,
      ...options.postgres,
      connectionString: parsed.toString(),
      schema,
    });
  }
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(url)?.[0] ?? url.slice(0, 20);
  throw new StoreError(
    "STORE_ERR_INVALID",
    `unknown store "${scheme}": expected "sqlite", "sqlite:<file>", "sqlite::memory:" or "postgres://…"`,
  );
}
