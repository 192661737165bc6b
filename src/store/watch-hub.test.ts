import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChangeEvent } from "./contract.js";
import { createWatchHub } from "./watch-hub.js";

const event = (revision: number): ChangeEvent => ({ revision, op: "delete", kind: "api", id: `apis/${revision}` });

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

test("each watcher gets every event after its own position, once, in order", async () => {
  const feed = [1, 2, 3, 4, 5].map(event);
  let reads = 0;
  const hub = createWatchHub({
    backend: "test",
    read: async (since, limit) => {
      reads++;
      return feed.filter((e) => e.revision > since).slice(0, limit);
    },
  });
  const a: number[] = [];
  const b: number[] = [];
  const stopA = hub.add(0, (e) => a.push(e.revision));
  const stopB = hub.add(3, (e) => b.push(e.revision));
  await settle();
  feed.push(event(6));
  hub.poke();
  hub.poke();
  await settle();
  assert.deepEqual(a, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(b, [4, 5, 6]);
  assert.ok(reads <= 6, `pokes are coalesced (${reads} reads)`);
  stopA();
  stopB();
  assert.equal(hub.size, 0);
});

test("a failed read is retried and loses nothing; activity is reported", async () => {
  let fail = true;
  const activity: boolean[] = [];
  const hub = createWatchHub({
    backend: "test",
    retryMs: 5,
    read: async (since) => {
      if (fail) {
        fail = false;
        throw new Error("database down");
      }
      return [1, 2].map(event).filter((e) => e.revision > since);
    },
    onActiveChange: (active) => activity.push(active),
  });
  const seen: number[] = [];
  const stop = hub.add(0, (e) => seen.push(e.revision));
  for (let i = 0; seen.length < 2 && i < 200; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  stop();
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(activity, [true, false]);
  hub.close();
});

test("a watcher stopped from inside its listener gets nothing more", async () => {
  const hub = createWatchHub({
    backend: "test",
    read: async (since) => [1, 2, 3].map(event).filter((e) => e.revision > since),
  });
  const seen: number[] = [];
  const stop = hub.add(0, (e) => {
    seen.push(e.revision);
    if (e.revision === 2) stop();
  });
  await settle();
  assert.deepEqual(seen, [1, 2]);
  hub.close();
});
