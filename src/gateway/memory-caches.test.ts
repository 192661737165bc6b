import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { createMemoryResponseCache, createMemoryValueCache } from "./memory-caches.js";

test("value cache: TTL against the clock, delete, bounded size", () => {
  const clock = createManualClock(1000);
  const cache = createMemoryValueCache(clock, 2);
  cache.set("a", 1, 10);
  assert.equal(cache.get("a"), 1);
  clock.advance(10_000);
  assert.equal(cache.get("a"), undefined);
  cache.set("b", 2, 10);
  cache.set("c", 3, 10);
  cache.set("d", 4, 10);
  assert.equal(cache.get("b"), undefined, "oldest evicted");
  assert.equal(cache.get("d"), 4);
  cache.delete("d");
  assert.equal(cache.get("d"), undefined);
  cache.set("z", 1, 0);
  assert.equal(cache.get("z"), undefined, "ttl 0 is not stored");
});

test("response cache keeps whole responses", () => {
  const clock = createManualClock(0);
  const cache = createMemoryResponseCache(clock);
  const value = {
    statusCode: 200,
    statusReason: "OK",
    headers: [["a", "b"]] as Array<[string, string]>,
    body: Buffer.from("x"),
  };
  cache.set("k", value, 1);
  assert.deepEqual(cache.get("k"), value);
  clock.advance(1000);
  assert.equal(cache.get("k"), undefined);
});
