// Fan-out of the change feed to watchers. Every backend only has to say how to read changes after a
// revision and when to look (after a local commit, on a poll tick, on a NOTIFY); the hub keeps each
// watcher's position so events arrive in order, exactly once, with catch-up from `sinceRevision`.
import { channel } from "node:diagnostics_channel";
import type { ChangeEvent } from "./contract.js";

/** Published when a listener throws or the feed cannot be read; the hub keeps going either way. */
export const storeErrorChannel = channel("moat:store:error");

const batchSize = 1000;

interface Watcher {
  position: number;
  stopped: boolean;
  listener: (event: ChangeEvent) => void;
}

export interface WatchHub {
  add(sinceRevision: number, listener: (event: ChangeEvent) => void): () => void;
  /** Something may have changed: read and deliver (coalesced; safe to call often). */
  poke(): void;
  readonly size: number;
  close(): void;
}

export interface WatchHubOptions {
  /** Reads up to `limit` changes with revision > since, oldest first. */
  read(since: number, limit: number): Promise<ChangeEvent[]>;
  /** Called with true when the first watcher arrives, false when the last leaves (start/stop polling). */
  onActiveChange?(active: boolean): void;
  backend: string;
  /** Delay before reading again after a failed read. */
  retryMs?: number;
}

export function createWatchHub(options: WatchHubOptions): WatchHub {
  const watchers = new Set<Watcher>();
  let running = false;
  let again = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  function deliver(events: readonly ChangeEvent[]): void {
    for (const watcher of [...watchers]) {
      for (const event of events) {
        if (watcher.stopped) break;
        if (event.revision <= watcher.position) continue;
        watcher.position = event.revision;
        try {
          watcher.listener(event);
        } catch (error) {
          storeErrorChannel.publish({ backend: options.backend, phase: "listener", error });
        }
      }
    }
  }

  async function drain(): Promise<void> {
    while (watchers.size > 0 && !closed) {
      const from = Math.min(...[...watchers].map((w) => w.position));
      const events = await options.read(from, batchSize);
      deliver(events);
      if (events.length < batchSize) return;
    }
  }

  async function pump(): Promise<void> {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await drain();
      } while (again && !closed);
    } catch (error) {
      // The backend retries on its next poke (poll tick or reconnect); a failed read loses nothing
      // because positions only advance on delivery.
      storeErrorChannel.publish({ backend: options.backend, phase: "read", error });
      if (!closed && retryTimer === undefined) {
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          void pump();
        }, options.retryMs ?? 1000);
        retryTimer.unref();
      }
    } finally {
      running = false;
    }
  }

  return {
    add(sinceRevision, listener) {
      const watcher: Watcher = { position: sinceRevision, stopped: false, listener };
      watchers.add(watcher);
      if (watchers.size === 1) options.onActiveChange?.(true);
      void pump();
      return () => {
        if (watcher.stopped) return;
        watcher.stopped = true;
        watchers.delete(watcher);
        if (watchers.size === 0) options.onActiveChange?.(false);
      };
    },
    poke() {
      if (watchers.size > 0 && !closed) void pump();
    },
    get size() {
      return watchers.size;
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      for (const watcher of watchers) watcher.stopped = true;
      if (watchers.size > 0) options.onActiveChange?.(false);
      watchers.clear();
    },
  };
}
