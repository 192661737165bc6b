// Child process of bench/gateway.ts: one Moat gateway with a benchmark configuration, pinned to a CPU
// by the parent. Env: PORT, UP_URL, APIS (number of APIs, default 1), POLICY=1 (key check +
// rate-limit-by-key + set-header on the bench API), LEAN_HTTP=0 (node:http instead of the lean front).
// Prints "ready <port>" when serving.
import { pino } from "pino";
import { systemClock } from "../src/core/clock.js";
import { apimPolicyEngine, createGateway } from "../src/gateway/index.js";
import { createTestCaches } from "../src/gateway/testing/harness.js";
import { createMemoryCounterStore } from "../src/limits/memory-counters.js";
import type { WriteOp } from "../src/store/contract.js";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.js";

const port = Number(process.env.PORT ?? 8090);
const upstream = process.env.UP_URL ?? "http://127.0.0.1:9101";
const apis = Number(process.env.APIS ?? 1);
const withPolicy = process.env.POLICY === "1";

const POLICY = `<policies>
  <inbound>
    <base />
    <rate-limit-by-key calls="1000000000" renewal-period="60" counter-key="@(context.Subscription.Id)" />
    <set-header name="x-bench" exists-action="override"><value>moat</value></set-header>
  </inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
  <on-error><base /></on-error>
</policies>`;

const store = await createSqliteStore({ path: ":memory:" });
const ops: WriteOp[] = [];
// The bench API is "bench" (path /bench); the others are filler with their own paths.
for (let i = 0; i < apis; i++) {
  const name = i === 0 ? "bench" : `api-${i}`;
  ops.push(
    {
      op: "put",
      kind: "api",
      id: `apis/${name}`,
      properties: {
        displayName: name,
        path: i === 0 ? "bench" : `svc${i}/v1`,
        serviceUrl: upstream,
        protocols: ["http"],
        subscriptionRequired: withPolicy,
      },
    },
    {
      op: "put",
      kind: "operation",
      id: `apis/${name}/operations/get`,
      properties: { displayName: "get", method: "GET", urlTemplate: "/*" },
    },
  );
  if (ops.length >= 2000) await store.transaction(ops.splice(0));
}
// wrk sends the key to every target; a key that is sent must be valid even where none is required.
ops.push({
  op: "put",
  kind: "subscription",
  id: "subscriptions/bench",
  properties: { scope: "/apis", state: "active", primaryKey: "bench-key-1", secondaryKey: "bench-key-2" },
});
if (withPolicy)
  ops.push({ op: "put", kind: "policy", id: "apis/bench/policies/policy", properties: { value: POLICY } });
if (ops.length > 0) await store.transaction(ops);

const caches = createTestCaches();
const gateway = createGateway({
  store,
  engine: apimPolicyEngine,
  logger: pino({ level: "warn" }),
  clock: systemClock,
  counters: createMemoryCounterStore({ clock: systemClock }),
  responseCache: caches.responseCache,
  valueCache: caches.valueCache,
  addresses: [{ host: "127.0.0.1", port }],
  // Peers (nginx access_log off, the minimal node proxy) write no access log either.
  accessLog: false,
  // LEAN_HTTP=0: every connection through node:http (the comparison for the lean front).
  leanHttp: process.env.LEAN_HTTP !== "0",
});
const bound = await gateway.listen();
console.log(`ready ${bound[0]?.port}`);
process.on("SIGTERM", () => {
  gateway.close().finally(() => process.exit(0));
});
