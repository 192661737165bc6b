// <validate-azure-ad-token tenant-id [header-name|query-parameter-name|token-value] …> with
// <client-application-ids>, <backend-application-ids>, <audiences>, <required-claims>: validate-jwt
// against the tenant's Entra ID OpenID metadata, issuers and (optionally) calling applications.
import { definePolicy } from "../definition.js";
import type { JwtConfig } from "./validate-jwt.js";
import {
  compileJwtValidation,
  parseClaims,
  parseTokenAttributes,
  rejectDecryptionKeys,
  texts,
} from "./validate-jwt.js";

const CHILDREN = [
  "client-application-ids",
  "backend-application-ids",
  "audiences",
  "required-claims",
  "decryption-keys",
];

export const validateAzureAdToken = definePolicy<JwtConfig>({
  name: "validate-azure-ad-token",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    const tenant = p.nonEmpty(el, "tenant-id", { required: true, expression: false });
    const { header, query, value, status, message, output } = parseTokenAttributes(el, p);
    const children = p.children(el, CHILDREN);
    const find = (name: string) => children.find((c) => c.name === name);
    const clients = texts(find("client-application-ids"), "application-id", p);
    const backends = texts(find("backend-application-ids"), "application-id", p);
    const audiences = texts(find("audiences"), "audience", p);
    const claims = parseClaims(find("required-claims"), p);
    rejectDecryptionKeys(find("decryption-keys"), p);
    for (const c of children) p.finishChild(c);
    if ([header, query, value].filter(Boolean).length > 1) {
      p.error(
        "POLICY_ERR_TOKEN_SOURCE",
        "<validate-azure-ad-token> takes at most one of header-name, query-parameter-name or token-value",
        el,
      );
    }
    if (p.failedSince(m) || !tenant) return undefined;
    // A tenant given by a named value that an offline check does not know is kept as written.
    const tenantId = tenant.kind === "const" ? tenant.value.trim() : tenant.expression.source;
    if (tenant.kind === "const" && !/^[A-Za-z0-9.-]+$/.test(tenantId)) {
      p.error("POLICY_ERR_INVALID_TENANT", `tenant-id must be a tenant GUID or domain, got "${tenantId}"`, el);
      return undefined;
    }
    const authority = `https://login.microsoftonline.com/${tenantId}`;
    return {
      source:
        query?.kind === "const"
          ? { kind: "query", name: query.value }
          : value
            ? { kind: "value", value }
            : { kind: "header", name: (header?.kind === "const" ? header.value : "Authorization").toLowerCase() },
      status: status?.kind === "const" ? status.value : 401,
      message: message?.kind === "const" ? message.value : undefined,
      requireExp: true,
      requireScheme: undefined,
      requireSigned: true,
      clockSkewS: 0,
      outputVariable: output?.kind === "const" ? output.value : undefined,
      openIdUrls: [`${authority}/v2.0/.well-known/openid-configuration`],
      keys: [],
      audiences: [...audiences, ...backends, ...backends.map((id) => `api://${id}`)],
      issuers: [`${authority}/v2.0`, `https://sts.windows.net/${tenantId}/`],
      claims,
      clientApplicationIds: clients,
    };
  },
  compile(c) {
    return compileJwtValidation(c, "validate-azure-ad-token");
  },
});
