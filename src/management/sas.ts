// APIM shared-access-signature tokens: "uid=<id>&ex=<expiry>&sn=<signature>", where
// sn = base64(HMAC-SHA512(key, uid + "\n" + ex)) and ex looks like 2026-12-01T00:00:00.0000000Z.
// Pure: time comes from the caller.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface SasParts {
  readonly uid: string;
  readonly ex: string;
  readonly sn: string;
}

export const sasPrefix = "SharedAccessSignature ";

/** Formats an expiry the way APIM does: seven fractional digits and a Z. */
export function formatSasExpiry(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

export function sasSignature(key: string, uid: string, ex: string): string {
  return createHmac("sha512", key).update(`${uid}\n${ex}`).digest("base64");
}

/** The token without the "SharedAccessSignature " prefix, as Azure's users/{id}/token returns it. */
export function signSas(key: string, uid: string, expiryMs: number): string {
  const ex = formatSasExpiry(expiryMs);
  return `uid=${uid}&ex=${ex}&sn=${sasSignature(key, uid, ex)}`;
}

/**
 * Splits a token into its parts. The signature is base64 and may contain "=" and "+", so the fields
 * are cut at the first "=" of each "&"-separated pair, and sn is taken to the end of the string.
 */
export function parseSas(token: string): SasParts | undefined {
  const body = token.startsWith(sasPrefix) ? token.slice(sasPrefix.length).trim() : token.trim();
  const snAt = body.indexOf("&sn=");
  if (snAt < 0) return undefined;
  const sn = body.slice(snAt + 4);
  const fields = new Map<string, string>();
  for (const pair of body.slice(0, snAt).split("&")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return undefined;
    fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const uid = fields.get("uid");
  const ex = fields.get("ex");
  if (!uid || !ex || !sn) return undefined;
  return { uid: decodeURIComponent(uid), ex, sn };
}

export type SasCheck = { ok: true; uid: string } | { ok: false; reason: string };

/** Verifies signature (against any of the keys) and expiry. */
export function verifySas(token: string, keys: readonly string[], nowMs: number): SasCheck {
  const parts = parseSas(token);
  if (!parts) return { ok: false, reason: "malformed SharedAccessSignature token (expected uid=…&ex=…&sn=…)" };
  const expiry = Date.parse(parts.ex);
  if (Number.isNaN(expiry)) return { ok: false, reason: "the token's ex is not a date" };
  const given = Buffer.from(parts.sn, "base64");
  const valid = keys.some((key) => {
    const expected = Buffer.from(sasSignature(key, parts.uid, parts.ex), "base64");
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return { ok: false, reason: "the token's signature is not valid" };
  if (expiry <= nowMs) return { ok: false, reason: "the token has expired" };
  return { ok: true, uid: parts.uid };
}
