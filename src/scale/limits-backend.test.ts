// The backend a unit gets from configuration, against the machine's Redis through a cuttable proxy:
// fail-closed refuses and fail-open admits while Redis is down, caches are bypassed, and counting
// resumes on the shared keys once Redis is back.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemClock } from "../core/clock.js";
import { createRedisClient } from "../limits/redis-client.js";
import {
  type CuttableProxy,
  createCuttableProxy,
  deleteByPrefix,
  REDIS_URL,
  uniquePrefix,
} from "../limits/test-support/redis.js";
import { until } from "../test-support/wait.js";
import { createLimitsBackend, type LimitsBackend, quit } from "./limits-backend.js";

const prefix = uniquePrefix();
let proxy: CuttableProxy;
const backends: LimitsBackend[] = [];

before(async () => {
  const target = new URL(REDIS_URL);
  proxy = await createCuttableProxy(Number(target.port || 6379), target.hostname);
});
after(async () => {
  for (const b of backends) await b.close();
  await proxy.close();
  const client = createRedisClient({ url: REDIS_URL, commandTimeoutMs: 2000 });
  await new Promise<void>((resolve) => client.once("ready", () => resolve()));
  await deleteByPrefix(client, prefix);
  await quit(client);
});

const open = (failMode: "open" | "closed", mode: "exact" | "fast" = "exact") => {
  const states: string[] = [];
  const backend = createLimitsBackend({
    redisUrl: `redis://127.0.0.1:${proxy.port}`,
    mode,
    failMode,
    keyPrefix: prefix,
    clock: systemClock,
    onRedisState: (state) => states.push(state),
  });
  backends.push(backend);
  return { backend, states };
};

test("no Redis configured: in-memory counters and caches", async () => {
  const backend = createLimitsBackend({ mode: "exact", failMode: "open", keyPrefix: "", clock: systemClock });
  assert.equal(backend.kind, "memory");
  assert.equal((await backend.counters.hit("k", 1, 60_000)).allowed, true);
  assert.equal((await backend.counters.hit("k", 1, 60_000)).allowed, false);
  await backend.close();
});

test("Redis down: fail-closed refuses, fail-open admits, caches are bypassed; all recover", async () => {
  const closed = open("closed");
  const opened = open("open");
  const shared = open("open");
  await until(() => closed.backend.healthy() && opened.backend.healthy() && shared.backend.healthy(), "connected");
  // Two backends (two units) share one count.
  assert.equal((await opened.backend.counters.hit("api", 2, 60_000)).allowed, true);
  assert.equal((await shared.backend.counters.hit("api", 2, 60_000)).allowed, true);
  assert.equal((await opened.backend.counters.hit("api", 2, 60_000)).allowed, false);
  await opened.backend.valueCache.set("v", { a: 1 }, 60);
  assert.deepEqual(await shared.backend.valueCache.get("v"), { a: 1 });

  await proxy.cut();
  await until(() => !opened.backend.healthy() && !closed.backend.healthy(), "disconnected");
  const refused = await closed.backend.counters.hit("other", 100, 60_000);
  assert.equal(refused.allowed, false);
  assert.ok(refused.retryAfterMs > 0);
  assert.equal((await opened.backend.counters.hit("api", 2, 60_000)).allowed, true, "fail-open admits");
  assert.equal(await opened.backend.valueCache.get("v"), undefined, "cache bypassed");
  await opened.backend.responseCache.set(
    "r",
    { statusCode: 200, statusReason: "OK", headers: [], body: Buffer.from("x") },
    60,
  );
  assert.deepEqual(opened.states, ["down"]);

  await proxy.restore();
  await until(() => opened.backend.healthy() && closed.backend.healthy(), "reconnected");
  assert.equal((await closed.backend.counters.hit("other", 100, 60_000)).allowed, true);
  assert.equal((await opened.backend.counters.hit("api", 2, 60_000)).allowed, false, "shared count kept");
  assert.deepEqual(await opened.backend.valueCache.get("v"), { a: 1 });
  assert.deepEqual(opened.states, ["down", "up"]);
});
