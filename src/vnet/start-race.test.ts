// A change committed while the runtime reads its first state must not be lost: the watch starts from
// the revision taken before that read (it was taken after, and a unit started just before a mode
// change could stay in the old mode for good).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ConfigStore, createConfigStore } from "../store/index.js";
import { until } from "../test-support/wait.js";
import { subnetId, vnetBody } from "./test-fixtures.js";
import { testVnetRuntime } from "./testing/attached-unit.js";

const service = (mode: string) => ({
  location: "local",
  virtualNetworkType: mode,
  ...(mode === "None" ? {} : { virtualNetworkConfiguration: { subnetResourceId: subnetId("vnet", "apim") } }),
});

test("a mode change committed during start-up is applied", async () => {
  const inner = await createConfigStore("sqlite::memory:", { dataDir: "." });
  await inner.put("virtualNetwork", "virtualNetworks/vnet", vnetBody());
  await inner.put("service", "", service("None"));
  let raced = false;
  // The first read of the service answers None, and Internal is committed right behind it.
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "get")
        return async (...args: Parameters<ConfigStore["get"]>) => {
          const entity = await target.get(...args);
          if (args[0] === "service" && !raced) {
            raced = true;
            await target.put("service", "", service("Internal"));
          }
          return entity;
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const runtime = testVnetRuntime(
    store,
    { defaultHost: "127.0.0.1", publicAddress: "127.0.0.3", privateAddress: "127.0.0.2" },
    { debounceMs: 5 },
  );
  try {
    await runtime.start();
    assert.ok(raced, "the first read happened");
    await until(() => runtime.plan().mode === "Internal", "the Internal mode committed during start-up", 5000);
  } finally {
    await runtime.close();
    await inner.close();
  }
});
