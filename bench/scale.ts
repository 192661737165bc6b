// Scale-out benchmark (a script, not a test): node --import tsx bench/scale.ts
// Real processes on the machine's PostgreSQL and Redis (a schema and key prefix of their own):
//  1. configuration change made through management → served by all 3 gateway units: p50/p99;
//  2. rate-limit overshoot across 3 units under a concurrent burst: exact mode, then fast mode;
//  3. throughput of one unit with rate-limit-by-key on Redis (exact, fast) against in-memory, and the
//     CPU time per request of the unit process and of redis-server (Linux /proc and INFO cpu): on a
//     shared host req/s swings with the other work, CPU per request much less.
// Env: CHANGES=30 ROUNDS=5 LIMIT=50 DURATION=5 CONNS=32 PASSES=2 PARTS=config,overshoot,throughput
//      MOAT_BENCH_POSTGRES_URL MOAT_BENCH_REDIS_URL
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import pg from "pg";
import { Pool } from "undici";
import { createRedisClient } from "../src/limits/redis-client.js";
import { deleteByPrefix } from "../src/limits/test-support/redis.js";
import { quit } from "../src/scale/limits-backend.js";
import {
  ADMIN_KEY,
  anyGetOperation,
  managementClient,
  openApiBody,
  policyXml,
} from "../src/scale/test-support/cluster-env.js";
import { type MoatProcess, spawnMoat } from "../src/scale/test-support/moat-process.js";

const env = process.env;
const CHANGES = Number(env.CHANGES ?? 30);
const ROUNDS = Number(env.ROUNDS ?? 5);
const LIMIT = Number(env.LIMIT ?? 50);
const DURATION = Number(env.DURATION ?? 5);
const CONNS = Number(env.CONNS ?? 32);
/** Throughput passes, interleaved (memory, exact, fast, memory, …) so a busy moment hits all alike. */
const PASSES = Number(env.PASSES ?? 2);
const PARTS = new Set((env.PARTS ?? "config,overshoot,throughput").split(","));
const POSTGRES_URL = env.MOAT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = env.MOAT_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const id = `${process.pid}_${randomUUID().slice(0, 8)}`;
const schema = `moat_bench_scale_${id}`;
const prefix = `moat-bench:scale:${id}:`;
const storeUrl = `${POSTGRES_URL}${POSTGRES_URL.includes("?") ? "&" : "?"}schema=${schema}`;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "moat-bench-scale-"));
  dirs.push(d);
  return d;
};
const processes: MoatProcess[] = [];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  await res.arrayBuffer();
  return { status: res.status, config: res.headers.get("x-config") };
}

async function startUnits(
  count: number,
  extra: Record<string, string>,
): Promise<{ ports: number[]; pids: number[]; stop(): Promise<void> }> {
  const started = await Promise.all(
    Array.from({ length: count }, async () => {
      const p = spawnMoat([], {
        MOAT_ROLE: "gateway",
        MOAT_STORE: storeUrl,
        MOAT_REDIS: REDIS_URL,
        MOAT_DATA_DIR: tempDir(),
        MOAT_GATEWAY_HOST: "127.0.0.1",
        MOAT_GATEWAY_HTTP_PORT: "0",
        MOAT_GATEWAY_HTTPS_PORT: "0",
        MOAT_LIMITS_KEY_PREFIX: prefix,
        MOAT_LIMITS_COMMAND_TIMEOUT_MS: "5000",
        MOAT_LOG_LEVEL: "error",
        ...extra,
      });
      processes.push(p);
      const m = await p.waitFor(/listening on port\(s\) (\d+)/, 120_000);
      return { p, port: Number(m[1]) };
    }),
  );
  // Warm-up: compile pipelines and load the Redis scripts before anything is measured.
  for (const { port } of started) for (let i = 0; i < 20; i++) await get(port, "/tp/x", { "x-key": `warm-${i}` });
  return {
    ports: started.map((s) => s.port),
    pids: started.map((s) => s.p.child.pid ?? 0),
    stop: async () => {
      await Promise.all(started.map((s) => s.p.stop()));
    },
  };
}

async function overshoot(ports: number[], label: string): Promise<void> {
  const extra: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const key = `${label}-${round}-${randomUUID().slice(0, 6)}`;
    const calls = Array.from({ length: LIMIT * 4 }, (_, i) =>
      get(ports[i % ports.length] as number, "/lim/x", { "x-key": key }),
    );
    const admitted = (await Promise.all(calls)).filter((r) => r.status === 200).length;
    extra.push(admitted - LIMIT);
  }
  console.log(
    `rate-limit overshoot, ${label} mode, ${ports.length} units, limit ${LIMIT}, bursts of ${LIMIT * 4}: ` +
      `per round ${extra.join(", ")} → max ${Math.max(...extra)} (${((Math.max(...extra) / LIMIT) * 100).toFixed(0)} %)`,
  );
}

/** User + system CPU seconds of a process so far (Linux), else NaN. */
function processCpuSeconds(pid: number): number {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return Number.NaN;
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const fields = readFileSync(file, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** redis-server's user + system CPU seconds so far (its whole load: other clients count too). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
  return value("used_cpu_user") + value("used_cpu_sys");
}

interface Throughput {
  rps: number;
  /** CPU µs per answered request: the unit process, redis-server. */
  unitCpuUs: number;
  redisCpuUs: number;
}

async function throughput(port: number, pid: number, redis: Redis): Promise<Throughput> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNS, pipelining: 1 });
  let done = 0;
  let failed = 0;
  const deadline = performance.now() + DURATION * 1000;
  const unitCpu0 = processCpuSeconds(pid);
  const redisCpu0 = await redisCpuSeconds(redis);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNS }, async (_, w) => {
      let i = w;
      while (performance.now() < deadline) {
        const res = await pool.request({ path: "/tp/x", method: "GET", headers: { "x-key": `k${i++ % 1000}` } });
        await res.body.dump();
        if (res.statusCode === 200) done++;
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const unitCpu = processCpuSeconds(pid) - unitCpu0;
  const redisCpu = (await redisCpuSeconds(redis)) - redisCpu0;
  await pool.close();
  if (failed > 0) console.log(`  (${failed} answers were not 200)`);
  return { rps: done / seconds, unitCpuUs: (unitCpu / done) * 1e6, redisCpuUs: (redisCpu / done) * 1e6 };
}

async function main(): Promise<void> {
  const backend = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  try {
    const management = spawnMoat([], {
      MOAT_ROLE: "management",
      MOAT_STORE: storeUrl,
      MOAT_DATA_DIR: tempDir(),
      MOAT_ADMIN_KEY: ADMIN_KEY,
      MOAT_MANAGEMENT_PORT: "0",
      MOAT_PORTAL_PORT: "0",
      MOAT_PORTAL_HOST: "127.0.0.1",
      MOAT_LOG_LEVEL: "error",
    });
    processes.push(management);
    const url = (await management.waitFor(/management API listening on (https:\/\/[\d.]+:\d+)/, 120_000))[1] as string;
    const mgmt = managementClient(url);
    const byHeader = `@(context.Request.Headers.GetValueOrDefault(&quot;x-key&quot;,&quot;none&quot;))`;
    const setVersion = (v: string) =>
      mgmt.call("PUT", "/apis/cfg/policies/policy", {
        properties: {
          format: "rawxml",
          value: policyXml("", `<set-header name="x-config" exists-action="override"><value>${v}</value></set-header>`),
        },
      });
    const api = (name: string) => openApiBody(name, backendUrl);
    const op = anyGetOperation;
    const limited = (calls: number) => ({
      properties: {
        format: "rawxml",
        value: policyXml(`<rate-limit-by-key calls="${calls}" renewal-period="60" counter-key="${byHeader}" />`),
      },
    });
    for (const [path, body] of [
      ["/apis/cfg", api("cfg")],
      ["/apis/cfg/operations/any", op],
      ["/apis/lim", api("lim")],
      ["/apis/lim/operations/any", op],
      ["/apis/lim/policies/policy", limited(LIMIT)],
      ["/apis/tp", api("tp")],
      ["/apis/tp/operations/any", op],
      ["/apis/tp/policies/policy", limited(1_000_000_000)],
    ] as const) {
      const res = await mgmt.call("PUT", path, body);
      if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await setVersion("v0");

    // 1 + 2 (exact): three units in exact mode.
    let units = await startUnits(PARTS.has("config") || PARTS.has("overshoot") ? 3 : 0, { MOAT_LIMITS_MODE: "exact" });
    const latencies: number[] = [];
    const acks: number[] = [];
    const afterAck: number[] = [];
    for (let i = 1; PARTS.has("config") && i <= CHANGES; i++) {
      const version = `v${i}`;
      const t0 = performance.now();
      const res = await setVersion(version);
      if (res.status !== 200) throw new Error(`policy PUT answered ${res.status}`);
      const acked = performance.now();
      acks.push(acked - t0);
      const pending = new Set(units.ports);
      while (pending.size > 0) {
        await Promise.all(
          [...pending].map(async (port) => {
            if ((await get(port, "/cfg/x")).config === version) pending.delete(port);
          }),
        );
      }
      latencies.push(performance.now() - t0);
      afterAck.push(performance.now() - acked);
    }
    for (const list of [latencies, acks, afterAck]) list.sort((a, b) => a - b);
    if (PARTS.has("config"))
      console.log(
        `config change via management → served by all 3 units (${CHANGES} changes, from the PUT to the last unit): ` +
          `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms` +
          `\n  of which the management PUT until acknowledged: p50 ${percentile(acks, 50).toFixed(0)} ms, p99 ${percentile(acks, 99).toFixed(0)} ms;` +
          ` from acknowledgement to served by all 3: p50 ${percentile(afterAck, 50).toFixed(0)} ms, p99 ${percentile(afterAck, 99).toFixed(0)} ms`,
      );
    if (PARTS.has("overshoot")) await overshoot(units.ports, "exact");
    await units.stop();

    // 2 (fast): the same bursts with local counting synced every 50 ms.
    if (PARTS.has("overshoot")) {
      units = await startUnits(3, { MOAT_LIMITS_MODE: "fast" });
      await overshoot(units.ports, "fast");
      await units.stop();
    }

    // 3: one unit, rate-limit-by-key over 1000 keys, Redis against memory.
    const variants = [
      ["in-memory", { MOAT_REDIS: "" }],
      ["Redis exact", { MOAT_LIMITS_MODE: "exact" }],
      ["Redis fast", { MOAT_LIMITS_MODE: "fast" }],
    ] as const;
    const totals = new Map<string, Throughput>();
    const redis = createRedisClient({ url: REDIS_URL, commandTimeoutMs: 2000 });
    try {
      for (let pass = 0; PARTS.has("throughput") && pass < PASSES; pass++)
        for (const [label, extra] of variants) {
          const one = await startUnits(1, extra);
          const t = await throughput(one.ports[0] as number, one.pids[0] as number, redis);
          const sum = totals.get(label) ?? { rps: 0, unitCpuUs: 0, redisCpuUs: 0 };
          totals.set(label, {
            rps: sum.rps + t.rps / PASSES,
            unitCpuUs: sum.unitCpuUs + t.unitCpuUs / PASSES,
            redisCpuUs: sum.redisCpuUs + t.redisCpuUs / PASSES,
          });
          await one.stop();
        }
    } finally {
      await quit(redis);
    }
    const figures = [...totals];
    const memory = figures[0]?.[1].rps ?? 1;
    if (figures.length > 0)
      console.log(
        `throughput of one unit, rate-limit-by-key over 1000 keys, ${CONNS} connections, ${PASSES} × ${DURATION} s: ` +
          figures.map(([l, t]) => `${l} ${t.rps.toFixed(0)} req/s (${(t.rps / memory).toFixed(2)}×)`).join(", ") +
          "\n  CPU per request, unit process + redis-server: " +
          figures.map(([l, t]) => `${l} ${t.unitCpuUs.toFixed(0)} + ${t.redisCpuUs.toFixed(0)} µs`).join(", "),
      );
    await mgmt.close();
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await new Promise((r) => backend.close(r));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    const redis = createRedisClient({ url: REDIS_URL, commandTimeoutMs: 2000 });
    await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
    await deleteByPrefix(redis, prefix);
    await quit(redis);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
