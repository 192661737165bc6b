// The network runtime of a unit reads the service's network settings with get/list. A unit that
// starts while the database is down serves the configuration backup; its network settings must come
// from the same backup, or the unit could not start (or would open an Internal gateway publicly).
// This view answers revision/get/list from the backed store's snapshot (the database when it is up,
// else the backup file) whenever a live read finds the store unavailable.
import type { StoredEntity } from "../model/resources.js";
import { type ConfigStore, StoreError } from "../store/contract.js";

const unavailable = (error: unknown) => error instanceof StoreError && error.code === "STORE_ERR_UNAVAILABLE";
const byId = (a: StoredEntity, b: StoredEntity) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));

export function withBackupReads(store: ConfigStore): ConfigStore {
  const orSnapshot = async <T>(live: () => Promise<T>, fromSnapshot: (entities: readonly StoredEntity[]) => T) => {
    try {
      return await live();
    } catch (error) {
      if (!unavailable(error)) throw error;
      return fromSnapshot((await store.snapshot()).entities);
    }
  };
  return {
    get backend() {
      return store.backend;
    },
    put: (kind, id, properties, options) => store.put(kind, id, properties, options),
    delete: (kind, id, options) => store.delete(kind, id, options),
    transaction: (ops) => store.transaction(ops),
    changes: (since) => store.changes(since),
    watch: (since, listener) => store.watch(since, listener),
    snapshot: () => store.snapshot(),
    close: () => store.close(),
    async revision() {
      try {
        return await store.revision();
      } catch (error) {
        if (!unavailable(error)) throw error;
        return (await store.snapshot()).revision;
      }
    },
    get: (kind, id) =>
      orSnapshot(
        () => store.get(kind, id),
        (all) => all.find((e) => e.kind === kind && e.id === id) as never,
      ),
    list: (kind, options = {}) =>
      orSnapshot(
        () => store.list(kind, options),
        (all) => {
          const matching = all
            .filter((e) => e.kind === kind && (options.parentId === undefined || e.parentId === options.parentId))
            .sort(byId);
          const skip = options.skip ?? 0;
          const items = matching.slice(skip, options.top === undefined ? undefined : skip + options.top);
          return { items, total: matching.length } as never;
        },
      ),
  };
}
