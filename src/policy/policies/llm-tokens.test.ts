import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createFakeServices } from "../test-support/fake-context.js";
import { compileOrThrow, documentWith, runWith } from "../test-support/run.js";

const completion = (total: number) => () => ({
  statusCode: 200,
  statusReason: "OK",
  headers: new Map([["content-type", ["application/json"]]]),
  body: {
    buffered: true,
    bytes: Buffer.from(
      JSON.stringify({ usage: { prompt_tokens: total - 10, completion_tokens: 10, total_tokens: total } }),
    ),
  },
});

describe("llm-token-limit / azure-openai-token-limit", () => {
  test("charges the tokens a response used; a used-up minute answers 429", async () => {
    const services = createFakeServices();
    services.backend = completion(60);
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<azure-openai-token-limit counter-key="team-a" tokens-per-minute="100" remaining-tokens-variable-name="left" tokens-consumed-header-name="x-used"/>`,
      ),
    });
    const first = await runWith(pipeline, services, { method: "POST", body: "{}" });
    assert.equal(first.variables.get("left"), 100);
    assert.deepEqual(first.response?.headers.get("x-used"), ["60"]);
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 200);
    const third = await runWith(pipeline, services);
    assert.equal(third.response?.statusCode, 429);
    assert.equal(third.lastError?.reason, "TokenLimitExceeded");
    services.clock.advance(60_000);
    assert.equal((await runWith(pipeline, services)).response?.statusCode, 200);
  });

  test("needs a limit; asks the gateway to buffer the response", () => {
    assert.throws(
      () => compileOrThrow({ api: documentWith("inbound", `<llm-token-limit counter-key="k"/>`) }),
      /tokens-per-minute/,
    );
    assert.equal(
      compileOrThrow({ api: documentWith("inbound", `<llm-token-limit counter-key="k" tokens-per-minute="5"/>`) })
        .needsResponseBody,
      true,
    );
  });
});

describe("llm-emit-token-metric", () => {
  test("emits prompt, completion and total tokens with the dimensions", async () => {
    const services = createFakeServices();
    services.backend = completion(25);
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<llm-emit-token-metric namespace="ai"><dimension name="team" value="blue"/></llm-emit-token-metric>`,
      ),
    });
    await runWith(pipeline, services);
    assert.deepEqual(
      services.metrics.map((m) => [m.name, m.value, m.dimensions.team, m.namespace]),
      [
        ["Prompt Tokens", 15, "blue", "ai"],
        ["Completion Tokens", 10, "blue", "ai"],
        ["Total Tokens", 25, "blue", "ai"],
      ],
    );
  });
});
