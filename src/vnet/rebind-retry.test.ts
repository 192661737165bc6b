// A re-bind that cannot happen at once (the new address is still held: in a cluster, by workers
// that have not let go of it yet) must not leave an Internal gateway serving on its public address:
// the runtime releases its listeners and retries until the address is free, then serves there.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { HEALTH_PATH } from "../gateway/server/handler.js";
import type { GatewayUnit } from "../gateway/unit.js";
import { type ConfigStore, createConfigStore } from "../store/index.js";
import { getAnswer } from "../test-support/http-answer.js";
import { freePort } from "../test-support/ports.js";
import { until } from "../test-support/wait.js";
import type { VnetRuntime } from "./runtime.js";
import { subnetId } from "./test-fixtures.js";
import { startAttachedUnit, testVnetRuntime } from "./testing/attached-unit.js";

/** Status of a GET on a connection of its own (a pooled one could outlive the listener), or the error code. */
async function status(url: string): Promise<number | string> {
  const u = new URL(url);
  const answer = await getAnswer(u.hostname, Number(u.port), u.pathname);
  return "error" in answer ? answer.error : answer.status;
}

describe("a re-bind blocked by an address in use", () => {
  let store: ConfigStore;
  let unit: GatewayUnit;
  let runtime: VnetRuntime;
  let blocker: Server;
  let port: number;
  const warnings: string[] = [];

  before(async () => {
    store = await createConfigStore("sqlite::memory:", { dataDir: "." });
    await store.put("service", "", { location: "local", virtualNetworkType: "None" });
    await store.put("virtualNetwork", "virtualNetworks/vnet", {
      location: "local",
      properties: {
        addressSpace: { addressPrefixes: ["10.77.0.0/16", "127.0.0.0/8"] },
        subnets: [{ name: "apim", properties: { addressPrefix: "10.77.1.0/24" } }],
      },
    });
    runtime = testVnetRuntime(
      store,
      { defaultHost: "127.0.0.3", privateAddress: "127.0.0.2" },
      { log: { info: () => {}, warn: (_obj, msg) => warnings.push(msg) } },
    );
    await runtime.start();
    port = await freePort();
    unit = await startAttachedUnit(store, runtime, "127.0.0.3", port);
    // Something else holds the private address on the gateway's port.
    blocker = createServer((_req, res) => res.writeHead(418).end());
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.2", r));
  });

  after(async () => {
    await runtime?.close();
    await unit?.close();
    if (blocker?.listening) await new Promise((r) => blocker.close(r));
    await store?.close();
  });

  test("towards Internal the public listener closes at once; the private one opens once the address is free", async () => {
    assert.equal(await status(`http://127.0.0.3:${port}${HEALTH_PATH}`), 200);
    await store.put("service", "", {
      location: "local",
      virtualNetworkType: "Internal",
      virtualNetworkConfiguration: { subnetResourceId: subnetId("vnet", "apim") },
    });
    await runtime.refresh();
    assert.deepEqual(unit.gateway.addresses(), [], "no listener while the private address is taken");
    assert.equal(
      runtime.backendSocket.localAddress?.(),
      "127.0.0.2",
      "backend calls already leave from the private address",
    );
    assert.equal(await status(`http://127.0.0.3:${port}${HEALTH_PATH}`), "ECONNREFUSED");
    assert.equal(await status(`http://127.0.0.2:${port}${HEALTH_PATH}`), 418, "the other holder answers");
    assert.ok(
      warnings.some((w) => /gateway listeners not re-bound/.test(w)),
      warnings.join("\n"),
    );

    await new Promise((r) => blocker.close(r));
    await until(
      async () => unit.gateway.addresses().some((a) => a.host === "127.0.0.2"),
      "the retry to bind the private address",
    );
    assert.equal(await status(`http://127.0.0.2:${port}${HEALTH_PATH}`), 200);
    assert.equal(await status(`http://127.0.0.3:${port}${HEALTH_PATH}`), "ECONNREFUSED");
  });

  test("back to None: the public listener again, the private one closed", async () => {
    await store.put("service", "", { location: "local", virtualNetworkType: "None" });
    await runtime.refresh();
    assert.deepEqual(
      unit.gateway.addresses().map((a) => a.host),
      ["127.0.0.3"],
    );
    assert.equal(runtime.backendSocket.localAddress?.(), undefined, "no fixed source address outside a network");
    assert.equal(await status(`http://127.0.0.3:${port}${HEALTH_PATH}`), 200);
  });
});
