// retry waits on the services' clock: these tests drive a manual clock and read what the policy waits for,
// so back-off sequences of minutes are proven without any real waiting.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FakeServices } from "../test-support/fake-context.js";
import { createFakeServices } from "../test-support/fake-context.js";
import { runStatements } from "../test-support/run.js";
import type { PolicyContext } from "../types.js";

const call = `<send-request mode="new" response-variable-name="r" timeout="5"><set-url>http://svc.test/</set-url><set-method>GET</set-method></send-request>`;

/** Lets promise chains and immediates run until the policy is parked on the clock again. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Started {
  services: FakeServices;
  done: () => boolean;
  result: Promise<PolicyContext>;
}

function start(retryAttributes: string, signal?: AbortSignal): Started {
  const services = createFakeServices();
  let finished = false;
  const result = runStatements(`<retry condition="true" ${retryAttributes}>${call}</retry>`, {
    services,
    request: { signal },
  }).finally(() => {
    finished = true;
  });
  return { services, done: () => finished, result };
}

/** Advances the clock by each pending wait in turn and returns the waits seen, checking one attempt per wake. */
async function backoff(s: Started): Promise<number[]> {
  const waits: number[] = [];
  await settle();
  while (!s.done()) {
    const pending = s.services.clock.pending();
    assert.equal(pending.length, 1, "retry waits on exactly one timer");
    const attempts = s.services.httpCalls.length;
    const wait = pending[0] as number;
    waits.push(wait);
    if (wait > 1) {
      // one millisecond short of the deadline nothing happens
      s.services.clock.advance(wait - 1);
      await settle();
      assert.equal(s.services.httpCalls.length, attempts);
      s.services.clock.advance(1);
    } else s.services.clock.advance(wait);
    await settle();
    assert.equal(s.services.httpCalls.length, attempts + 1);
  }
  await s.result;
  return waits;
}

describe("retry back-off on the clock", () => {
  test("fixed interval", async () => {
    const s = start(`count="3" interval="30"`);
    assert.deepEqual(await backoff(s), [30_000, 30_000, 30_000]);
    assert.equal(s.services.httpCalls.length, 4);
  });

  test("linear: interval + (n-1)·delta", async () => {
    const s = start(`count="4" interval="1" delta="2"`);
    assert.deepEqual(await backoff(s), [1000, 3000, 5000, 7000]);
  });

  test("exponential capped by max-interval: the documented 10, 20, 40, 80, 100 s", async (t) => {
    t.mock.method(Math, "random", () => 0.5); // jitter factor 1.0
    const s = start(`count="6" interval="10" delta="10" max-interval="100"`);
    assert.deepEqual(await backoff(s), [10_000, 20_000, 40_000, 80_000, 100_000, 100_000]);
  });

  test("exponential jitter stays within 0.8–1.2 of delta", async () => {
    const s = start(`count="4" interval="10" delta="10" max-interval="300"`);
    const waits = await backoff(s);
    assert.equal(waits[0], 10_000);
    const bounds = [
      [18_000, 22_000],
      [34_000, 46_000],
      [66_000, 94_000],
    ];
    for (const [i, [lo, hi]] of bounds.entries()) {
      const w = waits[i + 1] as number;
      assert.ok(w >= (lo as number) && w <= (hi as number), `wait ${i + 2} = ${w}`);
    }
  });

  test("first-fast-retry: the first retry goes at once, the later ones keep their delay", async () => {
    const s = start(`count="3" interval="5" delta="5" first-fast-retry="true"`);
    await settle();
    // the immediate retry needs no clock movement at all
    assert.equal(s.services.httpCalls.length, 2);
    assert.deepEqual(s.services.clock.pending(), [10_000]);
    assert.deepEqual(await backoff(s), [10_000, 15_000]);
    assert.equal(s.services.httpCalls.length, 4);
  });

  test("stops as soon as the condition is false, with no timer left behind", async () => {
    const services = createFakeServices();
    let n = 0;
    services.httpHandler = () => ({
      statusCode: ++n < 3 ? 503 : 200,
      statusReason: "",
      headers: [],
      body: Buffer.from(""),
    });
    const run = runStatements(
      `<retry condition="@(((IResponse)context.Variables[&quot;r&quot;]).StatusCode == 503)" count="10" interval="60">${call}</retry>`,
      { services },
    );
    await settle();
    services.clock.advance(60_000);
    await settle();
    services.clock.advance(60_000);
    await run;
    assert.equal(services.httpCalls.length, 3);
    assert.deepEqual(services.clock.pending(), []);
  });

  test("a client that disconnects while retry waits ends the run at once with ClientConnectionFailure", async () => {
    const client = new AbortController();
    const s = start(`count="5" interval="300"`, client.signal);
    await settle();
    assert.deepEqual(s.services.clock.pending(), [300_000]);
    client.abort();
    const ctx = await s.result;
    assert.equal(s.services.httpCalls.length, 1);
    assert.deepEqual(s.services.clock.pending(), []);
    assert.equal(ctx.lastError?.source, "retry");
    assert.equal(ctx.lastError?.reason, "ClientConnectionFailure");
  });

  test("an already-aborted request does not retry", async () => {
    const client = new AbortController();
    client.abort();
    const s = start(`count="5" interval="0"`, client.signal);
    const ctx = await s.result;
    assert.equal(s.services.httpCalls.length, 1);
    assert.equal(ctx.lastError?.reason, "ClientConnectionFailure");
  });
});
