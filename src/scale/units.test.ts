import assert from "node:assert/strict";
import { test } from "node:test";
import { type ScaleConfigView, unitSpec } from "./units.js";

const config: ScaleConfigView = {
  serviceName: "moat",
  location: "westeurope",
  dataDir: "/var/lib/moat",
  store: "postgres://db/moat",
  redis: "redis://cache:6379",
  units: 3,
  gateway: { host: "0.0.0.0", httpPort: 8080, httpsPort: 8443, leanHttp: true },
  log: { level: "info" },
  limits: { mode: "fast", failMode: "closed", keyPrefix: "eu:", syncIntervalMs: 50, commandTimeoutMs: 1000 },
  metrics: { enabled: true, host: "127.0.0.1", port: 9464 },
  network: { publicAddress: "198.51.100.10", privateAddress: "10.77.1.4" },
  networkStatus: { intervalSeconds: 60 },
};
const options = { portalOrigins: ["http://portal"], log: () => undefined };

test("units share the gateway ports; each gets a metrics port of its own", () => {
  const specs = [0, 1, 2].map((i) => unitSpec(config, options, i));
  assert.deepEqual(
    specs.map((s) => [s.unitName, s.httpPort, s.httpsPort, s.metrics?.port]),
    [
      ["unit-1", 8080, 8443, 9464],
      ["unit-2", 8080, 8443, 9465],
      ["unit-3", 8080, 8443, 9466],
    ],
  );
  const first = specs[0];
  assert.equal(first?.storeUrl, "postgres://db/moat");
  assert.equal(first?.redisUrl, "redis://cache:6379");
  assert.deepEqual(first?.limits, config.limits);
  assert.equal(first?.location, "westeurope");
  // Every unit follows the service's network as `moat serve` does, from this host's addresses.
  for (const spec of specs)
    assert.deepEqual(spec.network, {
      publicAddress: "198.51.100.10",
      privateAddress: "10.77.1.4",
      statusIntervalMs: 60_000,
    });
});

test("metrics port 0 picks a free port per unit; disabled metrics open no listener", () => {
  assert.equal(unitSpec({ ...config, metrics: { ...config.metrics, port: 0 } }, options, 2).metrics?.port, 0);
  assert.equal(unitSpec({ ...config, metrics: { ...config.metrics, enabled: false } }, options, 0).metrics, undefined);
});
