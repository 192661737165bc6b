// The `caches` resource (APIM "external cache"): a connection string in the StackExchange.Redis form
// Azure uses ("contoso.redis.cache.windows.net:6380,password=…,ssl=True,abortConnect=False") or a
// redis:// URL, and `useFromLocation` ("default" or a region). A unit uses the cache entity of its own
// location, else the "default" one, else the deployment's own cache (configured Redis or memory).
import type { StoredEntity } from "../model/resources.js";
import { sameLocation } from "./location.js";

export type ParsedCacheConnection = { readonly url: string } | { readonly error: string };

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

/** Turns an APIM cache connection string into a redis:// (or rediss:// for ssl=True) URL. */
export function parseCacheConnectionString(connectionString: string): ParsedCacheConnection {
  const input = connectionString.trim();
  if (input === "") return { error: "connectionString is empty" };
  if (/^rediss?:\/\//i.test(input)) {
    try {
      const u = new URL(input);
      if (u.hostname === "") return { error: "connectionString URL names no host" };
      return { url: u.toString() };
    } catch {
      return { error: "connectionString is not a valid redis:// URL" };
    }
  }
  const parts = input.split(",").map((p) => p.trim());
  const endpoint = parts[0] ?? "";
  const m = hostPort.exec(endpoint);
  if (!m) return { error: `connectionString: "${endpoint}" is not host[:port]` };
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535))
    return { error: `connectionString: port ${m[2]} is out of range` };
  let password: string | undefined;
  let user: string | undefined;
  let ssl = false;
  let db: number | undefined;
  for (const part of parts.slice(1)) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) return { error: `connectionString: option "${part}" is not key=value` };
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === "password") password = value;
    else if (key === "user") user = value;
    else if (key === "ssl") ssl = value.toLowerCase() === "true";
    else if (key === "defaultdatabase") {
      db = Number(value);
      if (!Number.isInteger(db) || db < 0)
        return { error: `connectionString: defaultDatabase "${value}" is not a number` };
    }
    // abortConnect, connectTimeout, syncTimeout…: client tuning that Moat's client fixes itself.
  }
  const auth =
    password === undefined && user === undefined
      ? ""
      : `${encodeURIComponent(user ?? "")}:${encodeURIComponent(password ?? "")}@`;
  // Azure Cache for Redis listens on 6380 with TLS and 6379 without.
  const effectivePort = port ?? (ssl ? 6380 : 6379);
  return { url: `${ssl ? "rediss" : "redis"}://${auth}${m[1]}:${effectivePort}${db === undefined ? "" : `/${db}`}` };
}

export interface CacheChoice {
  /** Cache entity name, e.g. "default" or "westeurope". */
  readonly name: string;
  readonly useFromLocation: string;
  readonly connectionString: string;
}

/** The external cache a unit in `location` uses: its own location's entity first, then "default". */
export function selectCacheFor(caches: readonly StoredEntity[], location: string): CacheChoice | undefined {
  const choices: CacheChoice[] = [];
  for (const e of caches) {
    const p = e.properties;
    if (typeof p.useFromLocation === "string" && typeof p.connectionString === "string")
      choices.push({ name: e.name, useFromLocation: p.useFromLocation, connectionString: p.connectionString });
  }
  // Ordered by name so the choice is the same on every unit whatever order the store lists in.
  choices.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return (
    choices.find((c) => c.useFromLocation.toLowerCase() !== "default" && sameLocation(c.useFromLocation, location)) ??
    choices.find((c) => c.useFromLocation.toLowerCase() === "default")
  );
}
