// Signing keys for validate-jwt: inline keys (base64 secrets, RSA n/e), certificates by id, and keys
// published through OpenID Connect metadata. Metadata and key sets are cached for an hour; an unknown
// `kid` triggers a refetch at most every 5 minutes (as APIM does), so key rotation is picked up.
import { X509Certificate } from "node:crypto";
import type { JWK } from "jose";
import { importJWK } from "jose";
import type { PolicyContext } from "../types.js";
import { PolicyError } from "../types.js";

export interface KeyCandidate {
  readonly kid: string | undefined;
  readonly jwk: JWK;
}

export type InlineKey =
  | { kind: "secret"; kid: string | undefined; base64: string }
  | { kind: "rsa"; kid: string | undefined; n: string; e: string }
  | { kind: "certificate"; kid: string | undefined; certificateId: string };

export const METADATA_TTL_MS = 60 * 60 * 1000;
export const REFRESH_MIN_MS = 5 * 60 * 1000;
const FETCH_TIMEOUT_MS = 10_000;

/** Inline keys become candidates once; certificate keys are looked up per request and cached by content. */
export function createInlineKeys(keys: readonly InlineKey[]): (ctx: PolicyContext) => KeyCandidate[] {
  const fixed: KeyCandidate[] = [];
  const certificates: Array<{ kid: string | undefined; id: string }> = [];
  for (const key of keys) {
    if (key.kind === "secret")
      fixed.push({ kid: key.kid, jwk: { kty: "oct", k: Buffer.from(key.base64, "base64").toString("base64url") } });
    else if (key.kind === "rsa")
      fixed.push({ kid: key.kid, jwk: { kty: "RSA", n: toBase64Url(key.n), e: toBase64Url(key.e) } });
    else certificates.push({ kid: key.kid, id: key.certificateId });
  }
  if (certificates.length === 0) return () => fixed;
  // The same certificate text keeps the same JWK object, so imported keys stay cached (keyFor).
  const fromPem = new Map<string, JWK>();
  return (ctx) => {
    const out = fixed.slice();
    for (const { kid, id } of certificates) {
      const pem = ctx.services.certificate(id)?.cert;
      if (!pem) continue;
      let jwk = fromPem.get(pem);
      if (!jwk) {
        jwk = new X509Certificate(pem).publicKey.export({ format: "jwk" }) as JWK;
        fromPem.set(pem, jwk);
      }
      out.push({ kid, jwk });
    }
    return out;
  };
}

// Accept base64 or base64url for n/e, as both appear in real documents.
function toBase64Url(value: string): string {
  return value.trim().replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const FAMILY: Record<string, string> = { HS: "oct", RS: "RSA", PS: "RSA", ES: "EC", Ed: "OKP" };

/** Keys that may have signed a token with this header, in document order. */
export function candidatesFor(keys: readonly KeyCandidate[], alg: string, kid: string | undefined): KeyCandidate[] {
  const kty = FAMILY[alg.slice(0, 2)] ?? (alg === "EdDSA" ? "OKP" : undefined);
  return keys.filter((k) => k.jwk.kty === kty && (kid === undefined || k.kid === undefined || k.kid === kid));
}

const imported = new WeakMap<JWK, Map<string, Awaited<ReturnType<typeof importJWK>>>>();

export async function keyFor(candidate: KeyCandidate, alg: string): Promise<Awaited<ReturnType<typeof importJWK>>> {
  let perAlg = imported.get(candidate.jwk);
  if (!perAlg) {
    perAlg = new Map();
    imported.set(candidate.jwk, perAlg);
  }
  let key = perAlg.get(alg);
  if (!key) {
    key = await importJWK(candidate.jwk, alg);
    perAlg.set(alg, key);
  }
  return key;
}

interface OpenIdEntry {
  keys: KeyCandidate[];
  issuer: string | undefined;
  fetchedAtMs: number;
  pending: Promise<void> | undefined;
}

/** One cache per compiled validate-jwt statement (per configuration revision). */
export function createOpenIdCache(urls: readonly string[]) {
  const entries = new Map<string, OpenIdEntry>();
  const getJson = async (ctx: PolicyContext, url: string): Promise<Record<string, unknown>> => {
    const res = await ctx.services.http({
      url,
      method: "GET",
      headers: [["accept", "application/json"]],
      timeoutMs: FETCH_TIMEOUT_MS,
    });
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    const value: unknown = JSON.parse(res.body.toString("utf8"));
    if (typeof value !== "object" || value === null) throw new Error(`${url} did not return a JSON object`);
    return value as Record<string, unknown>;
  };
  const fetchOne = async (ctx: PolicyContext, url: string, entry: OpenIdEntry): Promise<void> => {
    const metadata = await getJson(ctx, url);
    const jwksUri = metadata.jwks_uri;
    if (typeof jwksUri !== "string") throw new Error(`${url} has no jwks_uri`);
    const jwks = await getJson(ctx, jwksUri);
    const keys = Array.isArray(jwks.keys) ? (jwks.keys as JWK[]) : [];
    entry.keys = keys.filter((k) => typeof k?.kty === "string").map((jwk) => ({ kid: jwk.kid, jwk }));
    entry.issuer = typeof metadata.issuer === "string" ? metadata.issuer : undefined;
    entry.fetchedAtMs = ctx.services.clock.now();
  };
  const refresh = (ctx: PolicyContext, url: string, entry: OpenIdEntry): Promise<void> => {
    entry.pending ??= fetchOne(ctx, url, entry)
      .catch((error: unknown) => {
        // Keep serving the last good keys; remember the attempt so a dead endpoint is not hammered.
        entry.fetchedAtMs = ctx.services.clock.now();
        if (entry.keys.length === 0) {
          throw new PolicyError(
            "validate-jwt",
            "OpenIdConfigurationUnavailable",
            `OpenID configuration ${url} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
            500,
          );
        }
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  };
  return {
    /** Current keys, fetching when missing or older than an hour; `unknownKid` forces a refetch (≥ 5 min apart). */
    async keys(ctx: PolicyContext, unknownKid: boolean): Promise<{ keys: KeyCandidate[]; issuers: string[] }> {
      const now = ctx.services.clock.now();
      const all: KeyCandidate[] = [];
      const issuers: string[] = [];
      for (const url of urls) {
        let entry = entries.get(url);
        if (!entry) {
          entry = { keys: [], issuer: undefined, fetchedAtMs: Number.NEGATIVE_INFINITY, pending: undefined };
          entries.set(url, entry);
        }
        const age = now - entry.fetchedAtMs;
        if (age >= METADATA_TTL_MS || (unknownKid && age >= REFRESH_MIN_MS)) await refresh(ctx, url, entry);
        all.push(...entry.keys);
        if (entry.issuer) issuers.push(entry.issuer);
      }
      return { keys: all, issuers };
    },
  };
}
