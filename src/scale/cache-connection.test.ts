import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredEntity } from "../model/resources.js";
import { parseCacheConnectionString, selectCacheFor } from "./cache-connection.js";

test("APIM cache connection strings become Redis URLs", () => {
  const table: [string, string][] = [
    [
      "contoso.redis.cache.windows.net:6380,password=abc=,ssl=True,abortConnect=False",
      "rediss://:abc%3D@contoso.redis.cache.windows.net:6380",
    ],
    ["cache.internal:6379,password=p@ss,ssl=False", "redis://:p%40ss@cache.internal:6379"],
    ["cache.internal", "redis://cache.internal:6379"],
    ["cache.internal,ssl=true", "rediss://cache.internal:6380"],
    ["10.0.0.4:7000,defaultDatabase=2", "redis://10.0.0.4:7000/2"],
    ["redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/1"],
  ];
  for (const [input, url] of table) assert.deepEqual(parseCacheConnectionString(input), { url }, input);
});

test("bad connection strings are named, not thrown", () => {
  const table: [string, RegExp][] = [
    ["", /empty/],
    ["host:99999", /out of range/],
    ["bad host:1", /not host\[:port\]/],
    ["host:1,password", /"password" is not key=value/],
    ["host,defaultDatabase=x", /defaultDatabase/],
    ["redis://", /redis:\/\/ URL|no host/],
  ];
  for (const [input, why] of table) {
    const r = parseCacheConnectionString(input);
    assert.ok("error" in r, input);
    assert.match(r.error, why, input);
  }
});

const cache = (name: string, useFromLocation: string): StoredEntity => ({
  kind: "cache",
  id: `caches/${name}`,
  name,
  parentId: "",
  properties: { useFromLocation, connectionString: `${name}.redis:6379` },
  etag: '"1"',
  revision: 1,
});

test("a unit uses its location's cache, else the default one, else none", () => {
  const caches = [cache("default", "default"), cache("eu", "West Europe"), cache("us", "eastus")];
  assert.equal(selectCacheFor(caches, "westeurope")?.name, "eu");
  assert.equal(selectCacheFor(caches, "East US")?.name, "us");
  assert.equal(selectCacheFor(caches, "japaneast")?.name, "default");
  assert.equal(selectCacheFor([cache("eu", "westeurope")], "japaneast"), undefined);
  assert.equal(selectCacheFor([], "westeurope"), undefined);
});
