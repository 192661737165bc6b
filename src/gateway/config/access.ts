// Subscription decision exactly as APIM (spec §3.3): a key of an active subscription scoped to all
// APIs, to this API or to a product containing it grants access; without a key an open product or an
// API that needs no subscription grants access; anything else is one of two 401s. Returns shared,
// precomputed objects: no allocation per request.
import type { AccessGranted, ApiRoute, GatewaySnapshot } from "./types.js";

export interface AccessDenied {
  readonly ok: false;
  readonly reason: "missing" | "invalid";
}

export const DENIED_MISSING: AccessDenied = Object.freeze({ ok: false, reason: "missing" });
export const DENIED_INVALID: AccessDenied = Object.freeze({ ok: false, reason: "invalid" });

export function decideAccess(
  snapshot: GatewaySnapshot,
  api: ApiRoute,
  key: string | undefined,
): AccessGranted | AccessDenied {
  if (key === undefined || key === "") return api.openDecision ?? DENIED_MISSING;
  const entry = snapshot.keys.get(key);
  if (entry === undefined || !entry.usable) return DENIED_INVALID;
  const scope = entry.scope;
  switch (scope.kind) {
    case "all":
      return entry.granted;
    case "api":
      return scope.name === api.baseName ? entry.granted : DENIED_INVALID;
    case "product":
      return scope.product.apiNames.has(api.baseName) ? entry.granted : DENIED_INVALID;
  }
}
