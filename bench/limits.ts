// Counter benchmark (a script, not a test): node --import tsx bench/limits.ts
// Prints hit() operations per second for the memory store, the Redis exact store (one Lua script call
// per event-loop turn, carrying that turn's hits) and the Redis fast store (local decision, sync every
// 50 ms), each driven by CONCURRENCY async callers over KEYS keys for DURATION_MS, with the CPU time
// per hit of this process and of redis-server (INFO cpu: other clients of that Redis count too), then
// the fast mode's overshoot with two units on one key.
// Env: DURATION_MS=3000 CONCURRENCY=64 KEYS=1000 MOAT_BENCH_REDIS_URL=redis://127.0.0.1:6379
import { randomUUID } from "node:crypto";
import { systemClock } from "../src/core/clock.js";
import { createMemoryCounterStore } from "../src/limits/memory-counters.js";
import { createRedisClient } from "../src/limits/redis-client.js";
import { createRedisCounterStore } from "../src/limits/redis-counters.js";
import { createFastRedisCounterStore } from "../src/limits/redis-fast-counters.js";
import type { CounterStore } from "../src/policy/types.js";

const DURATION_MS = Number(process.env.DURATION_MS ?? 3000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const KEYS = Number(process.env.KEYS ?? 1000);
const REDIS_URL = process.env.MOAT_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `moat-bench:${randomUUID().slice(0, 8)}:`;
const keys = Array.from({ length: KEYS }, (_, i) => `subscription-${i}`);

/** redis-server's user + system CPU seconds so far. */
async function redisCpuSeconds(): Promise<number> {
  const info = await client.info("cpu");
  const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
  return value("used_cpu_user") + value("used_cpu_sys");
}

async function drive(name: string, store: CounterStore): Promise<void> {
  let ops = 0;
  let refused = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + DURATION_MS;
  const worker = async (w: number) => {
    let i = w;
    while (performance.now() < deadline) {
      // Batches of synchronous calls would starve the event loop: measure one call at a time.
      const key = keys[i++ % KEYS] ?? "k";
      const t0 = performance.now();
      const result = await store.hit(key, 1_000_000, 60_000);
      if (ops % 64 === 0) latencies.push(performance.now() - t0);
      if (!result.allowed) refused++;
      ops++;
    }
  };
  const redis0 = await redisCpuSeconds();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redisUs = ((await redisCpuSeconds()) - redis0) * 1e6;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(3);
  console.log(
    `${name.padEnd(12)} ${Math.round(ops / seconds)
      .toLocaleString("en-US")
      .padStart(
        12,
      )} hit/s   p50 ${pct(0.5)} ms   p99 ${pct(0.99)} ms   CPU/hit ${((cpu.user + cpu.system) / ops).toFixed(1)} µs + redis-server ${(redisUs / ops).toFixed(1)} µs   (${ops} calls, ${refused} refused)`,
  );
}

async function overshoot(): Promise<void> {
  const clients = [createRedisClient({ url: REDIS_URL }), createRedisClient({ url: REDIS_URL })];
  let downs = 0;
  let syncs = 0;
  let slowestSyncMs = 0;
  const units = clients.map((client) =>
    createFastRedisCounterStore({
      client,
      clock: systemClock,
      prefix: `${prefix}over:`,
      syncIntervalMs: 50,
      onStateChange: (state) => {
        if (state === "down") downs++;
      },
      onSynced: (ms) => {
        syncs++;
        slowestSyncMs = Math.max(slowestSyncMs, ms);
      },
    }),
  );
  const limit = 5000;
  let admitted = 0;
  let calls = 0;
  const deadline = performance.now() + 2000;
  await Promise.all(
    units.flatMap((unit) =>
      Array.from({ length: 8 }, async () => {
        while (performance.now() < deadline) {
          calls++;
          if ((await unit.hit("shared", limit, 60_000)).allowed) admitted++;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    ),
  );
  console.log(
    `fast mode overshoot, 2 units, sync 50 ms, ${Math.round(calls / 2)} calls/s: admitted ${admitted} for limit ${limit} (+${admitted - limit}, ${(((admitted - limit) / limit) * 100).toFixed(1)}%; ${syncs} syncs, slowest ${slowestSyncMs.toFixed(0)} ms, ${downs} Redis-down events)`,
  );
  for (const unit of units) await unit.close();
  for (const client of clients) client.disconnect();
}

console.log(`hit() throughput: ${CONCURRENCY} concurrent callers, ${KEYS} keys, ${DURATION_MS} ms each`);
const client = createRedisClient({ url: REDIS_URL });
await new Promise<void>((resolve) => client.once("ready", () => resolve()));
await drive("memory", createMemoryCounterStore({ clock: systemClock }));
await drive("redis exact", createRedisCounterStore({ client, clock: systemClock, prefix: `${prefix}exact:` }));
const fast = createFastRedisCounterStore({ client, clock: systemClock, prefix: `${prefix}fast:`, syncIntervalMs: 50 });
await drive("redis fast", fast);
await fast.close();
await overshoot();
// Leave no benchmark keys behind.
let cursor = "0";
do {
  const [next, found] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
  cursor = next;
  if (found.length > 0) await client.del(...found);
} while (cursor !== "0");
client.disconnect();
