import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bodyOf, createFakeServices } from "../test-support/fake-context.js";
import { compileOrThrow, documentWith, runWith } from "../test-support/run.js";

describe("rate-limit-by-key", () => {
  const pipeline = compileOrThrow({
    api: documentWith(
      "inbound",
      `<rate-limit-by-key calls="2" renewal-period="60" counter-key="client-a" remaining-calls-header-name="x-remaining" total-calls-header-name="x-total" remaining-calls-variable-name="left"/>`,
    ),
  });

  test("counts per key and answers 429 with Retry-After and APIM's body when exceeded", async () => {
    const services = createFakeServices();
    const first = await runWith(pipeline, services);
    assert.equal(first.response?.statusCode, 200);
    assert.deepEqual(first.response?.headers.get("x-remaining"), ["1"]);
    assert.deepEqual(first.response?.headers.get("x-total"), ["2"]);
    assert.equal(first.variables.get("left"), 1);
    await runWith(pipeline, services);
    services.clock.advance(15_000);
    const third = await runWith(pipeline, services);
    assert.equal(third.response?.statusCode, 429);
    assert.deepEqual(third.response?.headers.get("retry-after"), ["45"]);
    assert.deepEqual(JSON.parse(bodyOf(third.response)), {
      statusCode: 429,
      message: "Rate limit is exceeded. Try again in 45 seconds.",
    });
    assert.equal(third.lastError?.reason, "RateLimitExceeded");
    services.clock.advance(45_000);
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 200);
  });
});

describe("rate-limit (per subscription, with api/operation limits)", () => {
  test("the API child limit applies only to its API", async () => {
    const pipeline = compileOrThrow({
      product: documentWith(
        "inbound",
        `<rate-limit calls="100" renewal-period="60"><api name="Echo API" calls="1" renewal-period="30"/><api name="Other" calls="1" renewal-period="30"/></rate-limit>`,
      ),
    });
    const services = createFakeServices();
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 200);
    const second = await runWith(pipeline, services);
    assert.equal(second.response?.statusCode, 429);
    assert.deepEqual(second.response?.headers.get("retry-after"), ["30"]);
  });
});

describe("quota and quota-by-key", () => {
  test("403 with the replenish time once the call volume is used", async () => {
    const pipeline = compileOrThrow({ product: documentWith("inbound", `<quota calls="1" renewal-period="3600"/>`) });
    const services = createFakeServices(Date.UTC(2026, 0, 1, 10, 0, 0));
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 200);
    services.clock.advance(60_000);
    const denied = await runWith(pipeline, services);
    assert.equal(denied.response?.statusCode, 403);
    assert.deepEqual(
      JSON.parse(bodyOf(denied.response)).message,
      "Out of call volume quota. Quota will be replenished in 00:59:00.",
    );
    assert.deepEqual(denied.response?.headers.get("retry-after"), ["3540"]);
  });

  test("quota-by-key counts per key value", async () => {
    const pipeline = compileOrThrow({
      api: documentWith("inbound", `<quota-by-key calls="1" renewal-period="300" counter-key="k1"/>`),
    });
    const services = createFakeServices();
    await runWith(pipeline, services);
    assert.equal((await runWith(pipeline, services)).lastError?.reason, "QuotaExceeded");
  });
});

describe("limit-concurrency", () => {
  test("excess concurrent runs fail at once with 429; slots are released", async () => {
    const services = createFakeServices();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    services.httpHandler = async () => {
      await gate;
      return { statusCode: 200, statusReason: "OK", headers: [], body: Buffer.alloc(0) };
    };
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<limit-concurrency key="k" max-count="1"><send-request mode="new" response-variable-name="r"><set-url>http://svc.test/</set-url></send-request></limit-concurrency>`,
      ),
    });
    const slow = runWith(pipeline, services);
    const refused = await runWith(pipeline, services);
    assert.equal(refused.response?.statusCode, 429);
    release();
    assert.equal((await slow).response?.statusCode, 200);
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 200);
  });
});
