// A gateway unit's view of the shared store with a local "config backup" (APIM self-hosted gateway):
// every change is copied to a snapshot file, and when the database cannot be reached at start the
// unit starts from that file instead. Watching resumes from the file's revision, so the unit catches
// up by itself once the database returns. Everything else is the shared store unchanged.
import type { ConfigStore, Snapshot } from "../store/contract.js";
import { StoreError } from "../store/contract.js";
import { readSnapshotFile, type SnapshotBackup, startSnapshotBackup } from "../store/snapshot-file.js";

export interface BackedStoreOptions {
  readonly store: ConfigStore;
  readonly snapshotPath: string;
  readonly log: (level: "info" | "warn", message: string) => void;
  /** Coalesces bursts of changes into one file rewrite (default 250 ms). */
  readonly backupDelayMs?: number;
}

export interface BackedStore extends ConfigStore {
  /** Revision last served from the file, or undefined when every snapshot came from the database. */
  readonly fromBackup: number | undefined;
}

export function createBackedStore(options: BackedStoreOptions): BackedStore {
  const inner = options.store;
  let backup: SnapshotBackup | undefined;
  let fromBackup: number | undefined;

  const snapshot = async (): Promise<Snapshot> => {
    try {
      const snap = await inner.snapshot();
      if (fromBackup !== undefined)
        options.log("info", `configuration store reachable again at revision ${snap.revision}`);
      fromBackup = undefined;
      return snap;
    } catch (error) {
      if (!(error instanceof StoreError) || error.code !== "STORE_ERR_UNAVAILABLE") throw error;
      const saved = await readSnapshotFile(options.snapshotPath);
      if (saved === undefined) throw error;
      if (fromBackup !== saved.revision)
        options.log(
          "warn",
          `configuration store unavailable (${error.message}); serving revision ${saved.revision} from ${options.snapshotPath}`,
        );
      fromBackup = saved.revision;
      return saved;
    }
  };

  // The backup writer starts with the first watcher (the gateway's), not at construction, so a
  // unit that never starts does not write.
  const ensureBackup = () => {
    backup ??= startSnapshotBackup(inner, options.snapshotPath, { delayMs: options.backupDelayMs ?? 250 });
  };

  return {
    get backend() {
      return inner.backend;
    },
    get fromBackup() {
      return fromBackup;
    },
    revision: () => inner.revision(),
    get: (kind, id) => inner.get(kind, id),
    list: (kind, listOptions) => inner.list(kind, listOptions),
    put: (kind, id, properties, writeOptions) => inner.put(kind, id, properties, writeOptions),
    delete: (kind, id, writeOptions) => inner.delete(kind, id, writeOptions),
    transaction: (ops) => inner.transaction(ops),
    changes: (since) => inner.changes(since),
    watch(since, listener) {
      ensureBackup();
      return inner.watch(since, listener);
    },
    snapshot,
    async close() {
      await backup?.stop();
      backup = undefined;
      await inner.close();
    },
  } as BackedStore;
}
