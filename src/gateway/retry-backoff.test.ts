// retry in a running gateway waits on the gateway's clock: with a manual clock the back-off is driven by
// the test (no real waiting), and a client that disconnects while retry waits ends the retries at once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { createManualClock } from "../core/clock.js";
import { until } from "../test-support/wait.js";
import { apimPolicyEngine } from "./default-engine.js";
import { openApi, startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

const retrying = (attributes: string) =>
  `<policies><inbound><base /></inbound><backend><retry condition="@(context.Response.StatusCode == 503)" ${attributes}><forward-request buffer-request-body="true" /></retry></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

/** Polls (real time, bounded) until `cond` holds. */
describe("gateway: retry back-off on the gateway's clock", () => {
  const clock = createManualClock(Date.parse("2026-11-27T12:00:00Z"));
  let calls = { flaky: 0, down: 0 };
  let upstream: Upstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const flaky = req.url?.startsWith("/flaky") ?? false;
      const n = flaky ? ++calls.flaky : ++calls.down;
      res.writeHead(flaky && n >= 3 ? 200 : 503, { "content-type": "text/plain" });
      res.end(`attempt ${n}`);
    });
    gw = await startTestGateway(
      [
        ["api", "apis/flaky", openApi("flaky", `${upstream.url}/flaky`)],
        [
          "operation",
          "apis/flaky/operations/get",
          { displayName: "get", method: "GET", urlTemplate: "/", responses: [] },
        ],
        [
          "policy",
          "apis/flaky/policies/policy",
          { value: retrying(`count="5" interval="10" delta="10" max-interval="100"`) },
        ],
        ["api", "apis/down", openApi("down", `${upstream.url}/down`)],
        [
          "operation",
          "apis/down/operations/get",
          { displayName: "get", method: "GET", urlTemplate: "/", responses: [] },
        ],
        ["policy", "apis/down/policies/policy", { value: retrying(`count="5" interval="300"`) }],
      ],
      { engine: apimPolicyEngine, clock },
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test("exponential back-off: waits of 10 s then about 20 s, driven by the clock", async (t) => {
    t.mock.method(Math, "random", () => 0.5);
    calls = { flaky: 0, down: 0 };
    const started = Date.now();
    const pending = request(`${gw.url}/flaky/`).then(async (r) => ({
      status: r.statusCode,
      text: await r.body.text(),
    }));
    await until(() => calls.flaky === 1 && clock.pending().includes(10_000), "the first wait");
    clock.advance(10_000);
    await until(() => calls.flaky === 2 && clock.pending().includes(20_000), "the second wait");
    clock.advance(20_000);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.text, "attempt 3");
    assert.ok(Date.now() - started < 5000, "no real waiting");
  });

  test("a client that goes away while retry waits stops the retries", async () => {
    calls = { flaky: 0, down: 0 };
    const client = new AbortController();
    const pending = request(`${gw.url}/down/`, { signal: client.signal }).catch((e: Error) => e);
    await until(() => calls.down === 1 && clock.pending().includes(300_000), "the wait");
    client.abort();
    assert.ok((await pending) instanceof Error);
    await until(() => !clock.pending().includes(300_000), "the wait to be abandoned");
    clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.down, 1);
  });
});
