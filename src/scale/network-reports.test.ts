// Units' NetworkStatus reports: merged per dependency (pure), and carried through the machine's
// Redis under a key prefix of this run — written by reporters, read by the management's reader,
// removed when a unit stops, dropped when a unit's report expires.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { type Clock, systemClock } from "../core/clock.js";
import { cleanupTestRedis, connectTestRedis, REDIS_URL, uniquePrefix } from "../limits/test-support/redis.js";
import type { ConnectivityStatusContract, NetworkStatusContract } from "../netstatus/index.js";
import {
  mergeNetworkStatus,
  reportsKey,
  reportTtlMs,
  startNetworkReporter,
  startNetworkReportReader,
} from "./network-reports.js";

const entry = (
  name: string,
  status: ConnectivityStatusContract["status"],
  error = "",
  at = "2026-11-27T10:00:00Z",
): ConnectivityStatusContract => ({
  name,
  status,
  error,
  lastUpdated: at,
  lastStatusChange: at,
  resourceType: name.startsWith("api") ? "Backend" : "ConfigurationStore",
  isOptional: name.startsWith("api"),
});
const contract = (...entries: ConnectivityStatusContract[]): NetworkStatusContract => ({
  dnsServers: ["10.77.2.53"],
  connectivityStatus: entries,
});

describe("merging NetworkStatus of several processes", () => {
  test("one source passes through unchanged, naming it", () => {
    const only = contract(entry("api.corp:80", "failure", "live: refused"));
    assert.deepEqual(mergeNetworkStatus([{ name: "unit-1", status: only }]), { ...only, reportedBy: ["unit-1"] });
    assert.equal(mergeNetworkStatus([]), undefined);
  });

  test("a dependency fails when one unit fails to reach it, and the error says which", () => {
    const merged = mergeNetworkStatus([
      {
        name: "unit-1",
        status: contract(entry("db:5432", "success"), entry("api.corp:80", "success", "", "2026-11-27T10:00:05Z")),
      },
      {
        name: "unit-2",
        status: {
          dnsServers: ["10.77.2.53", "10.77.2.54"],
          connectivityStatus: [
            entry("db:5432", "initializing"),
            entry("api.corp:80", "failure", "live: connect ECONNREFUSED", "2026-11-27T10:00:09Z"),
          ],
        },
      },
    ]);
    assert.deepEqual(merged?.dnsServers, ["10.77.2.53", "10.77.2.54"]);
    assert.deepEqual(merged?.reportedBy, ["unit-1", "unit-2"]);
    const [db, api] = merged?.connectivityStatus ?? [];
    assert.equal(db?.status, "success", "initializing on one unit, success on another");
    assert.equal(api?.status, "failure");
    assert.equal(api?.error, "unit-2: live: connect ECONNREFUSED");
    assert.equal(api?.lastUpdated, "2026-11-27T10:00:09Z");
    assert.equal(api?.isOptional, true);
  });
});

describe("reports through Redis", () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  let now = Date.parse("2026-11-27T10:00:00Z");
  const clock: Clock = { ...systemClock, now: () => now, monotonic: () => now };
  const logs: string[] = [];
  const log = (_level: string, message: string) => logs.push(message);

  before(async () => {
    redis = await connectTestRedis();
  });
  after(async () => {
    await cleanupTestRedis(redis, prefix);
  });

  test("a unit's report reaches the reader for its location; a stopped unit's report is removed", async () => {
    const status = contract(entry("api.corp:80", "success"));
    const reporter = startNetworkReporter({
      redisUrl: REDIS_URL,
      keyPrefix: prefix,
      unit: "unit-1@host (pid 1)",
      location: "West Europe",
      status: () => status,
      intervalMs: 60_000,
      clock,
      log,
    });
    const reader = startNetworkReportReader({ redisUrl: REDIS_URL, keyPrefix: prefix, intervalMs: 60_000, clock, log });
    try {
      const deadline = Date.now() + 5000;
      while (reader.reports("westeurope").length === 0 && Date.now() < deadline) {
        await reporter.publish();
        await reader.refresh();
        await new Promise((r) => setTimeout(r, 20));
      }
      const [report] = reader.reports("westeurope");
      assert.equal(report?.unit, "unit-1@host (pid 1)");
      assert.deepEqual(report?.status, status);
      assert.equal(report?.expiresAt, now + reportTtlMs(60_000));
      assert.deepEqual(reader.reports("East US"), [], "another location has no reports");
      const ttl = await redis.pttl(reportsKey(prefix));
      assert.ok(ttl > 0 && ttl <= reportTtlMs(60_000), `the hash expires with its last writer (pttl ${ttl})`);

      await reporter.close();
      await reader.refresh();
      assert.deepEqual(reader.reports("westeurope"), [], "a unit that stops removes its report");
    } finally {
      await reporter.close();
      await reader.close();
    }
  });

  test("a report not renewed in time (a unit that died) is dropped, and removed from Redis", async () => {
    const key = reportsKey(prefix);
    const stale = {
      unit: "unit-9@gone (pid 9)",
      location: "westeurope",
      reportedAt: now,
      expiresAt: now + 1000,
      status: contract(entry("db:5432", "failure", "live: timeout")),
    };
    await redis.hset(key, stale.unit, JSON.stringify(stale), "junk", "not json");
    const reader = startNetworkReportReader({ redisUrl: REDIS_URL, keyPrefix: prefix, intervalMs: 60_000, clock, log });
    try {
      const deadline = Date.now() + 5000;
      do await reader.refresh();
      while (reader.reports("westeurope").length === 0 && Date.now() < deadline);
      assert.equal(reader.reports("westeurope")[0]?.unit, stale.unit);
      assert.equal(await redis.hexists(key, "junk"), 0, "a field that is not a report is removed");
      now += 1001;
      assert.deepEqual(reader.reports("westeurope"), [], "expired between reads");
      await reader.refresh();
      assert.equal(await redis.hexists(key, stale.unit), 0);
    } finally {
      await reader.close();
    }
  });
});
