// ARM shapes: full resource ids, envelopes and references between resources. The store keeps
// service-relative ids ("apis/echo"); replies carry full ARM ids in the form the caller used.
import type { RequestContext } from "./context.js";

export const armProvider = "Microsoft.ApiManagement";

export function armBase(subscriptionId: string, resourceGroup: string, serviceName: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${armProvider}/service/${serviceName}`;
}

export function armId(ctx: Pick<RequestContext, "armBase">, storeId: string): string {
  return storeId === "" ? ctx.armBase : `${ctx.armBase}/${storeId}`;
}

/** "Microsoft.ApiManagement/service/apis/operations" from "apis/{apiId}/operations/{operationId}". */
export function armTypeOf(pattern: string): string {
  const collections = pattern.split("/").filter((_, i) => i % 2 === 0);
  return [`${armProvider}/service`, ...collections].join("/");
}

/**
 * Reduces a reference to a service-relative path with a leading slash: "/users/u1" from
 * "/users/u1", "users/u1" or ".../service/moat/users/u1". Returns undefined for a foreign service.
 */
export function normalizeRef(value: string, serviceName: string): string | undefined {
  const m = /\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)(\/.*)?$/i.exec(value);
  if (m) {
    if ((m[1] as string).toLowerCase() !== serviceName.toLowerCase()) return undefined;
    return m[2] ?? "/";
  }
  return value.startsWith("/") ? value : `/${value}`;
}

/** The full ARM id of a service-relative reference ("/users/u1" → ".../service/moat/users/u1"). */
export function expandRef(ctx: Pick<RequestContext, "armBase">, ref: string): string {
  return ref === "/" ? `${ctx.armBase}/` : `${ctx.armBase}${ref.startsWith("/") ? ref : `/${ref}`}`;
}
