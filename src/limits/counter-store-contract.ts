// One behaviour suite for every CounterStore (memory, Redis exact): the same calls at the same
// (manual) times must give the same answers. Each backend's test file calls counterStoreContract.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createManualClock } from "../core/clock.js";
import type { CounterStore, RateLimitResult } from "../policy/types.js";

export type ManualClock = ReturnType<typeof createManualClock>;

export interface ContractSubject {
  store: CounterStore;
  close?: () => Promise<void> | void;
}

/** `create` gets a clock the suite drives; it is called once per test so keys never collide. */
export function counterStoreContract(
  name: string,
  create: (clock: ManualClock) => Promise<ContractSubject> | ContractSubject,
): void {
  describe(`CounterStore contract: ${name}`, () => {
    const closers: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const close of closers) await close();
    });
    async function subject(startMs = 1_700_000_000_000) {
      const clock = createManualClock(startMs);
      const s = await create(clock);
      if (s.close) closers.push(s.close);
      return { store: s.store, clock };
    }
    const hit = async (store: CounterStore, key: string, limit: number, windowMs: number, inc?: number) =>
      (await store.hit(key, limit, windowMs, inc)) as RateLimitResult;

    test("admits `limit` calls in a window, then refuses with Retry-After", async () => {
      const { store } = await subject();
      for (let i = 1; i <= 5; i++) {
        assert.deepEqual(await hit(store, "k", 5, 60_000), {
          allowed: true,
          count: i,
          remaining: 5 - i,
          retryAfterMs: 0,
        });
      }
      const refused = await hit(store, "k", 5, 60_000);
      assert.equal(refused.allowed, false);
      assert.equal(refused.count, 5);
      assert.equal(refused.remaining, 0);
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 120_000);
    });

    test("the previous window's calls weigh in proportion to its overlap (sliding window)", async () => {
      const { store, clock } = await subject(1_700_000_000_000 - (1_700_000_000_000 % 1000));
      for (let i = 0; i < 10; i++) await hit(store, "s", 10, 1000);
      clock.advance(1500); // halfway through the next window: ceil(10 × 0.5) = 5 still count
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await hit(store, "s", 10, 1000));
      assert.deepEqual(
        results.map((r) => [r.allowed, r.count, r.remaining]),
        [
          [true, 6, 4],
          [true, 7, 3],
          [true, 8, 2],
          [true, 9, 1],
          [true, 10, 0],
          [false, 10, 0],
        ],
      );
    });

    test("Retry-After is exact: one millisecond earlier is still refused", async () => {
      const { store, clock } = await subject(1_700_000_000_000 - (1_700_000_000_000 % 1000) + 100);
      for (let i = 0; i < 4; i++) await hit(store, "r", 4, 1000);
      const first = await hit(store, "r", 4, 1000);
      assert.equal(first.allowed, false);
      clock.advance(first.retryAfterMs - 1);
      const early = await hit(store, "r", 4, 1000);
      assert.equal(early.allowed, false);
      assert.equal(early.retryAfterMs, 1);
      clock.advance(1);
      assert.equal((await hit(store, "r", 4, 1000)).allowed, true);
    });

    test("a peek (increment 0) at a full window is admitted but says when one call will fit", async () => {
      const { store, clock } = await subject(1_700_000_000_000 - (1_700_000_000_000 % 60_000) + 100);
      for (let i = 0; i < 3; i++) await hit(store, "peek", 3, 60_000);
      const refused = await hit(store, "peek", 3, 60_000);
      const peek = await hit(store, "peek", 3, 60_000, 0);
      assert.equal(peek.allowed, true);
      assert.equal(peek.remaining, 0);
      assert.equal(peek.retryAfterMs, refused.retryAfterMs);
      assert.ok(peek.retryAfterMs > 1000, `Retry-After ${peek.retryAfterMs} ms`);
      clock.advance(peek.retryAfterMs);
      assert.equal((await hit(store, "peek", 3, 60_000, 0)).retryAfterMs, 0);
    });

    test("increments count several calls at once; more than the limit is never admitted", async () => {
      const { store } = await subject();
      assert.deepEqual(await hit(store, "i", 10, 1000, 7), { allowed: true, count: 7, remaining: 3, retryAfterMs: 0 });
      assert.equal((await hit(store, "i", 10, 1000, 4)).allowed, false);
      assert.equal((await hit(store, "i", 10, 1000, 3)).allowed, true);
      const huge = await hit(store, "j", 10, 1000, 11);
      assert.deepEqual(huge, { allowed: false, count: 0, remaining: 10, retryAfterMs: 1000 });
    });

    test("keys and window lengths are counted separately", async () => {
      const { store } = await subject();
      await hit(store, "a", 1, 1000);
      assert.equal((await hit(store, "a", 1, 1000)).allowed, false);
      assert.equal((await hit(store, "b", 1, 1000)).allowed, true);
      assert.equal((await hit(store, "a", 1, 2000)).allowed, true);
    });

    test("after two idle windows the count starts over", async () => {
      const { store, clock } = await subject();
      for (let i = 0; i < 3; i++) await hit(store, "idle", 3, 1000);
      clock.advance(2000);
      assert.deepEqual(await hit(store, "idle", 3, 1000), { allowed: true, count: 1, remaining: 2, retryAfterMs: 0 });
    });

    test("quota by calls: fixed periods aligned to the first period start", async () => {
      const first = 1_700_000_000_000;
      const { store, clock } = await subject(first + 3 * 3_600_000 + 1000);
      const limits = { calls: 2, periodMs: 3_600_000, firstPeriodStartMs: first };
      const usage = { calls: 1, kilobytes: 0 };
      assert.deepEqual(await store.quota("q", limits, usage), {
        allowed: true,
        count: 1,
        remaining: 1,
        retryAfterMs: 0,
      });
      assert.deepEqual(await store.quota("q", limits, usage), {
        allowed: true,
        count: 2,
        remaining: 0,
        retryAfterMs: 0,
      });
      assert.deepEqual(await store.quota("q", limits, usage), {
        allowed: false,
        count: 2,
        remaining: 0,
        retryAfterMs: 3_600_000 - 1000,
      });
      clock.advance(3_600_000 - 1000); // the next period begins
      assert.deepEqual(await store.quota("q", limits, usage), {
        allowed: true,
        count: 1,
        remaining: 1,
        retryAfterMs: 0,
      });
    });

    test("quota by bandwidth: recorded after the response, refusing once used up", async () => {
      const { store } = await subject(0);
      const limits = { kilobytes: 10, periodMs: 1000 };
      assert.equal((await store.quota("b", limits, { calls: 1, kilobytes: 0 })).allowed, true);
      // Recording 12.2 KB after the fact always counts (rounded up to 13) even beyond the limit.
      assert.deepEqual(await store.quota("b", limits, { calls: 0, kilobytes: 12.2 }), {
        allowed: false,
        count: 13,
        remaining: 0,
        retryAfterMs: 1000,
      });
      assert.equal((await store.quota("b", limits, { calls: 1, kilobytes: 0 })).allowed, false);
    });

    test("quota on both axes refuses when either is exhausted", async () => {
      const { store } = await subject(0);
      const limits = { calls: 100, kilobytes: 5, periodMs: 1000 };
      assert.deepEqual(await store.quota("both", limits, { calls: 1, kilobytes: 5 }), {
        allowed: true,
        count: 1,
        remaining: 99,
        retryAfterMs: 0,
      });
      assert.deepEqual(await store.quota("both", limits, { calls: 1, kilobytes: 0 }), {
        allowed: false,
        count: 1,
        remaining: 99,
        retryAfterMs: 1000,
      });
    });

    test("concurrency slots: up to max, freed by release, never below zero", async () => {
      const { store } = await subject();
      assert.equal(await store.acquire("c", 2), true);
      assert.equal(await store.acquire("c", 2), true);
      assert.equal(await store.acquire("c", 2), false);
      await store.release("c");
      assert.equal(await store.acquire("c", 2), true);
      await store.release("c");
      await store.release("c");
      await store.release("c");
      await store.release("never-acquired");
      assert.equal(await store.acquire("c", 1), true);
      assert.equal(await store.acquire("c", 1), false);
    });

    test("bad arguments are rejected with a RangeError naming them", async () => {
      const { store } = await subject();
      await assert.rejects(async () => store.hit("x", 1, 0), /windowMs/);
      await assert.rejects(async () => store.hit("x", -1, 1000), /limit/);
      await assert.rejects(
        async () => store.quota("x", { calls: 1, periodMs: -5 }, { calls: 1, kilobytes: 0 }),
        /periodMs/,
      );
    });
  });
}
