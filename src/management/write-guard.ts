// Check-then-write without a lock: some writes are valid only given other entities (an API path no
// other API claims, an operation signature unique in its API, a product's subscriptionsLimit). The
// store has no predicate locks, so each such check reads a guard entity first and the write bumps that
// guard with an etag precondition in the same transaction. Every writer that could invalidate the check
// bumps the same guard, so of two concurrent writers one commits and the other's transaction fails; it
// is then run again from the start and sees the first one's write. Works the same on SQLite and on
// PostgreSQL shared by several management units.
import { setTimeout as sleep } from "node:timers/promises";
import type { ConfigStore, WriteOp } from "../store/contract.js";
import { StoreError } from "../store/contract.js";
import { ApiError } from "./errors.js";

export const apiPathsGuard = "writeGuards/apiPaths";
export const operationsGuard = (apiId: string): string => `${apiId}/writeGuards/operations`;
export const subscriptionsGuard = (productId: string): string => `${productId}/writeGuards/subscriptions`;

const maxAttempts = 12;

/** The guards one attempt of a write has read; each becomes a conditional put in its transaction. */
export class WriteGuards {
  readonly #store: ConfigStore;
  readonly #seen = new Map<string, string | undefined>();

  constructor(store: ConfigStore) {
    this.#store = store;
  }

  /**
   * Reads the guard — call it BEFORE reading what it protects — and returns the op to add to the
   * write's transaction. Taking the same guard twice in one attempt returns the same precondition.
   */
  async take(id: string): Promise<WriteOp> {
    if (!this.#seen.has(id)) this.#seen.set(id, (await this.#store.get("writeGuard", id))?.etag);
    const etag = this.#seen.get(id);
    return {
      op: "put",
      kind: "writeGuard",
      id,
      properties: {},
      options: etag === undefined ? { ifNoneMatch: "*" } : { ifMatch: etag },
    };
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Whether another writer bumped one of the guards since this attempt read it. */
  async moved(): Promise<boolean> {
    for (const [id, etag] of this.#seen) if ((await this.#store.get("writeGuard", id))?.etag !== etag) return true;
    return false;
  }
}

/**
 * Runs `attempt` until its transaction commits. A failed store precondition is retried only when a
 * guard moved (a concurrent writer won); any other precondition failure (the caller's own If-Match)
 * is rethrown unchanged.
 */
export async function withWriteGuards<T>(store: ConfigStore, attempt: (guards: WriteGuards) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    const guards = new WriteGuards(store);
    try {
      return await attempt(guards);
    } catch (error) {
      const lostRace =
        error instanceof StoreError &&
        error.code === "STORE_ERR_PRECONDITION" &&
        guards.size > 0 &&
        (await guards.moved());
      if (!lostRace) throw error;
      if (n >= maxAttempts)
        throw new ApiError(
          409,
          "Conflict",
          "The entity could not be written because related entities kept changing concurrently; retry the request.",
        );
      // Jittered backoff so writers that collided do not collide again in lockstep.
      await sleep(Math.floor(Math.random() * 5 * n));
    }
  }
}
