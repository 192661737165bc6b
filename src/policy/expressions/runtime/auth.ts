// APIM's string extension helpers AsJwt()/TryParseJwt() and AsBasic()/TryParseBasic(). The token is only
// decoded here (validation is validate-jwt's job); malformed input yields null like APIM.
import { CsDateTime } from "./time.js";

export class JwtView {
  private claims: Map<string, string[]> | undefined = undefined;
  constructor(
    private readonly header: Record<string, unknown>,
    private readonly payload: Record<string, unknown>,
  ) {}
  get Algorithm(): string | null {
    return typeof this.header.alg === "string" ? this.header.alg : null;
  }
  get Type(): string | null {
    return typeof this.header.typ === "string" ? this.header.typ : null;
  }
  get Audiences(): string[] {
    const aud = this.payload.aud;
    return aud === undefined ? [] : Array.isArray(aud) ? aud.map(String) : [String(aud)];
  }
  /** Built on first read and kept: one Jwt gives the same Claims dictionary each time, as in .NET. */
  get Claims(): Map<string, string[]> {
    if (this.claims === undefined) {
      const claims = new Map<string, string[]>();
      for (const [k, v] of Object.entries(this.payload)) claims.set(k, claimValues(v));
      this.claims = claims;
    }
    return this.claims;
  }
  get ExpirationTime(): CsDateTime | null {
    return seconds(this.payload.exp);
  }
  get IssuedAt(): CsDateTime | null {
    return seconds(this.payload.iat);
  }
  get NotBefore(): CsDateTime | null {
    return seconds(this.payload.nbf);
  }
  get Id(): string | null {
    return typeof this.payload.jti === "string" ? this.payload.jti : null;
  }
  get Issuer(): string | null {
    return typeof this.payload.iss === "string" ? this.payload.iss : null;
  }
  get Subject(): string | null {
    return typeof this.payload.sub === "string" ? this.payload.sub : null;
  }
}

function claimValues(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
  if (typeof v === "string") return [v];
  return [JSON.stringify(v)];
}

function seconds(v: unknown): CsDateTime | null {
  return typeof v === "number" ? new CsDateTime(v * 1000, "Utc") : null;
}

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (part === undefined || !/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

// The same token arrives on request after request (and is often read by several expressions of one
// request): its decoded parts are kept for the last DECODED_MAX tokens. The parts are only read by
// JwtView (which copies what it hands out), so sharing them between requests is safe.
const DECODED_MAX = 256;
/** Larger tokens are decoded every time: the cache stays within DECODED_MAX × 8 KiB of token text. */
const DECODED_MAX_LENGTH = 8192;
const decoded = new Map<string, DecodedJwt | null>();

function decodeJwt(token: string): DecodedJwt | null {
  const hit = decoded.get(token);
  if (hit !== undefined) return hit;
  const parts = token.split(".");
  let result: DecodedJwt | null = null;
  if (parts.length === 3 || parts.length === 5) {
    const header = decodePart(parts[0]);
    const payload = parts.length === 3 ? decodePart(parts[1]) : {};
    if (header && payload) result = { header, payload };
  }
  if (token.length > DECODED_MAX_LENGTH) return result;
  // Oldest first: Map keeps insertion order.
  if (decoded.size >= DECODED_MAX) decoded.delete(decoded.keys().next().value as string);
  decoded.set(token, result);
  return result;
}

const BEARER = /^bearer\s+/i;

/** Accepts a bare token or "Bearer <token>"; returns null when it is not a JWT. */
export function asJwt(text: string, _try: boolean): JwtView | null {
  let token = text.trim();
  if (BEARER.test(token)) token = token.replace(BEARER, "");
  const d = decodeJwt(token);
  return d === null ? null : new JwtView(d.header, d.payload);
}

export class BasicCredentials {
  constructor(
    readonly UserId: string,
    readonly Password: string,
  ) {}
}

/** Parses "Basic base64(user:password)"; null when the value is not Basic credentials. */
export function asBasic(text: string): BasicCredentials | null {
  const m = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(text);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return new BasicCredentials(decoded.slice(0, colon), decoded.slice(colon + 1));
}
