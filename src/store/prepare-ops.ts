// Validates a batch of writes before any backend touches its database, so bad input is rejected with
// STORE_ERR_INVALID naming the op, and nothing partial is ever attempted.
import type { ResourceKind } from "../model/resources.js";
import type { WriteOp, WriteOptions } from "./contract.js";
import { StoreError } from "./contract.js";
import { assertId, assertKind, encodeProperties, nameOf, parentIdOf } from "./entity-path.js";

export interface PreparedOp {
  op: "put" | "delete";
  kind: ResourceKind;
  id: string;
  parentId: string;
  name: string;
  /** Serialised properties ("" for deletes). */
  text: string;
  options: WriteOptions | undefined;
}

function assertOptions(options: unknown, where: string): WriteOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") {
    throw new StoreError("STORE_ERR_INVALID", `${where}: options must be an object`);
  }
  const { ifMatch, ifNoneMatch } = options as WriteOptions;
  for (const [field, value] of [
    ["ifMatch", ifMatch],
    ["ifNoneMatch", ifNoneMatch],
  ] as const) {
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) {
      throw new StoreError("STORE_ERR_INVALID", `${where}: ${field} must be a non-empty string`);
    }
  }
  return options as WriteOptions;
}

export function prepareOps(ops: readonly WriteOp[]): PreparedOp[] {
  if (!Array.isArray(ops)) throw new StoreError("STORE_ERR_INVALID", "transaction expects an array of ops");
  return ops.map((op: WriteOp, index) => {
    const where = ops.length === 1 ? `${op?.op ?? "op"}` : `ops[${index}]`;
    if (op === null || typeof op !== "object" || (op.op !== "put" && op.op !== "delete")) {
      throw new StoreError("STORE_ERR_INVALID", `${where}: op must be "put" or "delete"`);
    }
    try {
      assertKind(op.kind);
      assertId(op.id);
      const text = op.op === "put" ? encodeProperties(op.properties) : "";
      return {
        op: op.op,
        kind: op.kind,
        id: op.id,
        parentId: parentIdOf(op.id),
        name: nameOf(op.id),
        text,
        options: assertOptions(op.options, where),
      };
    } catch (error) {
      if (error instanceof StoreError && ops.length > 1) {
        throw new StoreError(error.code, `${where}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  });
}
