import assert from "node:assert/strict";
import { test } from "node:test";
import { createManualClock } from "../core/clock.js";
import { createRateLimiter } from "./rate-limit.js";

test("fixed windows per key", () => {
  const clock = createManualClock(0);
  const limiter = createRateLimiter(clock);
  const rule = { limit: 2, windowMs: 1000 };
  assert.deepEqual([limiter.hit("a", rule), limiter.hit("a", rule), limiter.hit("a", rule)], [0, 0, 1000]);
  assert.equal(limiter.hit("b", rule), 0, "keys are independent");
  clock.advance(400);
  assert.equal(limiter.hit("a", rule), 600);
  clock.advance(600);
  assert.equal(limiter.hit("a", rule), 0, "a new window");
  limiter.hit("a", rule);
  limiter.reset("a");
  assert.equal(limiter.hit("a", rule), 0);
});
