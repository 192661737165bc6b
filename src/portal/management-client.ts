// The portal's only way to the data: Moat's management REST API over HTTPS, either with the admin key
// (sign-up, confirmation, guest catalog, administrator actions after the portal checked the session) or
// with the signed-in user's SAS token (everything the user does to their own account and keys, so the
// management API, not the portal, decides what the user may see).
import { Agent, request } from "undici";
import { MoatError } from "../core/errors.js";

export interface ManagementClientOptions {
  /** e.g. https://127.0.0.1:3443 */
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly apiVersion?: string;
  /** PEM of the CA (or the self-signed certificate itself) the management listener presents. */
  readonly ca?: string;
  /** Only for loopback development setups without a CA file. */
  readonly rejectUnauthorized?: boolean;
  readonly timeoutMs?: number;
}

export type Auth =
  | { kind: "admin" }
  | { kind: "sas"; token: string }
  | { kind: "basic"; email: string; password: string };

export interface Envelope<P = Record<string, unknown>> {
  readonly id: string;
  readonly name: string;
  readonly properties: P;
}

export interface MgmtResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** An answer the portal did not expect; the page shows a generic message and the log gets the details. */
export class ManagementError extends MoatError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(`PORTAL_ERR_MANAGEMENT_${status}`, `management API ${status} ${code}: ${message}`);
    this.status = status;
  }
}

export interface ManagementClient {
  call(
    method: string,
    path: string,
    auth: Auth,
    init?: { body?: unknown; query?: Record<string, string>; headers?: Record<string, string> },
  ): Promise<MgmtResponse>;
  /** Like call, but throws ManagementError unless the status is one of `ok`. */
  expect(
    method: string,
    path: string,
    auth: Auth,
    ok: readonly number[],
    init?: { body?: unknown; query?: Record<string, string>; headers?: Record<string, string> },
  ): Promise<MgmtResponse>;
  /** Every item of a collection, following nextLink (bounded). */
  list<P = Record<string, unknown>>(path: string, auth: Auth, query?: Record<string, string>): Promise<Envelope<P>[]>;
  close(): Promise<void>;
}

export function createManagementClient(options: ManagementClientOptions): ManagementClient {
  const base = new URL(options.baseUrl);
  const apiVersion = options.apiVersion ?? "2024-05-01";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dispatcher = new Agent({
    connect: {
      ...(options.ca ? { ca: options.ca } : {}),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const authHeader = (auth: Auth): string => {
    if (auth.kind === "admin") return `Bearer ${options.adminKey}`;
    if (auth.kind === "sas") return `SharedAccessSignature ${auth.token}`;
    return `Basic ${Buffer.from(`${auth.email}:${auth.password}`, "utf8").toString("base64")}`;
  };

  const call: ManagementClient["call"] = async (method, path, auth, init = {}) => {
    const url = new URL(path, base);
    url.searchParams.set("api-version", apiVersion);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      authorization: authHeader(auth),
      accept: "application/json",
      ...init.headers,
    };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["content-type"] = "application/json";
    }
    const res = await request(url, { method: method as "GET", headers, body, dispatcher });
    const text = await res.body.text();
    let parsed: unknown = text;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // Non-JSON bodies are kept as text for the error message.
      }
    } else parsed = undefined;
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };

  const expect: ManagementClient["expect"] = async (method, path, auth, ok, init) => {
    const res = await call(method, path, auth, init);
    if (!ok.includes(res.status)) {
      const err = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ManagementError(
        res.status,
        err?.code ?? "Unknown",
        err?.message ?? String(res.body ?? "").slice(0, 200),
      );
    }
    return res;
  };

  return {
    call,
    expect,
    async list(path, auth, query = {}) {
      const out: Envelope<never>[] = [];
      let next: URL | undefined = new URL(path, base);
      for (const [k, v] of Object.entries(query)) next.searchParams.set(k, v);
      for (let page = 0; next && page < 50; page++) {
        const q: Record<string, string> = {};
        for (const [k, v] of next.searchParams) if (k !== "api-version") q[k] = v;
        const res = await expect("GET", next.pathname, auth, [200], { query: q });
        const body = res.body as { value?: unknown[]; nextLink?: string | null } | undefined;
        for (const item of body?.value ?? []) if (isEnvelope(item)) out.push(item as Envelope<never>);
        next = body?.nextLink ? new URL(body.nextLink, base) : undefined;
      }
      return out;
    },
    close: () => dispatcher.close(),
  };
}

function isEnvelope(v: unknown): v is Envelope {
  return typeof v === "object" && v !== null && typeof (v as Envelope).name === "string";
}

/** "uid=…&ex=…&sn=…" from an `Ocp-Apim-Sas-Token` header (`token="SharedAccessSignature uid=…",refresh="true"`). */
export function parseSasHeader(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const quoted = /token="([^"]+)"/.exec(raw);
  const token = (quoted?.[1] ?? raw).trim().replace(/^SharedAccessSignature\s+/i, "");
  return /(^|&)uid=[^&]+/.test(token) ? token : undefined;
}

/** Expiry of a SAS token ("ex=2026-12-01T00:00:00.0000000Z"), in ms, if it can be read. */
export function sasExpiry(token: string): number | undefined {
  const ex = new URLSearchParams(token).get("ex");
  if (!ex) return undefined;
  const ms = Date.parse(ex.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isFinite(ms) ? ms : undefined;
}

/** Last segment of "/users/abc", a full ARM id, or "abc". */
export function lastSegment(id: string): string {
  const parts = id.split("/").filter(Boolean);
  return parts[parts.length - 1] ?? id;
}
