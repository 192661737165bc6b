// Keys derived once from the portal secret, and the few primitives every flow shares: HMAC-signed
// tokens (confirmation links, CAPTCHA answers) and AES-256-GCM sealed blobs (session cookies).
// GCM authenticates as well as hides, so a sealed cookie is also a signed one: a forged or altered
// cookie fails to open and is treated as no session at all.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

export interface PortalKeys {
  readonly sign: Buffer;
  readonly seal: Buffer;
}

/** Separate keys per purpose, so a MAC computed for one use can never be replayed as another. */
export function deriveKeys(secret: string | Buffer): PortalKeys {
  if (secret.length < 16) throw new RangeError("portal secret must be at least 16 bytes");
  const ikm = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  const key = (info: string) => Buffer.from(hkdfSync("sha256", ikm, "moat-portal", info, 32));
  return { sign: key("sign"), seal: key("seal") };
}

export function mac(key: Buffer, ...parts: readonly string[]): string {
  const h = createHmac("sha256", key);
  // Length-prefix each part so ("ab","c") and ("a","bc") never collide.
  for (const p of parts) h.update(`${Buffer.byteLength(p)}:${p};`);
  return h.digest("base64url");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString("base64url");
}

export function seal(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** Undefined for anything that was not sealed with this key, whatever its shape. */
export function unseal(key: Buffer, text: string): unknown {
  try {
    const raw = Buffer.from(text, "base64url");
    if (raw.length < 29) return undefined;
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    return JSON.parse(plain.toString("utf8"));
  } catch {
    return undefined;
  }
}

export interface SignedClaims {
  /** What the token is for ("confirm", "reset"); checked so one kind never passes as another. */
  readonly purpose: string;
  readonly uid: string;
  /** Expiry, milliseconds since the epoch. */
  readonly exp: number;
  /** Single-use nonce. */
  readonly jti: string;
}

export function signToken(key: Buffer, claims: SignedClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${body}.${mac(key, "token", body)}`;
}

export type TokenCheck =
  | { ok: true; claims: SignedClaims }
  | { ok: false; reason: "malformed" | "bad-signature" | "wrong-purpose" | "expired" };

export function verifyToken(key: Buffer, token: string, purpose: string, nowMs: number): TokenCheck {
  const dot = token.indexOf(".");
  if (dot <= 0 || token.length > 2048) return { ok: false, reason: "malformed" };
  const body = token.slice(0, dot);
  if (!safeEqual(token.slice(dot + 1), mac(key, "token", body))) return { ok: false, reason: "bad-signature" };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!isClaims(claims)) return { ok: false, reason: "malformed" };
  if (claims.purpose !== purpose) return { ok: false, reason: "wrong-purpose" };
  if (claims.exp <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}

function isClaims(v: unknown): v is SignedClaims {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.purpose === "string" && typeof c.uid === "string" && typeof c.exp === "number" && typeof c.jti === "string"
  );
}
