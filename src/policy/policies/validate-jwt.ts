// <validate-jwt header-name|query-parameter-name|token-value …> with <openid-config url/>*,
// <issuer-signing-keys><key/>*</issuer-signing-keys>, <audiences>, <issuers>, <required-claims>.
// Signature and time checks are jose's; claims matching and APIM's error reasons are ours.
import type { JWTPayload } from "jose";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from "jose";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { PolicyResponseError } from "../errors.js";
import { asJwt } from "../expressions/runtime/auth.js";
import type { PolicyParser } from "../parser.js";
import type { Outcome, PolicyContext } from "../types.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import type { InlineKey } from "./jwt-keys.js";
import { candidatesFor, createInlineKeys, createOpenIdCache, keyFor } from "./jwt-keys.js";

interface ClaimRule {
  name: string;
  all: boolean;
  separator: string | undefined;
  values: string[];
}

export interface JwtConfig {
  source: { kind: "header"; name: string } | { kind: "query"; name: string } | { kind: "value"; value: Dyn<string> };
  status: number;
  message: string | undefined;
  requireExp: boolean;
  requireScheme: string | undefined;
  requireSigned: boolean;
  clockSkewS: number;
  outputVariable: string | undefined;
  openIdUrls: string[];
  keys: InlineKey[];
  audiences: string[];
  issuers: string[];
  claims: ClaimRule[];
  /** validate-azure-ad-token: the token's appid/azp must be one of these (when any are given). */
  clientApplicationIds: string[];
}

export function texts(el: XmlElement | undefined, item: string, p: PolicyParser): string[] {
  if (!el) return [];
  const out: string[] = [];
  for (const child of p.children(el, [item])) {
    if (child.name !== item) continue;
    p.finishChild(child);
    out.push(p.constantText(child.text, child).trim());
  }
  return out;
}

/** The attributes both token policies share: where the token is, how failure answers, where it is kept. */
export function parseTokenAttributes(el: XmlElement, p: PolicyParser) {
  return {
    header: p.nonEmpty(el, "header-name", { expression: false }),
    query: p.nonEmpty(el, "query-parameter-name", { expression: false }),
    value: p.string(el, "token-value"),
    status: p.integer(el, "failed-validation-httpcode", { min: 100, max: 599, expression: false }),
    message: p.string(el, "failed-validation-error-message", { expression: false }),
    output: p.nonEmpty(el, "output-token-variable-name", { expression: false }),
  };
}

/** An empty <decryption-keys/> is harmless; keys in it would mean JWE, which jose-based checks here do not decrypt. */
export function rejectDecryptionKeys(decryption: XmlElement | undefined, p: PolicyParser): void {
  if (decryption && decryption.children.length > 0) {
    p.error(
      "POLICY_ERR_UNSUPPORTED",
      `<decryption-keys> at line ${decryption.line}: encrypted tokens (JWE) are not supported by Moat`,
      decryption,
    );
  }
}

function parseKeys(el: XmlElement | undefined, p: PolicyParser): InlineKey[] {
  if (!el) return [];
  const keys: InlineKey[] = [];
  for (const k of p.children(el, ["key"])) {
    if (k.name !== "key") continue;
    const id = p.string(k, "id", { expression: false });
    const kid = id?.kind === "const" ? id.value : undefined;
    const cert = p.string(k, "certificate-id", { expression: false });
    const n = p.string(k, "n", { expression: false });
    const e = p.string(k, "e", { expression: false });
    p.finishChild(k);
    if (cert?.kind === "const") keys.push({ kind: "certificate", kid, certificateId: cert.value });
    else if (n?.kind === "const" && e?.kind === "const") keys.push({ kind: "rsa", kid, n: n.value, e: e.value });
    else {
      const text = p.constantText(k.text, k).trim();
      if (p.isDeferred(text)) {
        keys.push({ kind: "secret", kid, base64: "" });
        continue;
      }
      if (!/^[A-Za-z0-9+/=_-]+$/.test(text)) {
        p.error("POLICY_ERR_INVALID_KEY", "<key> needs a base64 key, certificate-id, or n and e", k);
        continue;
      }
      keys.push({ kind: "secret", kid, base64: text });
    }
  }
  return keys;
}

export const validateJwt = definePolicy<JwtConfig>({
  name: "validate-jwt",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    const { header, query, value, status, message, output } = parseTokenAttributes(el, p);
    const requireExp = p.boolean(el, "require-expiration-time", { expression: false });
    const scheme = p.nonEmpty(el, "require-scheme", { expression: false });
    const signed = p.boolean(el, "require-signed-tokens", { expression: false });
    const skew = p.integer(el, "clock-skew", { min: 0, expression: false });
    const children = p.children(el, [
      "openid-config",
      "issuer-signing-keys",
      "decryption-keys",
      "audiences",
      "issuers",
      "required-claims",
    ]);
    const find = (name: string) => children.find((c) => c.name === name);
    const openIdUrls: string[] = [];
    for (const c of children.filter((c) => c.name === "openid-config")) {
      const url = p.nonEmpty(c, "url", { required: true, expression: false });
      p.finishChild(c);
      // An offline check may meet a URL built from a named value it was not given.
      if (url?.kind === "expr") openIdUrls.push(url.expression.source);
      else if (url?.kind === "const") {
        if (/^https?:\/\/[^/]/i.test(url.value.trim())) openIdUrls.push(url.value.trim());
        else
          p.error("POLICY_ERR_INVALID_URL", `openid-config url must be an absolute http(s) URL, got "${url.value}"`, c);
      }
    }
    const keys = parseKeys(find("issuer-signing-keys"), p);
    rejectDecryptionKeys(find("decryption-keys"), p);
    const claims = parseClaims(find("required-claims"), p);
    const audiences = texts(find("audiences"), "audience", p);
    const issuers = texts(find("issuers"), "issuer", p);
    for (const c of children)
      if (["issuer-signing-keys", "decryption-keys", "audiences", "issuers", "required-claims"].includes(c.name))
        p.finishChild(c);
    const sources = [header, query, value].filter(Boolean).length;
    if (sources !== 1)
      p.error(
        "POLICY_ERR_TOKEN_SOURCE",
        "<validate-jwt> needs exactly one of header-name, query-parameter-name or token-value",
        el,
      );
    const requireSigned = signed?.kind === "const" ? signed.value : true;
    if (requireSigned && keys.length === 0 && openIdUrls.length === 0 && !p.failedSince(m)) {
      p.error(
        "POLICY_ERR_REQUIRED",
        "<validate-jwt> needs <issuer-signing-keys> or <openid-config> to verify signed tokens",
        el,
      );
    }
    if (p.failedSince(m)) return undefined;
    return {
      source:
        header?.kind === "const"
          ? { kind: "header", name: header.value.toLowerCase() }
          : query?.kind === "const"
            ? { kind: "query", name: query.value }
            : { kind: "value", value: value as Dyn<string> },
      status: status?.kind === "const" ? status.value : 401,
      message: message?.kind === "const" ? message.value : undefined,
      requireExp: requireExp?.kind === "const" ? requireExp.value : true,
      requireScheme: scheme?.kind === "const" ? scheme.value : undefined,
      requireSigned,
      clockSkewS: skew?.kind === "const" ? skew.value : 0,
      outputVariable: output?.kind === "const" ? output.value : undefined,
      openIdUrls,
      keys,
      audiences,
      issuers,
      claims,
      clientApplicationIds: [],
    };
  },
  compile(c) {
    return compileJwtValidation(c, "validate-jwt");
  },
});

export function parseClaims(claimsEl: XmlElement | undefined, p: PolicyParser): ClaimRule[] {
  const claims: ClaimRule[] = [];
  if (!claimsEl) return claims;
  for (const c of p.children(claimsEl, ["claim"])) {
    if (c.name !== "claim") continue;
    const name = p.nonEmpty(c, "name", { required: true, expression: false });
    const match = p.enumeration(c, "match", ["all", "any"] as const);
    const sep = p.string(c, "separator", { expression: false });
    const values = texts(c, "value", p);
    p.finishChild(c);
    if (name?.kind === "const") {
      claims.push({
        name: name.value,
        all: match?.kind !== "const" || match.value === "all",
        separator: sep?.kind === "const" ? sep.value : undefined,
        values,
      });
    }
  }
  return claims;
}

/** The per-request validation shared by validate-jwt and validate-azure-ad-token. */
export function compileJwtValidation(c: JwtConfig, source: string) {
  const openId = c.openIdUrls.length ? createOpenIdCache(c.openIdUrls) : undefined;
  const fail = (reason: string, fallback: string) =>
    new PolicyResponseError(source, reason, c.message ?? fallback, c.status);
  const clients = new Set(c.clientApplicationIds);
  const inlineKeys = createInlineKeys(c.keys);
  const tokenValue = c.source.kind === "value" ? getter(c.source.value) : undefined;

  const readToken = (ctx: PolicyContext): string | undefined => {
    let raw: string | undefined;
    if (c.source.kind === "header") raw = ctx.request.headers.get(c.source.name)?.[0];
    else if (c.source.kind === "query") raw = ctx.request.url.query.get(c.source.name)?.[0];
    else raw = tokenValue?.(ctx);
    if (raw === undefined) return undefined;
    raw = raw.trim();
    if (c.requireScheme) {
      const prefix = `${c.requireScheme} `;
      if (raw.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase())
        throw fail("TokenSchemeNotAllowed", `Authorization scheme ${c.requireScheme} is required.`);
      return raw.slice(prefix.length).trim() || undefined;
    }
    const space = raw.indexOf(" ");
    return (space > 0 ? raw.slice(space + 1).trim() : raw) || undefined;
  };

  const verify = async (ctx: PolicyContext, token: string): Promise<JWTPayload> => {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw fail("JwtInvalid", "JWT is malformed.");
    }
    const alg = header.alg ?? "none";
    if (alg === "none") throw fail("TokenSignatureInvalid", "JWT is not signed.");
    const inline = inlineKeys(ctx);
    const options = {
      audience: c.audiences.length ? c.audiences : undefined,
      issuer: c.issuers.length ? c.issuers : undefined,
      clockTolerance: c.clockSkewS,
      currentDate: new Date(ctx.services.clock.now()),
      requiredClaims: c.requireExp ? ["exp"] : [],
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const remote = openId ? await openId.keys(ctx, attempt === 1) : { keys: [], issuers: [] };
      const candidates = candidatesFor([...inline, ...remote.keys], alg, header.kid);
      let lastError: unknown;
      for (const candidate of candidates) {
        try {
          const key =
            candidate.jwk.kty === "oct"
              ? Buffer.from(candidate.jwk.k ?? "", "base64url")
              : await keyFor(candidate, alg);
          return (await jwtVerify(token, key, options)).payload;
        } catch (error) {
          if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
            lastError = error;
            continue;
          }
          throw mapJoseError(error, fail);
        }
      }
      if (lastError) throw fail("TokenSignatureInvalid", "JWT signature is invalid.");
      // No key for this kid: refetch the OpenID keys once (rate limited by the cache).
      if (!openId) break;
    }
    throw fail("TokenSignatureKeyNotFound", "JWT signature key was not found.");
  };

  return async (ctx: PolicyContext): Promise<Outcome> => {
    const token = readToken(ctx);
    if (!token) throw fail("TokenNotPresent", "JWT not present.");
    const payload = await verify(ctx, token);
    checkClaims(payload, c.claims, fail);
    if (clients.size > 0 && !clients.has(String(payload.appid ?? payload.azp ?? ""))) {
      throw fail("TokenClientApplicationNotAllowed", "JWT client application is not allowed.");
    }
    // The expression runtime's Jwt view, so `(Jwt)context.Variables[…]` and GetValueOrDefault<Jwt> work.
    if (c.outputVariable) ctx.variables.set(c.outputVariable, asJwt(token, true) ?? jwtView(token, payload));
    return CONTINUE;
  };
}

type Fail = (reason: string, fallback: string) => PolicyResponseError;

function mapJoseError(error: unknown, fail: Fail): PolicyResponseError {
  if (error instanceof joseErrors.JWTExpired) return fail("TokenExpired", "JWT has expired.");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return fail("TokenAudienceNotAllowed", "JWT audience is not allowed.");
    if (error.claim === "iss") return fail("TokenIssuerNotAllowed", "JWT issuer is not allowed.");
    if (error.claim === "exp") return fail("TokenExpirationTimeRequired", "JWT has no expiration time.");
    if (error.claim === "nbf") return fail("TokenNotYetValid", "JWT is not yet valid.");
    return fail("JwtInvalid", `JWT claim ${error.claim} is invalid.`);
  }
  if (error instanceof PolicyResponseError) return error;
  return fail("JwtInvalid", "JWT is invalid.");
}

function claimValues(value: unknown, separator: string | undefined): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    return separator ? text.split(separator).map((s) => s.trim()) : [text];
  });
}

export function checkClaims(payload: JWTPayload, rules: readonly ClaimRule[], fail: Fail): void {
  for (const rule of rules) {
    const value = payload[rule.name];
    if (value === undefined) throw fail("TokenClaimNotFound", `JWT claim ${rule.name} is missing.`);
    if (rule.values.length === 0) continue;
    const present = new Set(claimValues(value, rule.separator));
    const ok = rule.all ? rule.values.every((v) => present.has(v)) : rule.values.some((v) => present.has(v));
    if (!ok) throw fail("TokenClaimValueNotAllowed", `JWT claim ${rule.name} has a value that is not allowed.`);
  }
}

/** The validated token as policy expressions see it (APIM's Jwt type). */
function jwtView(token: string, payload: JWTPayload) {
  const header = decodeProtectedHeader(token);
  const claims: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(payload)) claims[k] = claimValues(v, undefined);
  const date = (s: number | undefined) => (s === undefined ? undefined : new Date(s * 1000));
  return {
    Algorithm: header.alg,
    Audiences: payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud],
    Claims: claims,
    ExpirationTime: date(payload.exp),
    Id: payload.jti,
    Issuer: payload.iss,
    IssuedAt: date(payload.iat),
    NotBefore: date(payload.nbf),
    Subject: payload.sub,
    Type: header.typ,
  };
}
