import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import { createFlakyStore } from "./test-support/flaky-store.js";
import { createUnitMetrics } from "./unit-metrics.js";

const value = (text: string, name: string, labels = ""): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  assert.ok(line, `${name} ${labels} missing in\n${text}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
};

test("revision, revisions behind, lag seconds and dependency state of a unit", async () => {
  const clock = createManualClock(1_000_000);
  const store = createFlakyStore(await createSqliteStore({ path: ":memory:" }));
  await store.put("namedValue", "namedValues/a", { displayName: "a", value: "1" });
  let served = 1;
  let redis = true;
  const metrics = createUnitMetrics({
    store,
    served: () => served,
    redisUp: () => redis,
    clock,
    labels: { location: "westeurope", unit: "unit-1" },
    probeMs: 60_000,
  });
  await metrics.probe();
  let text = await metrics.registry.metrics();
  assert.equal(value(text, "moat_unit_config_revision", 'unit="unit-1"'), 1);
  assert.equal(value(text, "moat_unit_config_revisions_behind"), 0);
  assert.equal(value(text, "moat_unit_config_lag_seconds"), 0);
  assert.equal(value(text, "moat_unit_dependency_up", 'dependency="store"'), 1);
  assert.equal(value(text, "moat_unit_dependency_up", 'dependency="redis"'), 1);
  assert.match(text, /location="westeurope"/);

  // Two changes land in the store; the unit has not applied them yet.
  await store.put("namedValue", "namedValues/b", { displayName: "b", value: "2" });
  await store.put("namedValue", "namedValues/c", { displayName: "c", value: "3" });
  await metrics.probe();
  clock.advance(1500);
  text = await metrics.registry.metrics();
  assert.equal(value(text, "moat_unit_store_revision"), 3);
  assert.equal(value(text, "moat_unit_config_revisions_behind"), 2);
  assert.equal(value(text, "moat_unit_config_lag_seconds"), 1.5);

  // Applied: caught up, and the age of the last change starts from now.
  served = 3;
  text = await metrics.registry.metrics();
  assert.equal(value(text, "moat_unit_config_revisions_behind"), 0);
  assert.equal(value(text, "moat_unit_config_lag_seconds"), 0);
  clock.advance(2000);
  assert.equal(value(await metrics.registry.metrics(), "moat_unit_config_last_applied_seconds"), 2);

  // Dependencies down.
  store.down = true;
  redis = false;
  await metrics.probe();
  text = await metrics.registry.metrics();
  assert.equal(value(text, "moat_unit_dependency_up", 'dependency="store"'), 0);
  assert.equal(value(text, "moat_unit_dependency_up", 'dependency="redis"'), 0);
  assert.equal(metrics.state().storeUp, false);
  metrics.stop();
  await store.close();
});
