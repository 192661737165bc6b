// <limit-concurrency key max-count>…</limit-concurrency>: at most max-count runs of the children per key;
// excess requests fail at once with 429.
import type { ParsedStatement } from "../definition.js";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { PolicyResponseError } from "../errors.js";
import { isPromise } from "../sequence.js";
import type { Outcome, PolicyContext } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

export const limitConcurrency = definePolicy<{ key: Dyn<string>; max: number; children: ParsedStatement[] }>({
  name: "limit-concurrency",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    const key = p.nonEmpty(el, "key", { required: true });
    const max = p.integer(el, "max-count", { required: true, min: 1, expression: false });
    p.noText(el);
    const children = p.statements(el.children);
    if (p.failedSince(m) || !key || max?.kind !== "const") return undefined;
    return { key, max: max.value, children };
  },
  compile({ key, max, children }, deps) {
    const body = deps.sequence(children);
    const readKey = getter(key);
    const run = (ctx: PolicyContext, k: string): Outcome | Promise<Outcome> => {
      let out: Outcome | Promise<Outcome>;
      try {
        out = body(ctx);
      } catch (error) {
        ctx.services.counters.release(k);
        throw error;
      }
      if (!isPromise(out)) {
        ctx.services.counters.release(k);
        return out;
      }
      return out.finally(() => ctx.services.counters.release(k));
    };
    const refuse = () =>
      new PolicyResponseError(
        "limit-concurrency",
        "ConcurrencyLimitExceeded",
        "Too many concurrent requests. Try again later.",
        429,
      );
    return (ctx) => {
      const k = `concurrency:${readKey(ctx)}`;
      const acquired = ctx.services.counters.acquire(k, max);
      if (isPromise(acquired)) {
        return acquired.then((ok) => {
          if (!ok) throw refuse();
          return run(ctx, k);
        });
      }
      if (!acquired) throw refuse();
      return run(ctx, k);
    };
  },
});
