// Group commit: writes requested while another batch is being committed are queued and committed
// together in the next transaction, so N concurrent callers cost one fsync instead of N. Each request
// still gets its own revisions and its own outcome (a failed precondition fails only that request),
// and no promise resolves before the transaction holding its write has committed.
import type { PreparedOp } from "./prepare-ops.js";

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface WriteQueue<R> {
  submit(ops: PreparedOp[]): Promise<R>;
}

/**
 * `commit` applies a batch in one transaction and returns one outcome per request, or throws when the
 * whole transaction failed (every request in the batch is then rejected with that error).
 */
export function createWriteQueue<R>(
  commit: (batch: readonly PreparedOp[][]) => Promise<Outcome<R>[]>,
  maxBatch = 500,
): WriteQueue<R> {
  const waiting: Array<{ ops: PreparedOp[]; resolve(value: R): void; reject(error: unknown): void }> = [];
  let draining = false;

  async function drain(): Promise<void> {
    draining = true;
    // One macrotask turn lets callers that write in the same turn join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      try {
        const outcomes = await commit(batch.map((request) => request.ops));
        batch.forEach((request, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) request.resolve(outcome.value);
          else request.reject(outcome ? outcome.error : new Error("write queue: missing outcome"));
        });
      } catch (error) {
        for (const request of batch) request.reject(error);
      }
    }
    draining = false;
  }

  return {
    submit(ops) {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ ops, resolve, reject });
        if (!draining) void drain();
      });
    },
  };
}
