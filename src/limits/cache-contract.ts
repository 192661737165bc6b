// One behaviour suite for ResponseCache + ValueCache backends (memory, Redis). Expiry itself is
// tested per backend: the memory cache follows the injected Clock, Redis its own clock.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { CachedResponse, ResponseCache, ValueCache } from "../policy/types.js";

export interface CacheSubject {
  responses: ResponseCache;
  values: ValueCache;
  close?: () => Promise<void> | void;
}

const sample: CachedResponse = {
  statusCode: 200,
  statusReason: "OK",
  headers: [
    ["content-type", "application/octet-stream"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
  ],
  body: Buffer.from([0, 1, 2, 255, 254, 10, 13]),
};

export function cacheContract(name: string, create: () => Promise<CacheSubject> | CacheSubject): void {
  describe(`cache contract: ${name}`, () => {
    const closers: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const close of closers) await close();
    });
    async function subject() {
      const s = await create();
      if (s.close) closers.push(s.close);
      return s;
    }

    test("a stored response comes back byte for byte, headers in order", async () => {
      const { responses } = await subject();
      assert.equal(await responses.get("r"), undefined);
      await responses.set("r", sample, 60);
      assert.deepEqual(await responses.get("r"), sample);
    });

    test("set replaces; a non-positive duration stores nothing and drops the old entry", async () => {
      const { responses, values } = await subject();
      await responses.set("r", sample, 60);
      await responses.set("r", { ...sample, statusCode: 404, statusReason: "Not Found" }, 60);
      assert.equal(((await responses.get("r")) as CachedResponse).statusCode, 404);
      await responses.set("r", sample, 0);
      assert.equal(await responses.get("r"), undefined);
      await values.set("v", "x", 60);
      await values.set("v", "y", -1);
      assert.equal(await values.get("v"), undefined);
    });

    test("values round-trip as JSON copies and can be deleted", async () => {
      const { values } = await subject();
      const stored = { user: "ada", roles: ["admin"], n: 3, ok: true, none: null };
      await values.set("obj", stored, 60);
      await values.set("str", "text", 60);
      await values.set("num", 42, 60);
      stored.roles.push("mutated after set");
      assert.deepEqual(await values.get("obj"), { user: "ada", roles: ["admin"], n: 3, ok: true, none: null });
      assert.equal(await values.get("str"), "text");
      assert.equal(await values.get("num"), 42);
      await values.delete("str");
      assert.equal(await values.get("str"), undefined);
      await values.delete("never-set");
      await values.set("obj", undefined, 60);
      assert.equal(await values.get("obj"), undefined);
    });

    test("keys are independent", async () => {
      const { values } = await subject();
      await values.set("a", 1, 60);
      await values.set("b", 2, 60);
      assert.deepEqual([await values.get("a"), await values.get("b"), await values.get("c")], [1, 2, undefined]);
    });
  });
}
