// <retry condition count interval [max-interval] [delta] [first-fast-retry]>…</retry>: runs the children
// once, then again while the condition holds and attempts remain, waiting between attempts on the
// services' clock (so tests advance time instead of waiting) and letting go when the client disconnects.
import type { ParsedStatement } from "../definition.js";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { isPromise } from "../sequence.js";
import type { Outcome, PolicyContext } from "../types.js";
import { PolicyError } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

interface RetryConfig {
  condition: Dyn<boolean>;
  count: Dyn<number>;
  intervalS: Dyn<number>;
  maxIntervalS: Dyn<number> | undefined;
  deltaS: Dyn<number> | undefined;
  firstFastRetry: Dyn<boolean> | undefined;
  children: ParsedStatement[];
}

/**
 * Delay before retry number `n` (1-based), in ms, as APIM documents it:
 * - interval only: `interval` every time;
 * - interval + delta: linear, `interval + (n - 1)·delta`;
 * - interval + delta + max-interval: exponential, `interval + (2^(n-1) - 1)·random(0.8·delta, 1.2·delta)` capped
 *   at max-interval (the docs' example: interval = delta = 10 s, max 100 s → about 10, 20, 40, 80, 100, 100 … s);
 * - first-fast-retry: the first retry goes at once; the later ones keep their own number's delay.
 */
export function retryDelayMs(
  n: number,
  o: { intervalS: number; maxIntervalS?: number; deltaS?: number; firstFastRetry: boolean },
  random: () => number = Math.random,
): number {
  if (o.firstFastRetry && n === 1) return 0;
  let seconds = o.intervalS;
  if (o.deltaS !== undefined && o.maxIntervalS === undefined) seconds = o.intervalS + (n - 1) * o.deltaS;
  else if (o.deltaS !== undefined && o.maxIntervalS !== undefined) {
    const jitter = 0.8 + random() * 0.4;
    seconds = Math.min(o.intervalS + (2 ** (n - 1) - 1) * jitter * o.deltaS, o.maxIntervalS);
  }
  return Math.max(0, Math.round(seconds * 1000));
}

/** Waits on the services' clock; a client that went away ends the retries (APIM's ClientConnectionFailure). */
async function pause(ctx: PolicyContext, ms: number): Promise<void> {
  try {
    await ctx.services.clock.sleep(ms, ctx.signal);
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
    throw new PolicyError("retry", "ClientConnectionFailure", "The client disconnected while retry was waiting.", 499, {
      cause: error,
    });
  }
}

export const retry = definePolicy<RetryConfig>({
  name: "retry",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    const condition = p.boolean(el, "condition", { required: true });
    const count = p.integer(el, "count", { required: true, min: 1, max: 50 });
    const intervalS = p.integer(el, "interval", { required: true, min: 0, max: 300 });
    const maxIntervalS = p.integer(el, "max-interval", { min: 0, max: 300 });
    const deltaS = p.integer(el, "delta", { min: 0, max: 300 });
    const firstFastRetry = p.boolean(el, "first-fast-retry");
    p.noText(el);
    // The reference: "may contain any other policies as its child elements, except for wait policy".
    for (const child of el.children) {
      if (child.name === "wait")
        p.error("POLICY_ERR_CHILD_NOT_ALLOWED", `<wait> at line ${child.line} is not allowed inside <retry>`, child);
    }
    const children = p.statements(el.children);
    if (p.failedSince(m) || !condition || !count || !intervalS) return undefined;
    return { condition, count, intervalS, maxIntervalS, deltaS, firstFastRetry, children };
  },
  compile(config, deps) {
    const body = deps.sequence(config.children);
    const condition = getter(config.condition);
    const count = getter(config.count);
    const interval = getter(config.intervalS);
    const maxInterval = config.maxIntervalS ? getter(config.maxIntervalS) : undefined;
    const delta = config.deltaS ? getter(config.deltaS) : undefined;
    const fast = config.firstFastRetry ? getter(config.firstFastRetry) : () => false;
    const again = async (ctx: PolicyContext, first: Outcome | Promise<Outcome>): Promise<Outcome> => {
      let out = isPromise(first) ? await first : first;
      const max = count(ctx);
      for (let n = 1; n <= max && out.kind === "continue" && condition(ctx); n++) {
        const wait = retryDelayMs(n, {
          intervalS: interval(ctx),
          maxIntervalS: maxInterval?.(ctx),
          deltaS: delta?.(ctx),
          firstFastRetry: fast(ctx),
        });
        await pause(ctx, wait);
        const next = body(ctx);
        out = isPromise(next) ? await next : next;
      }
      return out;
    };
    return (ctx) => {
      const first = body(ctx);
      // Most runs succeed first time: stay synchronous unless the body or a retry needs to wait.
      if (!isPromise(first) && (first.kind === "respond" || !condition(ctx))) return first;
      return again(ctx, first);
    };
  },
});
