import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { createMemoryResponseCache, createMemoryValueCache } from "../limits/index.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import { until } from "../test-support/wait.js";
import { createCacheRouter } from "./cache-router.js";

test("the caches resource of the unit's location overrides the deployment's cache, and follows changes", async () => {
  const clock = createManualClock(0);
  const store = await createSqliteStore({ path: ":memory:" });
  const own = { responseCache: createMemoryResponseCache({ clock }), valueCache: createMemoryValueCache({ clock }) };
  const opened: string[] = [];
  const closed: string[] = [];
  const externals = new Map<string, ReturnType<typeof createMemoryValueCache>>();
  const logs: string[] = [];
  await store.put("cache", "caches/default", { useFromLocation: "default", connectionString: "shared.redis:6379" });
  const router = createCacheRouter({
    store,
    location: "West Europe",
    fallback: own,
    connect(url) {
      opened.push(url);
      const valueCache = createMemoryValueCache({ clock });
      externals.set(url, valueCache);
      return {
        responseCache: createMemoryResponseCache({ clock }),
        valueCache,
        close: async () => void closed.push(url),
      };
    },
    log: (_level, message) => logs.push(message),
  });
  await router.start();
  assert.equal(router.active, "default");
  await router.valueCache.set("k", "via-default", 60);
  assert.equal(externals.get("redis://shared.redis:6379")?.get("k"), "via-default");
  assert.equal(own.valueCache.get("k"), undefined);

  // A cache for this unit's own location takes over.
  await store.put("cache", "caches/westeurope", {
    useFromLocation: "westeurope",
    connectionString: "eu.redis:6380,password=x,ssl=True",
  });
  await until(() => router.active === "westeurope", "switch to the location's cache");
  assert.deepEqual(opened, ["redis://shared.redis:6379", "rediss://:x@eu.redis:6380"]);
  assert.deepEqual(closed, ["redis://shared.redis:6379"]);
  assert.equal(await router.valueCache.get("k"), undefined);

  // A broken connection string is reported and the deployment's own cache is used.
  await store.delete("cache", "caches/default");
  await store.put("cache", "caches/westeurope", { useFromLocation: "westeurope", connectionString: "eu redis" });
  await until(() => router.active === undefined, "fall back to the own cache");
  assert.ok(
    logs.some((m) => /cache "westeurope" ignored: .*not host\[:port\]/.test(m)),
    logs.join("\n"),
  );
  await router.valueCache.set("k", "own", 60);
  assert.equal(own.valueCache.get("k"), "own");
  await router.close();
  await store.close();
});
