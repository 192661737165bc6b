// The write side of the PostgreSQL store: commits a batch of queued requests (group commit) in one
// transaction that first locks the revision row, so revision order is commit order across all units.
// Round trips are what cost here, so unconditional puts are sent many to a statement, and a request
// of several ops gets a savepoint only because a later op may fail after earlier ones wrote.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { StoredEntity } from "../../model/resources.js";
import { StoreError } from "../contract.js";
import { checkPreconditions, descendantRange, entityFromRow, newEtag } from "../entity-path.js";
import type { PreparedOp } from "../prepare-ops.js";
import { pruneDue, pruneTarget, type ResolvedRetention } from "../retention.js";
import { storeErrorChannel } from "../watch-hub.js";
import type { Outcome } from "../write-queue.js";
import type { PgSql } from "./pg-sql.js";

export interface WriteResult {
  written: StoredEntity[];
  deleted: boolean[];
}

type WithClient = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

const isPlainPut = (op: PreparedOp | undefined): boolean => op?.op === "put" && op.options === undefined;

/** Splits a run of plain puts where a key repeats: one statement cannot upsert the same row twice. */
function chunksOfDistinctKeys(ops: readonly PreparedOp[]): PreparedOp[][] {
  const chunks: PreparedOp[][] = [];
  let keys = new Set<string>();
  let chunk: PreparedOp[] = [];
  for (const op of ops) {
    const key = `${op.kind}\u0000${op.id}`;
    if (keys.has(key)) {
      chunks.push(chunk);
      chunk = [];
      keys = new Set();
    }
    keys.add(key);
    chunk.push(op);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

export function createPgWriter(sql: PgSql, channel: string, withClient: WithClient, retention: ResolvedRetention) {
  /** Deletes a prefix of the feed and moves the horizon; the caller's transaction holds the revision lock. */
  async function pruneFeed(client: pg.PoolClient, revision: number): Promise<void> {
    const horizon = Number((await client.query<{ pruned_through: string }>(sql.horizon)).rows[0]?.pruned_through ?? 0);
    const young =
      retention.keepMs > 0
        ? (await client.query<{ revision: string }>(sql.firstYoung, [horizon, retention.keepMs])).rows[0]?.revision
        : undefined;
    const target = pruneTarget(retention, revision, horizon, young === undefined ? undefined : Number(young));
    if (target > horizon) await client.query(sql.prune, [target]);
  }

  /** After an autocommitted fast put: its own short transaction, taking the lock every writer takes. */
  async function pruneAlone(): Promise<void> {
    await withClient(async (client) => {
      try {
        await client.query("BEGIN");
        const locked = await client.query<{ revision: string }>(sql.lockState);
        await pruneFeed(client, Number(locked.rows[0]?.revision ?? 0));
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }

  async function putMany(client: pg.PoolClient, ops: readonly PreparedOp[], revision: number) {
    const entities: StoredEntity[] = [];
    for (const chunk of chunksOfDistinctKeys(ops)) {
      const rows = chunk.map((op) => {
        revision++;
        return { ...op, parent_id: op.parentId, properties: op.text, etag: newEtag(revision), revision };
      });
      await client.query(sql.putMany, [
        rows.map((r) => r.kind),
        rows.map((r) => r.id),
        rows.map((r) => r.parent_id),
        rows.map((r) => r.name),
        rows.map((r) => r.properties),
        rows.map((r) => r.etag),
        rows.map((r) => r.revision),
      ]);
      for (const row of rows) entities.push(entityFromRow(row));
    }
    return { entities, revision };
  }

  async function deleteTree(client: pg.PoolClient, op: PreparedOp, revision: number) {
    const { from, to } = descendantRange(op.id);
    const removed = await client.query<{ kind: string; id: string; parent_id: string; name: string }>(sql.deleteTree, [
      op.kind,
      op.id,
      from,
      to,
    ]);
    const isSelf = (r: { kind: string; id: string }) => r.kind === op.kind && r.id === op.id;
    // Descendants first, deepest first (a child's id sorts after its parent's), the entity itself last.
    const rows = removed.rows.sort((a, b) => (isSelf(a) ? 1 : isSelf(b) ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    if (rows.length > 0) {
      const revisions = rows.map(() => ++revision);
      await client.query(sql.deleteChanges, [
        revisions,
        rows.map((r) => r.kind),
        rows.map((r) => r.id),
        rows.map((r) => r.parent_id),
        rows.map((r) => r.name),
      ]);
    }
    return { revision, deleted: rows.some(isSelf) };
  }

  /** Applies one request's ops in order; throws StoreError on a failed precondition. */
  async function applyRequest(client: pg.PoolClient, ops: readonly PreparedOp[], revision: number) {
    const value: WriteResult = { written: [], deleted: [] };
    for (let i = 0; i < ops.length; ) {
      const op = ops[i] as PreparedOp;
      if (isPlainPut(op)) {
        let end = i;
        while (isPlainPut(ops[end])) end++;
        const run = await putMany(client, ops.slice(i, end), revision);
        revision = run.revision;
        value.written.push(...run.entities);
        value.deleted.push(...run.entities.map(() => false));
        i = end;
        continue;
      }
      // Only conditional writes need the current etag; the lock held makes it the latest committed one.
      const found = await client.query<{ etag: string }>(sql.etag, [op.kind, op.id]);
      checkPreconditions(op.kind, op.id, found.rows[0]?.etag, op.options);
      if (op.op === "put") {
        const run = await putMany(client, [op], revision);
        revision = run.revision;
        value.written.push(...run.entities);
        value.deleted.push(false);
      } else {
        const outcome = await deleteTree(client, op, revision);
        revision = outcome.revision;
        value.deleted.push(outcome.deleted);
      }
      i++;
    }
    return { value, revision };
  }

  async function fastPut(op: PreparedOp): Promise<WriteResult> {
    const result = await withClient(async (client): Promise<WriteResult> => {
      const { rows } = await client.query<{ etag: string; revision: string }>(sql.fastPut, [
        op.kind,
        op.id,
        op.parentId,
        op.name,
        op.text,
        randomBytes(6).toString("hex"),
        channel,
      ]);
      const row = rows[0];
      if (!row) throw new StoreError("STORE_ERR_UNAVAILABLE", "PostgreSQL store: the store_state row is missing");
      return {
        written: [entityFromRow({ ...op, parent_id: op.parentId, properties: op.text, ...row })],
        deleted: [false],
      };
    });
    const revision = result.written[0]?.revision ?? 0;
    if (pruneDue(retention, revision - 1, revision)) {
      // The put has committed: a failed prune must not fail it; a later step prunes again.
      await pruneAlone().catch((error: unknown) =>
        storeErrorChannel.publish({ backend: "postgres", phase: "prune", error }),
      );
    }
    return result;
  }

  /** Commits a batch; one outcome per request. Errors other than StoreError fail the whole batch. */
  return async function commitBatch(batch: readonly PreparedOp[][]): Promise<Outcome<WriteResult>[]> {
    const single = batch.length === 1 && batch[0]?.length === 1 ? batch[0][0] : undefined;
    if (single && isPlainPut(single)) return [{ ok: true, value: await fastPut(single) }];
    return withClient(async (client) => {
      try {
        const begun = (await client.query(sql.begin)) as unknown as pg.QueryResult<{ revision: string }>[];
        const start = Number(begun[1]?.rows[0]?.revision ?? 0);
        let revision = start;
        const outcomes: Outcome<WriteResult>[] = [];
        for (let i = 0; i < batch.length; ) {
          // Consecutive lone plain puts from different callers cannot fail: one statement for all.
          let end = i;
          while (batch[end]?.length === 1 && isPlainPut(batch[end]?.[0])) end++;
          if (end > i) {
            const run = await putMany(client, batch.slice(i, end).flat(), revision);
            revision = run.revision;
            for (const entity of run.entities)
              outcomes.push({ ok: true, value: { written: [entity], deleted: [false] } });
            i = end;
            continue;
          }
          const ops = batch[i] ?? [];
          const savepoint = ops.length > 1;
          if (savepoint) await client.query("SAVEPOINT request");
          try {
            const applied = await applyRequest(client, ops, revision);
            if (savepoint) await client.query("RELEASE SAVEPOINT request");
            revision = applied.revision;
            outcomes.push({ ok: true, value: applied.value });
          } catch (error) {
            if (!(error instanceof StoreError)) throw error;
            if (savepoint) await client.query("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request");
            outcomes.push({ ok: false, error });
          }
          i++;
        }
        if (pruneDue(retention, start, revision)) await pruneFeed(client, revision);
        await client.query(revision !== start ? sql.commit(revision) : "COMMIT");
        return outcomes;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  };
}
