import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { cacheContract } from "./cache-contract.js";
import { createMemoryResponseCache, createMemoryValueCache } from "./memory-cache.js";

cacheContract("memory", () => {
  const clock = createManualClock(0);
  return { responses: createMemoryResponseCache({ clock }), values: createMemoryValueCache({ clock }) };
});

const response = (size: number) => ({ statusCode: 200, statusReason: "OK", headers: [], body: Buffer.alloc(size) });

test("entries expire after their duration, by the injected clock", () => {
  const clock = createManualClock(0);
  const cache = createMemoryResponseCache({ clock });
  const values = createMemoryValueCache({ clock });
  cache.set("r", response(1), 10);
  values.set("v", "x", 1.5);
  clock.advance(1499);
  assert.equal(values.get("v"), "x");
  clock.advance(1);
  assert.equal(values.get("v"), undefined);
  clock.advance(8499);
  assert.ok(cache.get("r"));
  clock.advance(1);
  assert.equal(cache.get("r"), undefined);
  assert.equal(cache.size, 0, "an expired entry read is dropped");
});

test("least recently used entries go first past maxEntries", () => {
  const cache = createMemoryResponseCache({ clock: createManualClock(0), maxEntries: 3 });
  for (const key of ["a", "b", "c"]) cache.set(key, response(1), 60);
  cache.get("a");
  cache.set("d", response(1), 60);
  assert.deepEqual(
    ["a", "b", "c", "d"].map((k) => cache.get(k) !== undefined),
    [true, false, true, true],
  );
});

test("bodies count against maxBytes; an entry larger than the cache is not stored", () => {
  const cache = createMemoryResponseCache({ clock: createManualClock(0), maxBytes: 10_000 });
  cache.set("big", response(20_000), 60);
  assert.equal(cache.get("big"), undefined);
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, response(2000), 60);
  assert.ok(cache.size <= 4, `size ${cache.size}`);
  assert.ok(cache.get("k9"));
});
