import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createManualClock, systemClock } from "./clock.js";

describe("manual clock sleep", () => {
  test("wakes sleepers in deadline order when time passes their deadline", async () => {
    const clock = createManualClock(1000);
    const woke: string[] = [];
    const a = clock.sleep(300).then(() => woke.push("a"));
    const b = clock.sleep(100).then(() => woke.push("b"));
    assert.deepEqual(clock.pending(), [100, 300]);
    clock.advance(99);
    await Promise.resolve();
    assert.deepEqual(woke, []);
    clock.advance(1);
    await b;
    assert.deepEqual(woke, ["b"]);
    assert.deepEqual(clock.pending(), [200]);
    clock.set(5000);
    await a;
    assert.deepEqual(woke, ["b", "a"]);
    assert.deepEqual(clock.pending(), []);
  });

  test("zero or negative waits resolve without time passing", async () => {
    const clock = createManualClock();
    await clock.sleep(0);
    await clock.sleep(-5);
    assert.deepEqual(clock.pending(), []);
  });

  test("abort rejects with AbortError and forgets the sleeper", async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const waiting = clock.sleep(1000, controller.signal);
    controller.abort(new Error("gone"));
    await assert.rejects(waiting, { name: "AbortError" });
    assert.deepEqual(clock.pending(), []);
    await assert.rejects(clock.sleep(10, controller.signal), { name: "AbortError" });
  });
});

describe("system clock sleep", () => {
  test("waits on a real timer and can be aborted", async () => {
    const started = performance.now();
    await systemClock.sleep(20);
    assert.ok(performance.now() - started >= 15);
    const controller = new AbortController();
    const waiting = systemClock.sleep(60_000, controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: "AbortError" });
    await systemClock.sleep(0);
  });
});
