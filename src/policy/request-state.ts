// Per-request state that statements hand to later stages without widening the gateway contract:
// response headers decided in inbound (rate-limit counters, CORS), work to do once the response is
// known (conditional counter increments), and the cache key found by cache-lookup for cache-store.
import type { PolicyContext } from "./types.js";

interface RequestState {
  responseHeaders?: Array<[string, string]>;
  completions?: Array<(ctx: PolicyContext) => unknown>;
  cacheKey?: string;
}

const states = new WeakMap<PolicyContext, RequestState>();

function stateOf(ctx: PolicyContext): RequestState {
  let s = states.get(ctx);
  if (!s) {
    s = {};
    states.set(ctx, s);
  }
  return s;
}

/** Adds a header to whatever response the request ends with. */
export function deferResponseHeader(ctx: PolicyContext, name: string, value: string): void {
  const s = stateOf(ctx);
  if (!s.responseHeaders) s.responseHeaders = [];
  s.responseHeaders.push([name.toLowerCase(), value]);
}

/** Runs `fn` after the pipeline, when ctx.response is final. */
export function onComplete(ctx: PolicyContext, fn: (ctx: PolicyContext) => unknown): void {
  const s = stateOf(ctx);
  if (!s.completions) s.completions = [];
  s.completions.push(fn);
}

export function setCacheKey(ctx: PolicyContext, key: string): void {
  stateOf(ctx).cacheKey = key;
}

export function cacheKeyOf(ctx: PolicyContext): string | undefined {
  return states.get(ctx)?.cacheKey;
}

/** True when deferred response headers or completion work wait for the response. */
export function hasPendingWork(ctx: PolicyContext): boolean {
  const s = states.get(ctx);
  return s !== undefined && (s.completions !== undefined || s.responseHeaders !== undefined);
}

/** Starts completion work (not awaited: the answer is not held back), then applies deferred headers. */
export function completeRequest(ctx: PolicyContext, onFailure: (error: unknown) => void): void {
  const s = states.get(ctx);
  if (!s) return;
  // Completions run first: what they learn from the response (token usage) may become headers.
  if (s.completions) {
    for (const fn of s.completions) {
      try {
        const out = fn(ctx);
        if (out instanceof Promise) out.catch(onFailure);
      } catch (error) {
        onFailure(error);
      }
    }
  }
  if (s.responseHeaders && ctx.response) {
    for (const [name, value] of s.responseHeaders) ctx.response.headers.set(name, [value]);
  }
  states.delete(ctx);
}
