// Rules shared by every backend: what a valid id and kind look like, how an id splits into parent and
// name, how preconditions (If-Match / If-None-Match) are judged, and how properties become stored text.
// Keeping them here means SQLite and PostgreSQL cannot drift apart on validation.
import { randomBytes } from "node:crypto";
import type { ResourceKind, StoredEntity } from "../model/resources.js";
import type { ChangeEvent, WriteOptions } from "./contract.js";
import { StoreError } from "./contract.js";

const maxIdLength = 2048;
const kindPattern = /^[a-zA-Z][a-zA-Z0-9]{0,63}$/;
// Control characters and lone surrogates cannot survive a trip through UTF-8 storage unchanged.
const forbiddenInId = /[\p{Cc}\p{Cs}]/u;

export function assertKind(kind: string): asserts kind is ResourceKind {
  if (typeof kind !== "string" || !kindPattern.test(kind)) {
    throw new StoreError("STORE_ERR_INVALID", `kind ${JSON.stringify(kind)} is not a resource kind name`);
  }
}

/** Checks an entity id ("" is the service itself; otherwise non-empty segments joined by "/"). */
export function assertId(id: string): void {
  if (typeof id !== "string") throw new StoreError("STORE_ERR_INVALID", "id must be a string");
  if (id === "") return;
  if (id.length > maxIdLength) {
    throw new StoreError("STORE_ERR_INVALID", `id is longer than ${maxIdLength} characters`);
  }
  if (forbiddenInId.test(id)) {
    throw new StoreError("STORE_ERR_INVALID", `id ${JSON.stringify(id)} contains a control character`);
  }
  if (id.split("/").some((segment) => segment === "")) {
    throw new StoreError("STORE_ERR_INVALID", `id ${JSON.stringify(id)} has an empty segment`);
  }
}

/** Ids alternate collection and name ("apis/echo/operations/get"): the parent drops the last pair. */
export function parentIdOf(id: string): string {
  const segments = id.split("/");
  return segments.length <= 2 ? "" : segments.slice(0, -2).join("/");
}

export function nameOf(id: string): string {
  const slash = id.lastIndexOf("/");
  return slash < 0 ? id : id.slice(slash + 1);
}

/**
 * Bounds of the half-open range of ids below `id`: every descendant starts with `${id}/`, and "0" is
 * the character right after "/", so [`${id}/`, `${id}0`) is exactly that prefix under binary ordering.
 */
export function descendantRange(id: string): { from: string; to: string } {
  return { from: `${id}/`, to: `${id}0` };
}

/** Serialises properties; rejects what JSON cannot carry back exactly. */
export function encodeProperties(properties: unknown): string {
  if (properties === null || typeof properties !== "object" || Array.isArray(properties)) {
    throw new StoreError("STORE_ERR_INVALID", "properties must be a JSON object");
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(properties);
  } catch (cause) {
    throw new StoreError("STORE_ERR_INVALID", `properties are not serialisable as JSON: ${String(cause)}`, { cause });
  }
  if (text === undefined) throw new StoreError("STORE_ERR_INVALID", "properties are not serialisable as JSON");
  return text;
}

export function decodeProperties(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

/** An opaque, quoted etag: the revision makes it unique per write, the random part unique per database. */
export function newEtag(revision: number): string {
  return `"${revision.toString(16)}-${randomBytes(6).toString("hex")}"`;
}

function etagMatches(current: string, wanted: string): boolean {
  if (wanted === "*") return true;
  // Accept weak validators and unquoted forms from HTTP clients: W/"x", "x" and x all name the same tag.
  const bare = (tag: string) =>
    tag
      .trim()
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1");
  return wanted
    .split(",")
    .map(bare)
    .some((tag) => tag === bare(current));
}

/** Throws STORE_ERR_PRECONDITION when the entity's current etag (undefined = absent) fails the options. */
export function checkPreconditions(
  kind: string,
  id: string,
  currentEtag: string | undefined,
  options: WriteOptions | undefined,
): void {
  if (options?.ifMatch !== undefined) {
    if (currentEtag === undefined) {
      throw new StoreError("STORE_ERR_PRECONDITION", `${kind} "${id}" does not exist (If-Match ${options.ifMatch})`);
    }
    if (!etagMatches(currentEtag, options.ifMatch)) {
      throw new StoreError(
        "STORE_ERR_PRECONDITION",
        `${kind} "${id}" has etag ${currentEtag}, not ${options.ifMatch} (If-Match)`,
      );
    }
  }
  if (
    options?.ifNoneMatch !== undefined &&
    currentEtag !== undefined &&
    etagMatches(currentEtag, options.ifNoneMatch)
  ) {
    throw new StoreError(
      "STORE_ERR_PRECONDITION",
      `${kind} "${id}" already exists (If-None-Match ${options.ifNoneMatch})`,
    );
  }
}

export function assertPaging(top: number | undefined, skip: number | undefined): void {
  for (const [field, value] of [
    ["top", top],
    ["skip", skip],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new StoreError("STORE_ERR_INVALID", `${field} must be a non-negative integer, got ${String(value)}`);
    }
  }
}

/** The row shape both backends store, before properties are parsed. */
export interface EntityRow {
  kind: string;
  id: string;
  parent_id: string;
  name: string;
  properties: string;
  etag: string;
  revision: number | string;
}

export function entityFromRow<P = Record<string, unknown>>(row: EntityRow): StoredEntity<P> {
  return {
    kind: row.kind as ResourceKind,
    id: row.id,
    name: row.name,
    parentId: row.parent_id,
    properties: decodeProperties(row.properties) as P,
    etag: row.etag,
    revision: Number(row.revision),
  };
}

/** A change-feed row: puts carry the entity as written, deletes only its address. */
export interface ChangeRow {
  revision: number | string;
  op: string;
  kind: string;
  id: string;
  parent_id: string;
  name: string;
  properties: string | null;
  etag: string | null;
}

export function changeFromRow(row: ChangeRow): ChangeEvent {
  const revision = Number(row.revision);
  const kind = row.kind as ResourceKind;
  if (row.op === "delete" || row.properties === null || row.etag === null) {
    return { revision, op: "delete", kind, id: row.id };
  }
  return {
    revision,
    op: "put",
    kind,
    id: row.id,
    entity: entityFromRow({ ...row, properties: row.properties, etag: row.etag }),
  };
}

export function assertRevision(revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new StoreError("STORE_ERR_INVALID", `sinceRevision must be a non-negative integer, got ${String(revision)}`);
  }
}
