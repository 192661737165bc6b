// GET /identity with Basic e-mail:password: the developer portal's sign-in. Answers the user id and
// a SAS token for that user in the Ocp-Apim-Sas-Token header, as APIM does.
import type { UserState } from "../model/resources.js";
import type { ManagementOptions, Reply } from "./context.js";
import { ApiError } from "./errors.js";
import { credentialId, type PasswordHash, verifyPassword } from "./passwords.js";
import { signSas } from "./sas.js";

export const defaultIdentityTokenTtlMs = 8 * 3600_000;

function denied(message: string): ApiError {
  return new ApiError(401, "Unauthorized", message, { headers: { "www-authenticate": 'Basic realm="moat"' } });
}

export async function identityHandler(options: ManagementOptions, authorization: string | undefined): Promise<Reply> {
  if (!authorization || !/^basic /i.test(authorization))
    throw denied("GET /identity needs 'Authorization: Basic base64(email:password)'.");
  const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw denied("The Basic credentials must be email:password.");
  const email = decoded.slice(0, colon).toLowerCase();
  const password = decoded.slice(colon + 1);
  const users = await options.store.list("user", { parentId: "" });
  const user = users.items.find((u) => String(u.properties.email).toLowerCase() === email);
  const credential = user
    ? await options.store.get<PasswordHash>("userCredential", credentialId(user.name))
    : undefined;
  if (!user || !credential || !(await verifyPassword(password, credential.properties)))
    throw denied("The e-mail or password is not correct.");
  const state = user.properties.state as UserState;
  if (state === "pending") throw denied("The account is pending: confirm the e-mail address first.");
  if (state !== "active") throw denied(`The account is ${state}.`);
  const token = signSas(
    options.signingKey,
    user.name,
    options.clock.now() + (options.identityTokenTtlMs ?? defaultIdentityTokenTtlMs),
  );
  return {
    status: 200,
    body: { id: user.name },
    headers: { "ocp-apim-sas-token": `token="SharedAccessSignature ${token}",refresh="true"` },
  };
}
