// Who is calling. The administrator key (Bearer, or an SAS token signed with it) has full access;
// a developer's SAS token (signed with the signing key) acts as that user, with full access only when
// the user belongs to the Administrators group.
import { timingSafeEqual } from "node:crypto";
import type { ManagementOptions, Principal, RequestContext } from "./context.js";
import { ApiError } from "./errors.js";
import { sasPrefix, verifySas } from "./sas.js";

/** uid APIM uses for tokens of the direct management API ("tenant access"). */
export const integrationUid = "integration";

function unauthorized(message: string): ApiError {
  return new ApiError(401, "Unauthorized", message, {
    headers: { "www-authenticate": 'Bearer realm="moat", SharedAccessSignature realm="moat"' },
  });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function authenticate(authorization: string | undefined, options: ManagementOptions): Promise<Principal> {
  if (!authorization)
    throw unauthorized("Authorization is required: 'Bearer <admin key>' or 'SharedAccessSignature uid=…&ex=…&sn=…'.");
  if (/^bearer /i.test(authorization)) {
    if (sameSecret(authorization.slice(7).trim(), options.adminKey)) return { kind: "admin" };
    throw unauthorized("The bearer token is not the administrator key.");
  }
  if (authorization.startsWith(sasPrefix)) {
    const check = verifySas(authorization, [options.signingKey, options.adminKey], options.clock.now());
    if (!check.ok) throw unauthorized(`Invalid SharedAccessSignature: ${check.reason}.`);
    if (check.uid === integrationUid) return { kind: "admin" };
    const user = await options.store.get("user", `users/${check.uid}`);
    if (!user) throw unauthorized("The token's user does not exist.");
    if (user.properties.state !== "active") throw unauthorized(`The token's user is ${String(user.properties.state)}.`);
    if (await options.store.get("groupUser", `groups/administrators/users/${check.uid}`)) return { kind: "admin" };
    return { kind: "user", userId: check.uid };
  }
  throw unauthorized("Unsupported Authorization scheme: use Bearer or SharedAccessSignature.");
}

/** Throws 404 unless a developer acts on themselves (a user route with their own id). */
export function requireSelf(ctx: RequestContext, userId: string, param = "userId"): void {
  if (ctx.params[param] !== userId) throw new ApiError(404, "ResourceNotFound", "The resource was not found.");
}
