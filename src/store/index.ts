export * from "./contract.js";
export { createConfigStore, type OpenStoreOptions } from "./open-store.js";
export { createPostgresStore, type PostgresStoreOptions } from "./postgres/postgres-store.js";
export {
  readSnapshotFile,
  type SnapshotBackup,
  type SnapshotBackupOptions,
  startSnapshotBackup,
  writeSnapshotFile,
} from "./snapshot-file.js";
export { createSqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";
export { storeErrorChannel } from "./watch-hub.js";
