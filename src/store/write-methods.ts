// The write half of the ConfigStore contract expressed once over a backend's batch writer: put and
// delete are one-op transactions, so every backend gets the same preconditions, revision and change
// feed behaviour from its single write path.
import type { StoredEntity } from "../model/resources.js";
import type { ConfigStore, WriteOp } from "./contract.js";

/** What a backend's write path returns: per op, the entity written (puts) and whether it existed (deletes). */
export interface BatchResult {
  readonly written: readonly StoredEntity[];
  readonly deleted: readonly boolean[];
}

export function createWriteMethods(
  write: (ops: readonly WriteOp[]) => Promise<BatchResult>,
): Pick<ConfigStore, "put" | "delete" | "transaction"> {
  return {
    async put(kind, id, properties, options) {
      const op = { op: "put", kind, id, properties, options } as WriteOp;
      const { written } = await write([op]);
      return written[0] as StoredEntity<typeof properties>;
    },
    async delete(kind, id, options) {
      const { deleted } = await write([{ op: "delete", kind, id, options }]);
      return deleted[0] === true;
    },
    async transaction(ops) {
      return [...(await write(ops)).written];
    },
  };
}
