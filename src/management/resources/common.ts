// Small schema pieces and reference helpers shared by resource definitions.
import { z } from "zod";
import type { ResourceKind } from "../../model/resources.js";
import { expandRef, normalizeRef } from "../arm.js";
import type { RequestContext } from "../context.js";
import { validationError } from "../errors.js";

export const str = z.string();
export const optStr = z.string().optional();
export const optBool = z.boolean().optional();
/** Free-form nested objects Moat stores but does not interpret. */
export const anyObject = z.record(z.string(), z.unknown());
export const anyArray = z.array(z.unknown());
export const stringList = z.array(z.string());

/**
 * An absolute URL (`new URL` parses it without a base), optionally limited to some schemes. The
 * gateway can only forward to such URLs, so anything else is a 400 at write time, not a 500 per call.
 */
export function absoluteUrl(schemes?: readonly string[]) {
  const wanted = schemes?.map((s) => `${s}:`);
  return z
    .string()
    .max(2000)
    .refine(
      (value) => {
        if (!URL.canParse(value)) return false;
        return wanted === undefined || wanted.includes(new URL(value).protocol);
      },
      {
        message: schemes ? `must be an absolute URL (${schemes.join(", ")})` : "must be an absolute URL",
      },
    );
}

/**
 * Normalises a reference property ("/users/u1" or a full ARM id) and checks its target exists.
 * Returns the service-relative form ("/users/u1"), which is what the store keeps.
 */
export async function resolveRef(
  ctx: RequestContext,
  value: string,
  field: string,
  kind: ResourceKind,
  collection: string,
): Promise<string> {
  const ref = normalizeRef(value, ctx.options.serviceName);
  const parts = ref?.split("/").filter(Boolean) ?? [];
  if (!ref || parts.length !== 2 || parts[0]?.toLowerCase() !== collection.toLowerCase())
    throw validationError([
      {
        code: "InvalidReference",
        message: `'${value}' is not a reference to ${collection}/{id} of this service`,
        target: field,
      },
    ]);
  const id = `${collection}/${parts[1]}`;
  if (!(await ctx.options.store.get(kind, id)))
    throw validationError([{ code: "ReferenceNotFound", message: `${id} does not exist`, target: field }]);
  return `/${id}`;
}

export function expandIfRef(ctx: RequestContext, value: unknown): unknown {
  return typeof value === "string" && value.startsWith("/") ? expandRef(ctx, value) : value;
}

export function nowIso(ctx: RequestContext): string {
  return new Date(ctx.options.clock.now()).toISOString();
}
