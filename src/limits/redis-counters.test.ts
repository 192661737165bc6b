import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { createManualClock } from "../core/clock.js";
import { counterStoreContract } from "./counter-store-contract.js";
import { createMemoryCounterStore } from "./memory-counters.js";
import { createRedisClient } from "./redis-client.js";
import { createRedisCounterStore, type RedisCounterStore } from "./redis-counters.js";
import { RATE_SCRIPT } from "./redis-scripts.js";
import {
  cleanupTestRedis,
  connectTestRedis,
  createProxiedTestRedis,
  REDIS_URL,
  uniquePrefix,
  waitForDisconnect,
  waitForReady,
} from "./test-support/redis.js";

const prefix = uniquePrefix();
let client: Redis;

before(async () => {
  client = await connectTestRedis();
});
after(() => cleanupTestRedis(client, prefix));

let run = 0;
counterStoreContract("redis exact", (clock) => ({
  store: createRedisCounterStore({ client, clock, prefix: `${prefix}${++run}:` }),
}));

describe("redis exact store", () => {
  test("gives the memory store's answers for the same random call sequence", async () => {
    const clock = createManualClock(1_700_000_000_123);
    const memory = createMemoryCounterStore({ clock });
    const redis = createRedisCounterStore({ client, clock, prefix: `${prefix}diff:` });
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      clock.advance(Math.floor(random() * 120));
      const key = `k${Math.floor(random() * 3)}`;
      if (random() < 0.7) {
        const windowMs = random() < 0.5 ? 1000 : 3000;
        const inc = Math.floor(random() * 3);
        assert.deepEqual(await redis.hit(key, 12, windowMs, inc), memory.hit(key, 12, windowMs, inc), `call ${i}`);
      } else {
        const limits = { calls: 30, kilobytes: 200, periodMs: 5000, firstPeriodStartMs: 1_700_000_000_000 };
        const usage = { calls: random() < 0.2 ? 0 : 1, kilobytes: random() * 10 };
        assert.deepEqual(await redis.quota(key, limits, usage), memory.quota(key, limits, usage), `quota ${i}`);
      }
    }
  });

  test("hits sent together (one event-loop turn, split into batches) get the answers of hits sent one by one", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const memory = createMemoryCounterStore({ clock });
    const redis = createRedisCounterStore({ client, clock, prefix: `${prefix}batch:`, maxBatch: 7 });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let turn = 0; turn < 20; turn++) {
      // No await between the calls: they all wait for the same flush; the clock moves between them,
      // so hits of one batch carry different times and some cross window boundaries.
      const expected = [];
      const pending = [];
      for (let i = 0; i < 40; i++) {
        clock.advance(Math.floor(random() * 60));
        const key = `k${Math.floor(random() * 3)}`;
        const windowMs = random() < 0.5 ? 1000 : 3000;
        const inc = Math.floor(random() * 3);
        expected.push(memory.hit(key, 10, windowMs, inc));
        pending.push(redis.hit(key, 10, windowMs, inc));
      }
      assert.deepEqual(await Promise.all(pending), expected, `turn ${turn}`);
    }
  });

  test("a concurrent burst on one key admits exactly the limit", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const stores = [1, 2, 3].map(() => createRedisCounterStore({ client, clock, prefix: `${prefix}burst:` }));
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (stores[i % 3] as RedisCounterStore).hit("one", 100, 60_000)),
    );
    assert.equal(results.filter((r) => r.allowed).length, 100);
    assert.deepEqual(
      results
        .filter((r) => r.allowed)
        .map((r) => r.count)
        .sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });

  test("loads its scripts again after SCRIPT FLUSH (EVALSHA falls back to EVAL)", async () => {
    const clock = createManualClock(0);
    const store = createRedisCounterStore({ client, clock, prefix: `${prefix}flush:` });
    await store.hit("a", 5, 1000);
    await client.script("FLUSH");
    assert.equal(await client.script("EXISTS", RATE_SCRIPT.sha).then((r) => (r as number[])[0]), 0);
    assert.equal((await store.hit("a", 5, 1000)).count, 2);
    assert.equal(await client.script("EXISTS", RATE_SCRIPT.sha).then((r) => (r as number[])[0]), 1);
  });

  test("keys live under the prefix and expire on their own", async () => {
    const clock = createManualClock(Date.now());
    const store = createRedisCounterStore({ client, clock, prefix: `${prefix}ttl:` });
    await store.hit("user-1", 5, 1000);
    const keys = await client.keys(`${prefix}ttl:*`);
    assert.deepEqual(keys, [`${prefix}ttl:rl:{user-1}:1000`]);
    const ttl = await client.pttl(keys[0] ?? "");
    assert.ok(ttl > 0 && ttl <= 2000, `pttl ${ttl}`);
  });

  test("the TTL moves with the window: set when a window starts, left alone within it", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const store = createRedisCounterStore({ client, clock, prefix: `${prefix}ttl2:` });
    const key = `${prefix}ttl2:rl:{k}:1000`;
    await store.hit("k", 5, 1000);
    await client.pexpire(key, 60_000); // a marker: a hit in the same window does not rewrite the TTL
    clock.advance(300);
    await store.hit("k", 5, 1000);
    assert.ok((await client.pttl(key)) > 2000);
    clock.advance(1000); // next window: expiry at the end of the window after it
    assert.equal((await store.hit("k", 5, 1000)).count, 3, "previous window (2 calls) weighs 70 %: ceil(1.4) + 1");
    const ttl = await client.pttl(key);
    assert.ok(ttl > 0 && ttl <= 1700, `pttl ${ttl}`);
  });
});

describe("redis down", () => {
  test("a closed port: fail open admits, fail closed refuses, nothing throws or hangs", async () => {
    const dead = createRedisClient({ url: "redis://127.0.0.1:1", maxReconnectDelayMs: 100 });
    try {
      const clock = createManualClock(0);
      const events: string[] = [];
      const open = createRedisCounterStore({ client: dead, clock, failMode: "open" });
      const closed = createRedisCounterStore({
        client: dead,
        clock,
        failMode: "closed",
        failRetryAfterMs: 2000,
        onStateChange: (state) => events.push(state),
      });
      assert.deepEqual(await open.hit("k", 5, 1000), { allowed: true, count: 0, remaining: 5, retryAfterMs: 0 });
      assert.deepEqual(await closed.hit("k", 5, 1000), { allowed: false, count: 0, remaining: 0, retryAfterMs: 2000 });
      assert.equal((await closed.quota("k", { calls: 5, periodMs: 1000 }, { calls: 1, kilobytes: 0 })).allowed, false);
      assert.equal(await open.acquire("k", 1), true);
      assert.equal(await closed.acquire("k", 1), false);
      await closed.release("k");
      assert.deepEqual(events, ["down"], "one transition reported, not one per call");
      assert.equal(closed.isHealthy(), false);
    } finally {
      dead.disconnect();
    }
  });

  test("recovers by itself when Redis comes back (connection cut, then restored)", async () => {
    const { proxy, client: viaProxy } = await createProxiedTestRedis();
    try {
      await waitForReady(viaProxy);
      const events: string[] = [];
      const store = createRedisCounterStore({
        client: viaProxy,
        clock: createManualClock(0),
        prefix: `${prefix}recover:`,
        failMode: "closed",
        onStateChange: (state) => events.push(state),
      });
      assert.equal((await store.hit("k", 100, 60_000)).count, 1);
      await proxy.cut();
      const during = await store.hit("k", 100, 60_000);
      assert.equal(during.allowed, false);
      await waitForDisconnect(viaProxy);
      await proxy.restore();
      await waitForReady(viaProxy);
      const back = await store.hit("k", 100, 60_000);
      assert.deepEqual(back, { allowed: true, count: 2, remaining: 98, retryAfterMs: 0 });
      assert.deepEqual(events, ["down", "up"]);
    } finally {
      viaProxy.disconnect();
      await proxy.close();
    }
  });

  test("recovers after CLIENT KILL", async () => {
    const victim = createRedisClient({ url: REDIS_URL, maxReconnectDelayMs: 50 });
    try {
      await waitForReady(victim);
      const store = createRedisCounterStore({ client: victim, clock: createManualClock(0), prefix: `${prefix}kill:` });
      await store.hit("k", 10, 60_000);
      const id = await victim.client("ID");
      const reconnected = new Promise<void>((resolve) => victim.once("ready", () => resolve()));
      await client.client("KILL", "ID", String(id));
      await reconnected;
      assert.equal((await store.hit("k", 10, 60_000)).count, 2);
      assert.equal(store.isHealthy(), true);
    } finally {
      victim.disconnect();
    }
  });
});
