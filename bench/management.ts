// Management API throughput: PUT and GET of N APIs (default 10,000) with 10 operations each, over
// HTTPS with keep-alive and concurrent clients, against `moat serve`'s real composition (SQLite file
// store in a temporary data directory). Prints requests/second per phase and the server's RSS.
// Usage: node --import tsx bench/management.ts [apis] [concurrency]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { startApp } from "../src/cli/app.js";
import { loadConfig } from "../src/cli/config.js";

const apiCount = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 16);
const opsPerApi = 10;
const version = "api-version=2024-05-01";

const dataDir = mkdtempSync(join(tmpdir(), "moat-bench-"));
const app = await startApp(
  loadConfig({
    flags: {
      "data-dir": dataDir,
      ...(process.env.MOAT_BENCH_STORE ? { store: process.env.MOAT_BENCH_STORE } : {}),
      "management-port": "0",
      "admin-key": "bench-admin-key-0123456789",
    },
  }),
);
const pool = new Pool(app.managementUrl, { connections: concurrency, connect: { rejectUnauthorized: false } });
const auth = { authorization: `Bearer ${app.adminKey}` };

let failures = 0;
async function send(method: "PUT" | "GET", path: string, body?: unknown): Promise<void> {
  const res = await pool.request({
    method,
    path: `${path}?${version}`,
    headers: body ? { ...auth, "content-type": "application/json" } : auth,
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  await res.body.dump();
  if (res.statusCode >= 300) failures++;
}

/** Runs work(i) for i in [0, count) on `concurrency` workers; returns requests per second. */
async function phase(label: string, count: number, requestsPerItem: number, work: (i: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const requests = count * requestsPerItem;
  console.log(
    `  ${label.padEnd(34)} ${String(requests).padStart(7)} requests  ${String(Math.round(requests / seconds)).padStart(6)} req/s  (${seconds.toFixed(1)} s)`,
  );
  return { requests, seconds };
}

console.log(
  `management API: ${apiCount} APIs × ${opsPerApi} operations, ${concurrency} concurrent keep-alive connections`,
);
const put = await phase("PUT api + 10 operations", apiCount, 1 + opsPerApi, async (i) => {
  await send("PUT", `/apis/api-${i}`, {
    properties: { displayName: `API ${i}`, path: `api-${i}`, serviceUrl: `http://backend-${i % 50}.internal:8080` },
  });
  for (let o = 0; o < opsPerApi; o++)
    await send("PUT", `/apis/api-${i}/operations/op-${o}`, {
      properties: {
        displayName: `Operation ${o}`,
        method: o % 2 ? "POST" : "GET",
        urlTemplate: `/items/${o}/{id}`,
        templateParameters: [{ name: "id", type: "string", required: true }],
      },
    });
});
const get = await phase("GET api + 10 operations", apiCount, 1 + opsPerApi, async (i) => {
  await send("GET", `/apis/api-${i}`);
  for (let o = 0; o < opsPerApi; o++) await send("GET", `/apis/api-${i}/operations/op-${o}`);
});
const total = put.requests + get.requests;
console.log(
  `  ${"overall".padEnd(34)} ${String(total).padStart(7)} requests  ${String(Math.round(total / (put.seconds + get.seconds))).padStart(6)} req/s`,
);
console.log(`  failures: ${failures}`);
console.log(
  `  RSS after: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (server and client share this process)`,
);

await pool.close();
await app.close();
rmSync(dataDir, { recursive: true, force: true });
