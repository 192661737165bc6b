import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { createManualClock, systemClock } from "../core/clock.js";
import { counterStoreContract } from "./counter-store-contract.js";
import { createRedisClient } from "./redis-client.js";
import { createFastRedisCounterStore, type FastRedisCounterStore } from "./redis-fast-counters.js";
import {
  cleanupTestRedis,
  connectTestRedis,
  createProxiedTestRedis,
  uniquePrefix,
  waitForReady,
} from "./test-support/redis.js";

const prefix = uniquePrefix();
let client: Redis;
const stores: FastRedisCounterStore[] = [];

before(async () => {
  client = await connectTestRedis();
});
after(async () => {
  for (const store of stores) await store.close();
  await cleanupTestRedis(client, prefix);
});

function fast(options: Partial<Parameters<typeof createFastRedisCounterStore>[0]> & { prefix: string }) {
  const store = createFastRedisCounterStore({ client, clock: systemClock, syncIntervalMs: 0, ...options });
  stores.push(store);
  return store;
}

// One unit alone sees every call it makes: its answers are exact, so the shared suite applies.
let run = 0;
counterStoreContract("redis fast (single unit)", (clock) => ({
  store: fast({ clock, prefix: `${prefix}c${++run}:` }),
}));

describe("redis fast mode across units", () => {
  test("a unit starts from the cluster's count, not from zero", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const a = fast({ clock, prefix: `${prefix}load:` });
    for (let i = 0; i < 8; i++) await a.hit("k", 10, 60_000);
    await a.sync();
    const b = fast({ clock, prefix: `${prefix}load:` });
    assert.deepEqual(await b.hit("k", 10, 60_000), { allowed: true, count: 9, remaining: 1, retryAfterMs: 0 });
  });

  test("overshoot between syncs stays within (units − 1) × allowance, and sync closes the gap", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const units = [0, 1, 2].map(() => fast({ clock, prefix: `${prefix}over:` }));
    const limit = 100;
    let admitted = 0;
    // Every unit saw 0 calls on "k" at its last sync: each may admit the whole allowance.
    for (let i = 0; i < 200; i++) {
      for (const unit of units) if ((await unit.hit("k", limit, 60_000)).allowed) admitted++;
    }
    const overshoot = admitted - limit;
    console.log(`fast mode, 3 units, no sync during the burst: admitted ${admitted} for limit ${limit}`);
    assert.ok(overshoot <= (units.length - 1) * limit, `overshoot ${overshoot}`);
    // The first round pushes every unit's calls; the second brings each the others' counts.
    await Promise.all(units.map((u) => u.sync()));
    await Promise.all(units.map((u) => u.sync()));
    for (const unit of units) {
      const r = await unit.hit("k", limit, 60_000);
      assert.equal(r.allowed, false);
      assert.equal(r.count, admitted, "after sync every unit sees the cluster's count");
    }
  });

  test("with the sync timer running, two busy units overshoot by at most their calls between syncs", async () => {
    const syncedAt: number[][] = [[], []];
    const [a, b] = [0, 1].map((i) =>
      fast({ prefix: `${prefix}timer:`, syncIntervalMs: 20, onSynced: () => syncedAt[i]?.push(performance.now()) }),
    );
    assert.ok(a && b);
    await a.hit("k", 1000, 10_000, 0);
    await b.hit("k", 1000, 10_000, 0);
    const limit = 200;
    let admitted = 0;
    let calls = 0;
    const started = performance.now();
    // Far more calls than the limit, so the limit decides; yield so the sync timers can run.
    while (performance.now() - started < 400) {
      for (const unit of [a, b]) {
        calls++;
        if ((await unit.hit("k", limit, 10_000)).allowed) admitted++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ended = performance.now();
    // The bound: what one unit can admit while blind to the other, i.e. its calls during the longest
    // stretch without a completed sync on either unit (timers slip on a busy machine, so measure them).
    const maxGap = (times: number[]) => {
      const points = [started, ...times.filter((t) => t > started && t < ended), ended];
      let gap = 0;
      for (let i = 1; i < points.length; i++) gap = Math.max(gap, (points[i] ?? 0) - (points[i - 1] ?? 0));
      return gap;
    };
    const blindMs = maxGap(syncedAt[0] ?? []) + maxGap(syncedAt[1] ?? []);
    const perUnitPerMs = calls / 2 / (ended - started);
    const bound = Math.ceil(perUnitPerMs * blindMs) + 1;
    console.log(
      `fast mode, 2 units, sync every 20 ms: admitted ${admitted} for limit ${limit} (overshoot ${admitted - limit}; bound ${bound} = ${perUnitPerMs.toFixed(2)} calls/ms × ${blindMs.toFixed(0)} ms blind; ${calls} calls)`,
    );
    assert.ok(admitted >= limit, `admitted ${admitted}`);
    assert.ok(admitted - limit <= bound, `overshoot ${admitted - limit} > ${bound}`);
  });

  test("Redis down: fail mode applies, and the unit recovers once Redis answers again", async () => {
    const dead = createRedisClient({ url: "redis://127.0.0.1:1", maxReconnectDelayMs: 100 });
    try {
      const closed = createFastRedisCounterStore({
        client: dead,
        clock: systemClock,
        syncIntervalMs: 0,
        failMode: "closed",
      });
      const open = createFastRedisCounterStore({
        client: dead,
        clock: systemClock,
        syncIntervalMs: 0,
        failMode: "open",
      });
      assert.equal((await closed.hit("k", 5, 1000)).allowed, false);
      assert.equal((await open.hit("k", 5, 1000)).allowed, true);
      await closed.sync();
      assert.equal(closed.isHealthy(), false);
      await closed.close();
      await open.close();
    } finally {
      dead.disconnect();
    }
  });

  test("a cut connection: calls pending during the outage reach Redis once it is back", async () => {
    const { proxy, client: viaProxy } = await createProxiedTestRedis();
    try {
      await waitForReady(viaProxy);
      const clock = createManualClock(1_700_000_000_000);
      const events: string[] = [];
      const unit = createFastRedisCounterStore({
        client: viaProxy,
        clock,
        prefix: `${prefix}cut:`,
        syncIntervalMs: 0,
        onStateChange: (state) => events.push(state),
      });
      for (let i = 0; i < 3; i++) await unit.hit("k", 10, 60_000);
      await proxy.cut();
      await unit.sync(); // fails: the 3 calls stay pending
      assert.equal(unit.isHealthy(), false);
      // Fail open: the unit keeps counting on its own.
      assert.deepEqual(await unit.hit("k", 10, 60_000), { allowed: true, count: 4, remaining: 6, retryAfterMs: 0 });
      await proxy.restore();
      await waitForReady(viaProxy);
      await unit.sync();
      assert.equal(unit.isHealthy(), true);
      assert.deepEqual(events, ["down", "up"]);
      const other = fast({ clock, prefix: `${prefix}cut:` });
      assert.equal((await other.hit("k", 10, 60_000)).count, 5, "Redis holds the 4 calls made around the outage");
      await unit.close();
    } finally {
      viaProxy.disconnect();
      await proxy.close();
    }
  });
});
