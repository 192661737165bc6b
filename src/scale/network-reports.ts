// NetworkStatus of gateway units that run apart from the management API (`--role gateway`,
// `--units N`): each unit publishes what its own probes found (store, Redis, DNS servers, backends)
// to Redis, and the management process reads every unit's latest report and merges them per
// location into the one NetworkStatusContract Azure's API returns.
//
// Layout: one hash `${keyPrefix}netstatus:units`, a field per unit holding its report as JSON with
// an expiry time. A unit rewrites its field every report interval and refreshes the key's TTL; the
// reader ignores (and removes) expired fields, so a unit that died drops out after the TTL and one
// that stopped cleanly removes its own field. Redis, not the configuration store: a report every few
// seconds per unit would otherwise bump the store's revision and make every unit rebuild its
// configuration snapshot.
import type { Redis } from "ioredis";
import type { Clock } from "../core/clock.js";
import { createRedisClient } from "../limits/index.js";
import type { ConnectivityState, ConnectivityStatusContract, NetworkStatusContract } from "../netstatus/index.js";
import { quit } from "./limits-backend.js";
import { sameLocation } from "./location.js";

export interface UnitNetworkReport {
  /** e.g. "unit-2@gw-host-1 (pid 4242)". */
  readonly unit: string;
  readonly location: string;
  /** Epoch milliseconds. */
  readonly reportedAt: number;
  readonly expiresAt: number;
  readonly status: NetworkStatusContract;
}

export const reportsKey = (keyPrefix: string) => `${keyPrefix}netstatus:units`;

/** How often a unit reports for a probe period: often enough that a dead unit drops out quickly. */
export const reportIntervalMs = (statusIntervalMs: number) => Math.max(200, Math.min(statusIntervalMs, 10_000));
/** A report outlives two missed rounds (and a slow Redis). */
export const reportTtlMs = (intervalMs: number) => 3 * intervalMs + 2000;

type Log = (level: "info" | "warn", message: string) => void;

export interface NetworkReporterOptions {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly unit: string;
  readonly location: string;
  /** The unit's current NetworkStatus (undefined before its first network read). */
  readonly status: () => NetworkStatusContract | undefined;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly log: Log;
  readonly commandTimeoutMs?: number;
}

export interface NetworkReporter {
  /** Writes the current report now (tests; the timer does it every interval). */
  publish(): Promise<void>;
  /** Removes this unit's report and disconnects. */
  close(): Promise<void>;
}

export function startNetworkReporter(o: NetworkReporterOptions): NetworkReporter {
  const client: Redis = createRedisClient({ url: o.redisUrl, commandTimeoutMs: o.commandTimeoutMs ?? 2000 });
  const key = reportsKey(o.keyPrefix);
  const ttl = reportTtlMs(o.intervalMs);
  let failing = false;
  let closed = false;
  let inFlight: Promise<void> | undefined;

  const write = async () => {
    const status = o.status();
    if (!status) return;
    const now = o.clock.now();
    const report: UnitNetworkReport = {
      unit: o.unit,
      location: o.location,
      reportedAt: now,
      expiresAt: now + ttl,
      status,
    };
    try {
      await client.multi().hset(key, o.unit, JSON.stringify(report)).pexpire(key, ttl).exec();
      if (failing) o.log("info", "network status reports reach Redis again");
      failing = false;
    } catch (error) {
      // One line per outage: the unit's own NetworkStatus already says Redis is unreachable.
      if (!failing) o.log("warn", `network status report not written to Redis: ${(error as Error).message}`);
      failing = true;
    }
  };
  const publish = () => {
    inFlight ??= write().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  // First report as soon as the connection is up, then every interval.
  client.once("ready", () => void publish());
  const timer = setInterval(() => void publish(), o.intervalMs);
  timer.unref?.();

  return {
    publish,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await inFlight;
      if (client.status === "ready") await client.hdel(key, o.unit).catch(() => undefined);
      await quit(client);
    },
  };
}

export interface NetworkReportReaderOptions {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly log: Log;
  readonly commandTimeoutMs?: number;
}

export interface NetworkReportReader {
  /** Live reports of units serving `location`, as last read. */
  reports(location: string): UnitNetworkReport[];
  /** Reads Redis now (tests; the timer does it every interval). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

function parseReport(text: string): UnitNetworkReport | undefined {
  try {
    const r = JSON.parse(text) as Partial<UnitNetworkReport>;
    const s = r.status;
    if (
      typeof r.unit !== "string" ||
      typeof r.location !== "string" ||
      typeof r.reportedAt !== "number" ||
      typeof r.expiresAt !== "number" ||
      !s ||
      !Array.isArray(s.dnsServers) ||
      !Array.isArray(s.connectivityStatus)
    )
      return undefined;
    return r as UnitNetworkReport;
  } catch {
    return undefined;
  }
}

/** The management process's view of the units' reports, kept current by polling. */
export function startNetworkReportReader(o: NetworkReportReaderOptions): NetworkReportReader {
  const client: Redis = createRedisClient({ url: o.redisUrl, commandTimeoutMs: o.commandTimeoutMs ?? 2000 });
  const key = reportsKey(o.keyPrefix);
  let current: UnitNetworkReport[] = [];
  let failing = false;
  let inFlight: Promise<void> | undefined;

  const read = async () => {
    try {
      const fields = await client.hgetall(key);
      const now = o.clock.now();
      const live: UnitNetworkReport[] = [];
      const stale: string[] = [];
      for (const [field, text] of Object.entries(fields)) {
        const report = parseReport(text);
        if (report && report.expiresAt > now) live.push(report);
        else stale.push(field);
      }
      if (stale.length > 0) await client.hdel(key, ...stale).catch(() => undefined);
      current = live.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
      if (failing) o.log("info", "unit network status reports readable again");
      failing = false;
    } catch (error) {
      // Reports age out rather than vanish at the first failed read.
      current = current.filter((r) => r.expiresAt > o.clock.now());
      if (!failing) o.log("warn", `unit network status reports not read from Redis: ${(error as Error).message}`);
      failing = true;
    }
  };
  const refresh = () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  client.once("ready", () => void refresh());
  const timer = setInterval(() => void refresh(), o.intervalMs);
  timer.unref?.();

  return {
    reports: (location) => current.filter((r) => sameLocation(r.location, location) && r.expiresAt > o.clock.now()),
    refresh,
    async close() {
      clearInterval(timer);
      await inFlight;
      await quit(client);
    },
  };
}

/** The contract plus which processes' probes it merges (not in Azure's contract; clients ignore it). */
export type MergedNetworkStatus = NetworkStatusContract & { reportedBy: string[] };

const rank: Record<ConnectivityState, number> = { initializing: 0, success: 1, failure: 2 };
const latest = (a: string, b: string) => (b > a ? b : a);

/**
 * One NetworkStatus from several processes' probes of one location: one entry per dependency
 * (name and resource type), failing when any process fails to reach it (the error says which:
 * "unit-2@gw-1 (pid 42): live: connect ECONNREFUSED …"), succeeding when the others did, and
 * "initializing" only while nobody has probed it yet.
 */
export function mergeNetworkStatus(
  sources: readonly { readonly name: string; readonly status: NetworkStatusContract }[],
): MergedNetworkStatus | undefined {
  if (sources.length === 0) return undefined;
  const dnsServers: string[] = [];
  const entries = new Map<string, { entry: ConnectivityStatusContract; errors: string[] }>();
  for (const { name, status } of sources) {
    for (const server of status.dnsServers) if (!dnsServers.includes(server)) dnsServers.push(server);
    for (const e of status.connectivityStatus) {
      const id = `${e.resourceType}\u0000${e.name}`;
      const error = e.status === "failure" ? (sources.length > 1 ? `${name}: ${e.error}` : e.error) : undefined;
      const seen = entries.get(id);
      if (!seen) {
        entries.set(id, { entry: { ...e, error: "" }, errors: error === undefined ? [] : [error] });
        continue;
      }
      const m = seen.entry;
      if (rank[e.status] > rank[m.status]) m.status = e.status;
      m.lastUpdated = latest(m.lastUpdated, e.lastUpdated);
      m.lastStatusChange = latest(m.lastStatusChange, e.lastStatusChange);
      m.isOptional = m.isOptional && e.isOptional;
      if (error !== undefined) seen.errors.push(error);
    }
  }
  return {
    dnsServers,
    connectivityStatus: [...entries.values()].map(({ entry, errors }) => ({ ...entry, error: errors.join(" | ") })),
    reportedBy: sources.map((s) => s.name),
  };
}
