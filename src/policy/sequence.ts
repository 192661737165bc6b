// Runs statements in order. Synchronous steps stay synchronous; the first promise switches the rest of
// the run to an async loop, so a section without I/O never allocates a promise.
import type { StatementOrigin } from "./definition.js";
import { recordOrigin } from "./errors.js";
import type { Outcome, PolicyContext, Step } from "./types.js";
import { CONTINUE } from "./types.js";

/** The shared step of an empty section. */
export const NOOP: Step = () => CONTINUE;

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

export function createSequence(steps: readonly Step[], origins: readonly StatementOrigin[]): Step {
  if (steps.length === 0) return NOOP;
  const n = steps.length;
  const resume = async (ctx: PolicyContext, pending: Promise<Outcome>, index: number): Promise<Outcome> => {
    let i = index;
    try {
      let out = await pending;
      for (;;) {
        if (out.kind === "respond") return out;
        i++;
        if (i >= n) return CONTINUE;
        const next = (steps[i] as Step)(ctx);
        out = isPromise(next) ? await next : next;
      }
    } catch (error) {
      recordOrigin(error, origins[i] as StatementOrigin);
      throw error;
    }
  };
  return (ctx) => {
    let i = 0;
    try {
      for (; i < n; i++) {
        const out = (steps[i] as Step)(ctx);
        if (isPromise(out)) return resume(ctx, out, i);
        if (out.kind === "respond") return out;
      }
    } catch (error) {
      recordOrigin(error, origins[i] as StatementOrigin);
      throw error;
    }
    return CONTINUE;
  };
}
