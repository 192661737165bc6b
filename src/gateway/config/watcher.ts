// Keeps the current GatewaySnapshot: builds the first one at start, then watches the store and,
// after a burst of changes settles (debounce), builds the next snapshot aside and swaps one reference.
// Requests in flight keep the snapshot they started with; nothing on the request path takes a lock.
import type { ConfigStore, Snapshot } from "../../store/contract.js";
import type { GatewaySnapshot } from "./types.js";

export interface SnapshotWatcherOptions {
  readonly store: ConfigStore;
  readonly build: (snapshot: Snapshot) => GatewaySnapshot;
  readonly debounceMs: number;
  readonly onSwap?: (snapshot: GatewaySnapshot) => void;
  readonly onError?: (err: unknown) => void;
}

export interface SnapshotWatcher {
  start(): Promise<GatewaySnapshot>;
  current(): GatewaySnapshot;
  /** Rebuilds now (tests, admin); resolves with the snapshot in effect afterwards. */
  refresh(): Promise<GatewaySnapshot>;
  stop(): void;
}

export function createSnapshotWatcher(options: SnapshotWatcherOptions): SnapshotWatcher {
  let current: GatewaySnapshot | undefined;
  let unwatch: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let building: Promise<GatewaySnapshot> | undefined;
  let dirty = false;
  let stopped = false;

  const rebuild = async (): Promise<GatewaySnapshot> => {
    if (building) {
      dirty = true;
      return building;
    }
    building = (async () => {
      try {
        do {
          dirty = false;
          const snap = await options.store.snapshot();
          if (current === undefined || snap.revision !== current.revision) {
            const next = options.build(snap);
            current = next;
            options.onSwap?.(next);
          }
        } while (dirty && !stopped);
        return current as GatewaySnapshot;
      } finally {
        building = undefined;
      }
    })();
    return building;
  };

  const schedule = (): void => {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      rebuild().catch((err: unknown) => options.onError?.(err));
    }, options.debounceMs);
    timer.unref?.();
  };

  return {
    async start() {
      const first = await rebuild();
      unwatch = options.store.watch(first.revision, schedule);
      return first;
    },
    current() {
      if (current === undefined) throw new Error("gateway configuration not loaded yet: call start() first");
      return current;
    },
    refresh: rebuild,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      unwatch?.();
    },
  };
}
