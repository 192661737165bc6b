// Access log lines over real sockets: one JSON line per request with the request id the client saw,
// and no subscription key anywhere in it.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { pino } from "pino";
import { request } from "undici";
import { startTestGateway, startUpstream } from "../testing/harness.js";
import { REDACT_PATHS } from "./access-log.js";

test("access log: one line per request, request id, status, redacted key", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  const upstream = await startUpstream();
  const gw = await startTestGateway(
    [
      ["api", "apis/a", { displayName: "a", path: "a", serviceUrl: upstream.url, protocols: ["http"] }],
      ["operation", "apis/a/operations/any", { displayName: "any", method: "GET", urlTemplate: "/*" }],
      [
        "subscription",
        "subscriptions/s",
        { scope: "/apis", state: "active", primaryKey: "secret-key-1", secondaryKey: "secret-key-2" },
      ],
    ],
    { logger: pino({ level: "info", redact: REDACT_PATHS }, sink) },
  );
  try {
    const r = await request(`${gw.url}/a/x?subscription-key=secret-key-1&y=2`, {
      headers: { authorization: "Bearer t0ken" },
    });
    assert.equal(r.statusCode, 200);
    await r.body.dump();
    const id = r.headers["x-request-id"];
    const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.requestId === id);
    assert.ok(entry, "a line with the request id");
    assert.equal(entry.status, 200);
    assert.equal(entry.api, "a");
    assert.equal(entry.operation, "any");
    assert.equal(entry.url, "/a/x?subscription-key=[REDACTED]&y=2");
    assert.equal(typeof entry.durationMs, "number");
    assert.ok(!lines.some((l) => l.includes("secret-key-1") || l.includes("t0ken")));
  } finally {
    await gw.close();
    await upstream.close();
  }
});
