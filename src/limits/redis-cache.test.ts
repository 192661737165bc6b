import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Redis } from "ioredis";
import { cacheContract } from "./cache-contract.js";
import { createRedisResponseCache, createRedisValueCache, decodeResponse, encodeResponse } from "./redis-cache.js";
import {
  cleanupTestRedis,
  connectTestRedis,
  createProxiedTestRedis,
  uniquePrefix,
  waitForReady,
} from "./test-support/redis.js";

const prefix = uniquePrefix();
let client: Redis;
before(async () => {
  client = await connectTestRedis();
});
after(() => cleanupTestRedis(client, prefix));

let run = 0;
cacheContract("redis", () => {
  const p = `${prefix}${++run}:`;
  return {
    responses: createRedisResponseCache({ client, prefix: p }),
    values: createRedisValueCache({ client, prefix: p }),
  };
});

test("entries carry their duration as a Redis expiry", async () => {
  const responses = createRedisResponseCache({ client, prefix: `${prefix}ttl:` });
  await responses.set("r", { statusCode: 204, statusReason: "No Content", headers: [], body: Buffer.alloc(0) }, 30);
  const ttl = await client.pttl(`${prefix}ttl:rc:r`);
  assert.ok(ttl > 29_000 && ttl <= 30_000, `pttl ${ttl}`);
});

test("foreign or truncated bytes under a key read as a miss", async () => {
  const responses = createRedisResponseCache({ client, prefix: `${prefix}junk:` });
  await client.set(`${prefix}junk:rc:x`, "garbage");
  assert.equal(await responses.get("x"), undefined);
  const encoded = encodeResponse({
    statusCode: 200,
    statusReason: "OK",
    headers: [["a", "b"]],
    body: Buffer.from("hi"),
  });
  assert.equal(decodeResponse(encoded.subarray(0, 10)), undefined);
  assert.equal(decodeResponse(encoded)?.body.toString(), "hi");
});

test("Redis down: the caches are bypassed, and used again once Redis returns", async () => {
  const { proxy, client: viaProxy } = await createProxiedTestRedis();
  try {
    await waitForReady(viaProxy);
    const events: string[] = [];
    const values = createRedisValueCache({
      client: viaProxy,
      prefix: `${prefix}down:`,
      onStateChange: (state) => events.push(state),
    });
    await values.set("k", "before", 60);
    await proxy.cut();
    assert.equal(await values.get("k"), undefined);
    await values.set("k", "during", 60);
    await values.delete("k");
    assert.equal(values.isHealthy(), false);
    await proxy.restore();
    await waitForReady(viaProxy);
    assert.equal(await values.get("k"), "before");
    assert.deepEqual(events, ["down", "up"]);
  } finally {
    viaProxy.disconnect();
    await proxy.close();
  }
});
