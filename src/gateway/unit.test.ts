import assert from "node:assert/strict";
import { test } from "node:test";
import { generate } from "selfsigned";
import { Agent, request } from "undici";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import { startGatewayUnit } from "./unit.js";

test("a gateway unit serves health over HTTP and HTTPS and exposes metrics internally", async () => {
  const store = await createSqliteStore({ path: ":memory:" });
  const pems = await generate([{ name: "commonName", value: "localhost" }], { keySize: 2048, algorithm: "sha256" });
  const unit = await startGatewayUnit({
    store,
    host: "127.0.0.1",
    httpPort: 0,
    httpsPort: 0,
    tls: { cert: pems.cert, key: pems.private },
    portalOrigins: ["http://localhost:8081"],
    serviceName: "moat",
    location: "local",
    logLevel: "silent",
    metrics: { host: "127.0.0.1", port: 0 },
  });
  try {
    const [http, https] = unit.addresses;
    assert.ok(http && https?.secure);
    const a = await request(`http://127.0.0.1:${http.port}/status-0123456789abcdef`);
    assert.equal(a.statusCode, 200);
    await a.body.dump();
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const b = await request(`https://127.0.0.1:${https.port}/status-0123456789abcdef`, { dispatcher });
    assert.equal(b.statusCode, 200);
    await b.body.dump();
    await dispatcher.close();
    const m = await request(`http://127.0.0.1:${unit.gateway.metricsAddress?.port}/metrics`);
    assert.match(await m.body.text(), /moat_gateway_config_revision/);
  } finally {
    await unit.close();
    await store.close();
  }
});
