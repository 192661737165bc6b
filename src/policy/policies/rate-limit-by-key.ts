// <rate-limit-by-key calls renewal-period counter-key [increment-condition] [increment-count] …/>
// One counter per key value, shared by every scope using that key; 429 + Retry-After when exceeded.
// With increment-condition, the call is checked on the way in and counted once the response is known
// (conditions usually look at context.Response.StatusCode).
import type { Getter } from "../definition.js";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { onComplete } from "../request-state.js";
import { isPromise } from "../sequence.js";
import type { Outcome, PolicyContext, RateLimitResult } from "../types.js";
import { CONTINUE } from "../types.js";
import type { Reporting } from "./limits-common.js";
import { parseReporting, reportRateLimit } from "./limits-common.js";

interface Config {
  calls: Dyn<number>;
  periodS: Dyn<number>;
  key: Dyn<string>;
  condition: Dyn<boolean> | undefined;
  increment: Dyn<number> | undefined;
  reporting: Reporting;
}

export const rateLimitByKey = definePolicy<Config>({
  name: "rate-limit-by-key",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const calls = p.integer(el, "calls", { required: true, min: 1 });
    const periodS = p.integer(el, "renewal-period", { required: true, min: 1, max: 300 });
    const key = p.nonEmpty(el, "counter-key", { required: true });
    const condition = p.boolean(el, "increment-condition");
    const increment = p.integer(el, "increment-count", { min: 0 });
    const reporting = parseReporting(el, p, "calls");
    if (p.failedSince(m) || !calls || !periodS || !key) return undefined;
    return { calls, periodS, key, condition, increment, reporting };
  },
  compile(config) {
    const calls = getter(config.calls);
    const periodS = getter(config.periodS);
    const key = getter(config.key);
    const increment: Getter<number> = config.increment ? getter(config.increment) : () => 1;
    const condition = config.condition ? getter(config.condition) : undefined;
    const r = config.reporting;
    const after = (ctx: PolicyContext, limit: number, result: RateLimitResult, peek: boolean): Outcome => {
      const exceeded = !result.allowed || (peek && result.remaining <= 0);
      reportRateLimit(ctx, r, result, limit, exceeded, "rate-limit-by-key");
      return CONTINUE;
    };
    return (ctx) => {
      const limit = calls(ctx);
      const windowMs = periodS(ctx) * 1000;
      const k = `rate-limit-by-key:${key(ctx)}`;
      const counters = ctx.services.counters;
      if (condition) {
        const count = increment(ctx);
        onComplete(ctx, (done) => (condition(done) ? counters.hit(k, limit, windowMs, count) : undefined));
        const peeked = counters.hit(k, limit, windowMs, 0);
        return isPromise(peeked) ? peeked.then((res) => after(ctx, limit, res, true)) : after(ctx, limit, peeked, true);
      }
      const result = counters.hit(k, limit, windowMs, increment(ctx));
      return isPromise(result) ? result.then((res) => after(ctx, limit, res, false)) : after(ctx, limit, result, false);
    };
  },
});
