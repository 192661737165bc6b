// Configuration: defaults → optional YAML/JSON file → MOAT_* environment → flags, validated by one
// schema and deep-frozen. Only cli/ reads the environment; every part receives its options.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const port = z.number().int().min(0).max(65535);
const ipv4 = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "must be an IPv4 address");
/** A list from a file (YAML/JSON array) or from the environment / a flag (comma-separated). */
const list = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().min(1)),
);
const host = z.string().min(1);

export const configSchema = z
  .object({
    /** Name of the one service this deployment serves (the {serviceName} of ARM paths). */
    serviceName: z
      .string()
      .regex(
        /^[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?$/,
        "must be 1-50 letters, digits or hyphens, starting with a letter",
      ),
    /** Location (region) this process serves. */
    location: z.string().min(1),
    dataDir: z.string().min(1),
    /** "sqlite" (file in dataDir), "sqlite:/path/file.db" or "postgres://…". */
    store: z.string().min(1),
    /** How much of the store's change feed is kept (a change goes once it is older on both counts). */
    changeFeed: z.object({ keepRevisions: z.number().int().min(100), keepSeconds: z.number().int().min(60) }).strict(),
    /** redis://host:port, or empty for in-memory counters and cache. */
    redis: z.string(),
    role: z.enum(["all", "gateway", "management"]),
    units: z.number().int().min(1).max(64),
    adminKey: z.string().min(16, "must be at least 16 characters").optional(),
    management: z.object({ host, port, certFile: z.string().optional(), keyFile: z.string().optional() }).strict(),
    gateway: z
      .object({
        host,
        httpPort: port,
        httpsPort: port,
        certFile: z.string().optional(),
        keyFile: z.string().optional(),
        /** The lean HTTP/1.1 front (docs/adr/0007); false serves every connection with node:http. */
        leanHttp: z.boolean(),
      })
      .strict(),
    portal: z.object({ host, port, publicUrl: z.string().optional() }).strict(),
    smtp: z
      .object({
        host: z.string(),
        port,
        secure: z.boolean(),
        user: z.string().optional(),
        password: z.string().optional(),
        from: z.string(),
      })
      .strict(),
    networkStatus: z.object({ intervalSeconds: z.number().int().min(1) }).strict(),
    /** Virtual-network integration: this host's addresses and the control-plane sources allowed. */
    network: z
      .object({
        /** Address consumers reach in None/External mode (the public VIP). */
        publicAddress: ipv4.optional(),
        /** Address in the service's subnet: Internal mode binds only here; backends are reached from it. */
        privateAddress: ipv4.optional(),
        /** CIDRs allowed to reach the management API (default: loopback and the network's address space). */
        managementAllowedSources: list.optional(),
        /** Service-tag files (Azure's ServiceTags_*.json) added to the shipped sample. */
        serviceTagsFiles: list.optional(),
      })
      .strict(),
    log: z.object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]) }).strict(),
    /** Rate-limit/quota counters when `redis` is set: exact (a Redis round trip per call) or fast (local, synced). */
    limits: z
      .object({
        mode: z.enum(["exact", "fast"]),
        failMode: z.enum(["open", "closed"]),
        keyPrefix: z.string().max(100),
        syncIntervalMs: z.number().int().min(5).max(60_000),
        /** Deadline of one Redis command; past it the call follows failMode. */
        commandTimeoutMs: z.number().int().min(10).max(60_000),
      })
      .strict(),
    /** Internal Prometheus listener of each gateway unit (unit i of --units listens on port + i). */
    metrics: z.object({ enabled: z.boolean(), host, port }).strict(),
  })
  .strict();

export type MoatConfig = z.infer<typeof configSchema>;

export const defaultConfig: MoatConfig = {
  serviceName: "moat",
  location: "local",
  dataDir: "./moat-data",
  store: "sqlite",
  changeFeed: { keepRevisions: 10_000, keepSeconds: 3600 },
  redis: "",
  role: "all",
  units: 1,
  management: { host: "127.0.0.1", port: 3443 },
  gateway: { host: "0.0.0.0", httpPort: 8080, httpsPort: 8443, leanHttp: true },
  portal: { host: "0.0.0.0", port: 8081 },
  smtp: { host: "", port: 25, secure: false, from: "moat@localhost" },
  networkStatus: { intervalSeconds: 900 },
  network: {},
  log: { level: "info" },
  limits: { mode: "exact", failMode: "open", keyPrefix: "moat:", syncIntervalMs: 50, commandTimeoutMs: 1000 },
  metrics: { enabled: false, host: "127.0.0.1", port: 9464 },
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlain(v) && isPlain(out[k]) ? merge(out[k] as Plain, v) : v;
  }
  return out;
}

function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlain(node[key])) node[key] = {};
    node = node[key] as Plain;
  }
  node[path[path.length - 1] as string] = value;
}

/** Paths of every leaf in the defaults (and optional keys), used to map env vars and flags to keys. */
const knownPaths: string[][] = [
  ["serviceName"],
  ["location"],
  ["dataDir"],
  ["store"],
  ["changeFeed", "keepRevisions"],
  ["changeFeed", "keepSeconds"],
  ["redis"],
  ["role"],
  ["units"],
  ["adminKey"],
  ["management", "host"],
  ["management", "port"],
  ["management", "certFile"],
  ["management", "keyFile"],
  ["gateway", "host"],
  ["gateway", "httpPort"],
  ["gateway", "httpsPort"],
  ["gateway", "certFile"],
  ["gateway", "keyFile"],
  ["gateway", "leanHttp"],
  ["portal", "host"],
  ["portal", "port"],
  ["portal", "publicUrl"],
  ["smtp", "host"],
  ["smtp", "port"],
  ["smtp", "secure"],
  ["smtp", "user"],
  ["smtp", "password"],
  ["smtp", "from"],
  ["networkStatus", "intervalSeconds"],
  ["network", "publicAddress"],
  ["network", "privateAddress"],
  ["network", "managementAllowedSources"],
  ["network", "serviceTagsFiles"],
  ["log", "level"],
  ["limits", "mode"],
  ["limits", "failMode"],
  ["limits", "keyPrefix"],
  ["limits", "syncIntervalMs"],
  ["limits", "commandTimeoutMs"],
  ["metrics", "enabled"],
  ["metrics", "host"],
  ["metrics", "port"],
];

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

/** MOAT_GATEWAY_HTTP_PORT ↔ gateway.httpPort; --gateway-http-port ↔ gateway.httpPort. */
const envNames = new Map(knownPaths.map((p) => [`MOAT_${p.map(snake).join("_")}`, p]));
const flagNames = new Map(knownPaths.map((p) => [p.map(kebab).join("-"), p]));

function coerce(raw: string, path: readonly string[]): unknown {
  const leaf = path.reduce<unknown>((node, key) => (isPlain(node) ? node[key] : undefined), defaultConfig);
  if (typeof leaf === "number" || /port$|^units$|Seconds$/i.test(path[path.length - 1] ?? "")) {
    const n = Number(raw);
    return raw.trim() !== "" && Number.isFinite(n) ? n : raw;
  }
  if (typeof leaf === "boolean" || path[path.length - 1] === "secure") {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
  }
  return raw;
}

export interface ConfigSources {
  /** Path given by --config. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Flags as parsed: { "gateway-http-port": "9000" }. */
  flags?: Record<string, string | boolean>;
}

function readConfigFile(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `configuration file ${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlain(parsed)) throw new ConfigError(`configuration file ${file} must hold a mapping of keys to values`);
  return parsed;
}

export function loadConfig(sources: ConfigSources = {}): Readonly<MoatConfig> {
  let merged: Plain = structuredClone(defaultConfig) as Plain;
  const env = sources.env ?? {};
  const file = sources.file ?? env.MOAT_CONFIG;
  if (file) merged = merge(merged, readConfigFile(file));

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("MOAT_") || value === undefined || name === "MOAT_CONFIG" || name.startsWith("MOAT_TEST_"))
      continue;
    const path = envNames.get(name);
    if (!path)
      throw new ConfigError(`unknown environment variable ${name} (known: ${[...envNames.keys()].join(", ")})`);
    setPath(merged, path, coerce(value, path));
  }
  for (const [name, value] of Object.entries(sources.flags ?? {})) {
    if (name === "config") continue;
    const path = flagNames.get(name);
    if (!path) throw new ConfigError(`unknown option --${name}`);
    setPath(merged, path, typeof value === "boolean" ? value : coerce(value, path));
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join(".") || "(root)";
      return issue.code === "unrecognized_keys"
        ? `${key}: unknown key(s) ${issue.keys.join(", ")}`
        : `${key}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
