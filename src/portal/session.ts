// Sessions live in one AES-GCM sealed cookie: no server-side store to share between portal instances,
// and the user's SAS token never reaches the browser in readable form. Every visitor gets a session
// (anonymous until sign-in) so anonymous forms — sign-up, sign-in, reset — carry a CSRF token too.
import type { Clock } from "../core/clock.js";
import { randomId, seal, unseal } from "./crypto.js";

export interface Flash {
  readonly kind: "ok" | "error" | "info";
  readonly text: string;
}

export interface Session {
  readonly sid: string;
  readonly csrf: string;
  /** Expiry in ms; a signed-in session never outlives its SAS token. */
  readonly exp: number;
  readonly uid?: string;
  readonly sas?: string;
  readonly email?: string;
  readonly name?: string;
  readonly admin?: boolean;
  readonly groups?: readonly string[];
  readonly flash?: Flash;
}

export const cookieName = "moat_portal";
export const anonymousTtlMs = 2 * 60 * 60_000;
export const signedInTtlMs = 8 * 60 * 60_000;

export function newSession(clock: Clock): Session {
  return { sid: randomId(), csrf: randomId(24), exp: clock.now() + anonymousTtlMs };
}

export function openSession(key: Buffer, clock: Clock, cookie: string | undefined): Session | undefined {
  if (!cookie || cookie.length > 4096) return undefined;
  const s = unseal(key, cookie) as Partial<Session> | undefined;
  if (!s || typeof s.sid !== "string" || typeof s.csrf !== "string" || typeof s.exp !== "number") return undefined;
  if (s.exp <= clock.now()) return undefined;
  return s as Session;
}

export function serializeSession(key: Buffer, session: Session, secure: boolean, clock: Clock): string {
  const maxAge = Math.max(0, Math.floor((session.exp - clock.now()) / 1000));
  return [
    `${cookieName}=${seal(key, session)}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAge}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}
