// The ConfigStore contract: every backend (SQLite embedded, PostgreSQL for scale-out) implements it and
// passes the shared contract suite (contract-suite.ts). Writes are atomic and durable once the promise
// resolves; every write bumps one store-wide revision, which orders the change feed.
import type { ResourceKind, StoredEntity } from "../model/resources.js";

export interface WriteOptions {
  /** ETag the current entity must have ("*" = must exist). Mismatch → StoreError STORE_ERR_PRECONDITION. */
  ifMatch?: string;
  /** "*" = the entity must not exist yet (or an ETag it must not have). Violation → STORE_ERR_PRECONDITION. */
  ifNoneMatch?: string;
}

export interface ListOptions {
  /** Only children of this entity (e.g. "apis/echo" for operations). "" = top level; absent = any parent. */
  parentId?: string;
  top?: number;
  skip?: number;
}

export interface ListResult<P> {
  items: StoredEntity<P>[];
  /** Count of all matches, ignoring top/skip. */
  total: number;
}

/**
 * "reset": the feed before this point was pruned (see ChangeRetention) and the reader missed changes
 * it can no longer get one by one. It carries the pruned-through revision, kind "service" and id ""
 * (the whole service may have changed): reload everything from snapshot(); later events follow as usual.
 */
export type ChangeOp = "put" | "delete" | "reset";

export interface ChangeEvent {
  readonly revision: number;
  readonly op: ChangeOp;
  readonly kind: ResourceKind;
  readonly id: string;
  /** The entity as written (absent for deletes and resets). */
  readonly entity?: StoredEntity;
}

/**
 * How long the change feed keeps a change: pruned once it is more than `keepRevisions` behind the
 * newest revision AND older than `keepMs` (defaults 10 000 revisions, 1 hour). Readers behind the
 * pruned horizon get a "reset" event.
 */
export interface ChangeRetention {
  keepRevisions?: number;
  keepMs?: number;
}

/** A write inside a transaction: all of them apply, or none. */
export type WriteOp =
  | { op: "put"; kind: ResourceKind; id: string; properties: Record<string, unknown>; options?: WriteOptions }
  | { op: "delete"; kind: ResourceKind; id: string; options?: WriteOptions };

export interface Snapshot {
  readonly revision: number;
  readonly entities: readonly StoredEntity[];
}

export interface ConfigStore {
  /** "sqlite" | "postgres" | … for diagnostics. */
  readonly backend: string;
  /** Current (highest committed) revision. */
  revision(): Promise<number>;
  get<P = Record<string, unknown>>(kind: ResourceKind, id: string): Promise<StoredEntity<P> | undefined>;
  /** Entities of one kind ordered by id (bytewise); bad top/skip → STORE_ERR_INVALID. */
  list<P = Record<string, unknown>>(kind: ResourceKind, options?: ListOptions): Promise<ListResult<P>>;
  /** Create or replace. Returns the stored entity with its new etag and revision. */
  put<P extends object>(
    kind: ResourceKind,
    id: string,
    properties: P,
    options?: WriteOptions,
  ): Promise<StoredEntity<P>>;
  /**
   * Delete the entity and every descendant (ids starting with `${id}/`), one change event (and revision)
   * per removed entity, descendants first. Returns false when absent.
   */
  delete(kind: ResourceKind, id: string, options?: WriteOptions): Promise<boolean>;
  /** Apply several writes atomically under one new revision each, in order. Returns the entities put. */
  transaction(ops: readonly WriteOp[]): Promise<StoredEntity[]>;
  /**
   * Every change with revision > sinceRevision, oldest first. When changes after sinceRevision were
   * already pruned, the first event is a "reset" at the pruned-through revision, then the rest.
   */
  changes(sinceRevision: number): Promise<ChangeEvent[]>;
  /**
   * Calls listener for every change after sinceRevision, in order, including changes made by other
   * processes sharing the same database; a watcher that falls behind the pruned horizon gets a "reset"
   * event instead of the changes it missed. Returns a function that stops watching.
   */
  watch(sinceRevision: number, listener: (event: ChangeEvent) => void): () => void;
  /** All entities at one consistent revision: what a gateway unit compiles from. */
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | "STORE_ERR_NOT_FOUND"
  | "STORE_ERR_PRECONDITION"
  | "STORE_ERR_CONFLICT"
  | "STORE_ERR_UNAVAILABLE"
  | "STORE_ERR_INVALID";

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StoreError";
    this.code = code;
  }
}
