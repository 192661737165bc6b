// A resource kind of the management API is one table entry: where it lives, its ARM type, how its
// properties are validated, which fields are read-only or secret, and the hooks that give it behaviour.
import type { z } from "zod";
import type { ResourceKind, StoredEntity } from "../../model/resources.js";
import type { WriteOp } from "../../store/contract.js";
import type { RequestContext } from "../context.js";
import type { UserGuard } from "../router.js";
import type { WriteGuards } from "../write-guard.js";

export type Props = Record<string, unknown>;

export interface Prepared {
  properties: Props;
  /** Further writes committed in the same transaction (e.g. a user's password hash). */
  extraOps?: WriteOp[];
}

export interface ResourceDef {
  readonly kind: ResourceKind;
  /** Entity path, e.g. "apis/{apiId}/operations/{operationId}". Its collection is the path minus the last segment. */
  readonly pattern: string;
  /** Validates the full properties of a create/replace (and of a PATCH merged onto the entity). */
  readonly schema: z.ZodType<Props>;
  /** Server-managed fields: ignored in requests (clients echo them back), kept from the existing entity. */
  readonly readOnly?: readonly string[];
  /** Accepted on write, never returned (e.g. a user's password). */
  readonly writeOnly?: readonly string[];
  /** Allowed names when the kind is a fixed set (policies: "policy"). */
  readonly names?: readonly string[];
  /** Upper bound on the name's length (Azure: 80 for most, 256 for some). */
  readonly maxNameLength?: number;
  /** Values filled in on create (after read-only fields were dropped from the request). */
  defaults?(ctx: RequestContext, name: string, existing: StoredEntity | undefined): Props;
  /**
   * Cross-entity checks and normalisation; throws ApiError naming the field. A check that depends on
   * other entities takes their write guard first (`guards.take`) and returns its op in `extraOps`, so
   * the check and the write commit together or the whole write is run again.
   */
  prepare?(
    ctx: RequestContext,
    props: Props,
    id: string,
    existing: StoredEntity | undefined,
    guards: WriteGuards,
  ): Promise<Prepared>;
  /** Shapes stored properties for a reply (expands references to ARM ids, hides secrets). */
  present?(ctx: RequestContext, entity: StoredEntity): Props | Promise<Props>;
  /** Throws when the entity may not be deleted; returns extra writes (cascade) otherwise. */
  beforeDelete?(ctx: RequestContext, entity: StoredEntity): Promise<WriteOp[]>;
  /** Restricts list results for a developer caller. */
  userVisible?(ctx: RequestContext, entity: StoredEntity, userId: string): Promise<boolean>;
  /** Which methods a developer may call on this kind. */
  readonly user?: { readonly entity?: Partial<Record<string, UserGuard>>; readonly collection?: UserGuard };
  /** Whether GET on the collection route is offered (false for singletons such as policies with their own list). */
  readonly listable?: boolean;
  /** Azure answers some PATCHes (portal settings) with 204 and no body. */
  readonly patchStatus?: 200 | 204;
  /** Whether PATCH is offered. */
  readonly patchable?: boolean;
}
