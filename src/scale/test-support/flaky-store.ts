// A ConfigStore whose reads can be switched off, as if its database went away: every call then
// rejects with STORE_ERR_UNAVAILABLE, the way the PostgreSQL backend answers while disconnected.
import type { ConfigStore } from "../../store/contract.js";
import { StoreError } from "../../store/contract.js";

export interface FlakyStore extends ConfigStore {
  down: boolean;
}

export function createFlakyStore(inner: ConfigStore): FlakyStore {
  const guard = <T>(call: () => Promise<T>): Promise<T> =>
    flaky.down ? Promise.reject(new StoreError("STORE_ERR_UNAVAILABLE", "database unreachable (test)")) : call();
  const flaky: FlakyStore = {
    down: false,
    backend: `flaky-${inner.backend}`,
    revision: () => guard(() => inner.revision()),
    get: (kind, id) => guard(() => inner.get(kind, id)),
    list: (kind, options) => guard(() => inner.list(kind, options)),
    put: (kind, id, properties, options) => guard(() => inner.put(kind, id, properties, options)),
    delete: (kind, id, options) => guard(() => inner.delete(kind, id, options)),
    transaction: (ops) => guard(() => inner.transaction(ops)),
    changes: (since) => guard(() => inner.changes(since)),
    watch: (since, listener) => inner.watch(since, listener),
    snapshot: () => guard(() => inner.snapshot()),
    close: () => inner.close(),
  } as FlakyStore;
  return flaky;
}
