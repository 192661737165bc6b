// Conformance cases as data: cases/<element>/<case>.xml holds statements, the .json next to it the
// request and the expected answer. One loop runs them all through compile + run with fake services.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { FakeRequest } from "./test-support/fake-context.js";
import { bodyOf, createFakeServices } from "./test-support/fake-context.js";
import { compileOrThrow, documentWith, runWith } from "./test-support/run.js";
import type { PolicyContext, PolicyScope, Section } from "./types.js";

interface Case {
  section?: Section;
  scope?: Extract<PolicyScope, "product" | "api" | "operation">;
  request?: FakeRequest;
  repeat?: number;
  expect: {
    status: number;
    reason?: string;
    headers?: Record<string, string[] | null>;
    requestHeaders?: Record<string, string[] | null>;
    query?: Record<string, string[]>;
    body?: string;
    json?: unknown;
    variables?: Record<string, unknown>;
    lastError?: { source: string; reason: string };
    forwarded?: boolean;
  };
}

const root = new URL("./cases/", import.meta.url).pathname;

function check(ctx: PolicyContext, c: Case, forwarded: number): void {
  const e = c.expect;
  assert.equal(ctx.response?.statusCode, e.status);
  if (e.reason !== undefined) assert.equal(ctx.response?.statusReason, e.reason);
  for (const [k, v] of Object.entries(e.headers ?? {}))
    assert.deepEqual(ctx.response?.headers.get(k) ?? null, v, `response header ${k}`);
  for (const [k, v] of Object.entries(e.requestHeaders ?? {}))
    assert.deepEqual(ctx.request.headers.get(k) ?? null, v, `request header ${k}`);
  for (const [k, v] of Object.entries(e.query ?? {})) assert.deepEqual(ctx.request.url.query.get(k), v, `query ${k}`);
  if (e.body !== undefined) assert.equal(bodyOf(ctx.response), e.body);
  if (e.json !== undefined) assert.deepEqual(JSON.parse(bodyOf(ctx.response)), e.json);
  for (const [k, v] of Object.entries(e.variables ?? {})) assert.deepEqual(ctx.variables.get(k), v, `variable ${k}`);
  if (e.lastError)
    assert.deepEqual([ctx.lastError?.source, ctx.lastError?.reason], [e.lastError.source, e.lastError.reason]);
  if (e.forwarded !== undefined) assert.equal(forwarded > 0, e.forwarded);
}

for (const element of readdirSync(root).sort()) {
  describe(`cases/${element}`, () => {
    for (const file of readdirSync(join(root, element))
      .filter((f) => f.endsWith(".xml"))
      .sort()) {
      const name = file.slice(0, -4);
      test(name, async () => {
        const statements = readFileSync(join(root, element, file), "utf8");
        const c = JSON.parse(readFileSync(join(root, element, `${name}.json`), "utf8")) as Case;
        const pipeline = compileOrThrow({ [c.scope ?? "api"]: documentWith(c.section ?? "inbound", statements) });
        const services = createFakeServices();
        let ctx: PolicyContext | undefined;
        for (let i = 0; i < (c.repeat ?? 1); i++) ctx = await runWith(pipeline, services, c.request);
        check(ctx as PolicyContext, c, services.forwardCalls.length);
      });
    }
  });
}
