// Change-feed retention, shared by every backend. The feed would otherwise grow by one row per write
// forever; pruning deletes a prefix of it and records the last pruned revision (the horizon). A change
// is pruned only once it is BOTH more than `keepRevisions` behind the newest revision AND older than
// `keepMs`, so a reader that is briefly behind (a unit that lost its database for a while, a watcher
// resuming from a backup file) can still catch up change by change. A reader further behind than the
// horizon gets one "reset" event instead of the changes it can no longer see, and reloads from a snapshot.
import type { ChangeEvent, ChangeRetention } from "./contract.js";
import { StoreError } from "./contract.js";

export const defaultChangeRetention: Readonly<Required<ChangeRetention>> = {
  keepRevisions: 10_000,
  keepMs: 60 * 60 * 1000,
};

export interface ResolvedRetention {
  readonly keepRevisions: number;
  readonly keepMs: number;
  /** Pruning runs when a commit crosses a multiple of this revision count, not on every write. */
  readonly every: number;
}

export function resolveRetention(retention: ChangeRetention | undefined): ResolvedRetention {
  const keepRevisions = retention?.keepRevisions ?? defaultChangeRetention.keepRevisions;
  const keepMs = retention?.keepMs ?? defaultChangeRetention.keepMs;
  if (!Number.isSafeInteger(keepRevisions) || keepRevisions < 1) {
    throw new StoreError(
      "STORE_ERR_INVALID",
      `changeRetention.keepRevisions must be an integer >= 1, got ${String(keepRevisions)}`,
    );
  }
  if (typeof keepMs !== "number" || !Number.isFinite(keepMs) || keepMs < 0) {
    throw new StoreError("STORE_ERR_INVALID", `changeRetention.keepMs must be a number >= 0, got ${String(keepMs)}`);
  }
  return { keepRevisions, keepMs, every: Math.min(1000, Math.max(1, Math.ceil(keepRevisions / 10))) };
}

/** Whether a commit that moved the revision from `before` to `after` should prune. */
export function pruneDue(retention: ResolvedRetention, before: number, after: number): boolean {
  return after > retention.keepRevisions && Math.floor(after / retention.every) > Math.floor(before / retention.every);
}

/**
 * The revision to prune through: the count limit, lowered to just before the oldest change still
 * younger than keepMs (`firstYoung`, undefined when none is). Never below the current horizon.
 */
export function pruneTarget(
  retention: ResolvedRetention,
  revision: number,
  horizon: number,
  firstYoung: number | undefined,
): number {
  let target = revision - retention.keepRevisions;
  if (retention.keepMs > 0 && firstYoung !== undefined) target = Math.min(target, firstYoung - 1);
  return Math.max(horizon, target);
}

/** The event a reader behind the horizon gets in place of the changes pruned before it could read them. */
export function resetEvent(horizon: number): ChangeEvent {
  return { revision: horizon, op: "reset", kind: "service", id: "" };
}

/** Feed rows read after `since` (all above the horizon), preceded by a reset when `since` is behind it. */
export function withReset(since: number, horizon: number, events: ChangeEvent[]): ChangeEvent[] {
  return since < horizon ? [resetEvent(horizon), ...events] : events;
}
