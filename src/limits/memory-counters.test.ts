import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { counterStoreContract } from "./counter-store-contract.js";
import { createMemoryCounterStore } from "./memory-counters.js";

counterStoreContract("memory", (clock) => ({ store: createMemoryCounterStore({ clock }) }));

test("idle records are swept as calls go on", () => {
  const clock = createManualClock(0);
  const store = createMemoryCounterStore({ clock });
  for (let i = 0; i < 10_000; i++) store.hit(`client-${i}`, 10, 1000);
  assert.equal(store.size(), 10_000);
  clock.advance(2000);
  for (let i = 0; i < 6000; i++) store.hit("busy", 1_000_000, 1000);
  assert.ok(store.size() < 10, `size after sweep: ${store.size()}`);
});

test("memory stays under maxKeys by evicting the oldest records", () => {
  const clock = createManualClock(0);
  const store = createMemoryCounterStore({ clock, maxKeys: 1000 });
  for (let i = 0; i < 5000; i++) store.hit(`k${i}`, 10, 60_000);
  assert.ok(store.size() <= 1000, `size ${store.size()}`);
  // The most recent key still counts.
  assert.equal(store.hit("k4999", 10, 60_000).count, 2);
});

test("released slots hold no memory", () => {
  const store = createMemoryCounterStore({ clock: createManualClock(0) });
  store.acquire("x", 3);
  store.release("x");
  assert.equal(store.size(), 0);
});
