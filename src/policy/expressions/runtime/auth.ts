// APIM's string extension helpers AsJwt()/TryParseJwt() and AsBasic()/TryParseBasic(). The token is only
// decoded here (validation is validate-jwt's job); malformed input yields null like APIM.
import { CsDateTime } from "./time.js";

export class JwtView {
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
  get Claims(): Map<string, string[]> {
    const claims = new Map<string, string[]>();
    for (const [k, v] of Object.entries(this.payload)) claims.set(k, claimValues(v));
    return claims;
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

/** Accepts a bare token or "Bearer <token>"; returns null when it is not a JWT. */
export function asJwt(text: string, _try: boolean): JwtView | null {
  let token = text.trim();
  if (/^bearer\s+/i.test(token)) token = token.replace(/^bearer\s+/i, "");
  const parts = token.split(".");
  if (parts.length !== 3 && parts.length !== 5) return null;
  const header = decodePart(parts[0]);
  const payload = parts.length === 3 ? decodePart(parts[1]) : {};
  if (!header || !payload) return null;
  return new JwtView(header, payload);
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
