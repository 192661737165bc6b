// The counting rules, written once as pure functions over small mutable state records. The memory
// store runs them directly; the Redis Lua scripts (redis-scripts.ts) are line-for-line translations
// (same operation order, so IEEE doubles round the same way in Lua and JavaScript) and the shared
// contract suite checks that both give identical answers.
//
// Rate limits: a two-bucket weighted sliding window (as nginx/Cloudflare do). Windows are aligned to
// multiples of `windowMs` since the epoch; the estimate for "the last windowMs" is
//   ceil(previous × (windowMs − elapsed) / windowMs) + current
// where elapsed is the time since the current window began. It needs two integers per key instead
// of a timestamp per call (exact rings cost O(limit) memory for limits such as 10 000/hour) and
// never lets more than `limit` calls through in any aligned window; a burst straddling a boundary
// is judged by the weighted estimate, which the ceil keeps on the strict side.
//
// Quotas: fixed periods aligned to firstPeriodStartMs (default: the epoch), counting calls and
// kilobytes. A call is admitted when it fits on every limited axis; a call that adds no calls
// (usage.calls = 0: the gateway recording response bandwidth after the fact) is always recorded.
import type { RateLimitResult } from "../policy/types.js";

export interface WindowState {
  windowStart: number;
  previous: number;
  current: number;
}

/** Moves the state to the window holding `nowMs`. */
export function advanceWindow(state: WindowState, nowMs: number, windowMs: number): void {
  const start = nowMs - (nowMs % windowMs);
  if (start === state.windowStart) return;
  if (start === state.windowStart + windowMs) {
    state.previous = state.current;
  } else {
    state.previous = 0;
  }
  state.current = 0;
  state.windowStart = start;
}

export function weightedPrevious(state: WindowState, nowMs: number, windowMs: number): number {
  if (state.previous === 0) return 0;
  return Math.ceil((state.previous * (windowMs - (nowMs - state.windowStart))) / windowMs);
}

/** One rate-limit decision; mutates `state` when the call is admitted. */
export function slidingWindowHit(
  state: WindowState,
  nowMs: number,
  limit: number,
  windowMs: number,
  increment: number,
): RateLimitResult {
  advanceWindow(state, nowMs, windowMs);
  const estimate = weightedPrevious(state, nowMs, windowMs) + state.current;
  if (estimate + increment <= limit) {
    state.current += increment;
    const count = estimate + increment;
    // A peek (increment 0, as rate-limit-by-key with increment-condition checks on the way in) that
    // finds no room reports when one call will fit, so its 429 carries a true Retry-After.
    const full = increment === 0 && count >= limit;
    return {
      allowed: true,
      count,
      remaining: limit - count,
      retryAfterMs: full ? retryAfter(state, nowMs, limit, windowMs, 1) : 0,
    };
  }
  return {
    allowed: false,
    count: estimate,
    remaining: Math.max(0, limit - estimate),
    retryAfterMs: retryAfter(state, nowMs, limit, windowMs, increment),
  };
}

/** Milliseconds until the estimate has room for `increment` more calls, if nothing else arrives. */
export function retryAfter(
  state: WindowState,
  nowMs: number,
  limit: number,
  windowMs: number,
  increment: number,
): number {
  const elapsed = nowMs - state.windowStart;
  const allowedBefore = limit - increment;
  if (allowedBefore < 0) return windowMs;
  if (state.current <= allowedBefore) {
    // Wait for the previous window's weight to decay below the room left.
    const room = allowedBefore - state.current;
    const at = windowMs - Math.floor((room * windowMs) / state.previous);
    return Math.max(1, at - elapsed);
  }
  // This window alone is over: wait for it to become "previous" and decay enough.
  const at = windowMs - Math.floor((allowedBefore * windowMs) / state.current);
  return Math.max(1, windowMs - elapsed + at);
}

export interface QuotaState {
  period: number;
  calls: number;
  kilobytes: number;
}

export interface QuotaLimits {
  calls?: number;
  kilobytes?: number;
  periodMs: number;
  firstPeriodStartMs?: number;
}

/** Index of the renewal period holding `nowMs`, and when it ends. */
export function quotaPeriod(nowMs: number, periodMs: number, firstPeriodStartMs: number): [number, number] {
  const period = Math.floor((nowMs - firstPeriodStartMs) / periodMs);
  return [period, firstPeriodStartMs + (period + 1) * periodMs];
}

export function quotaHit(
  state: QuotaState,
  nowMs: number,
  limits: QuotaLimits,
  usage: { calls: number; kilobytes: number },
): RateLimitResult {
  const [period, periodEnd] = quotaPeriod(nowMs, limits.periodMs, limits.firstPeriodStartMs ?? 0);
  if (period !== state.period) {
    state.period = period;
    state.calls = 0;
    state.kilobytes = 0;
  }
  const addCalls = normaliseCalls(usage.calls);
  const addKilobytes = normaliseKilobytes(usage.kilobytes);
  const callsOk = limits.calls === undefined || state.calls + addCalls <= limits.calls;
  const kilobytesOk =
    limits.kilobytes === undefined ||
    (addKilobytes > 0 ? state.kilobytes + addKilobytes <= limits.kilobytes : state.kilobytes < limits.kilobytes);
  const allowed = callsOk && kilobytesOk;
  if (allowed || addCalls === 0) {
    state.calls += addCalls;
    state.kilobytes += addKilobytes;
  }
  const byCalls = limits.calls !== undefined;
  const count = byCalls ? state.calls : state.kilobytes;
  const max = byCalls ? (limits.calls ?? 0) : (limits.kilobytes ?? 0);
  return {
    allowed,
    count,
    remaining: limits.calls === undefined && limits.kilobytes === undefined ? 0 : Math.max(0, max - count),
    retryAfterMs: allowed ? 0 : periodEnd - nowMs,
  };
}

/** Calls are whole and non-negative. */
export function normaliseCalls(calls: number): number {
  return Number.isFinite(calls) && calls > 0 ? Math.floor(calls) : 0;
}

/** Kilobytes are counted whole, rounded up (APIM reports bandwidth in KB), so Redis stores integers. */
export function normaliseKilobytes(kilobytes: number): number {
  return Number.isFinite(kilobytes) && kilobytes > 0 ? Math.ceil(kilobytes) : 0;
}

/** Arguments every store checks the same way: a programming error, not a data-plane outcome. */
export function checkRateArguments(limit: number, windowMs: number, increment: number): void {
  if (!Number.isInteger(windowMs) || windowMs <= 0)
    throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
  if (!Number.isFinite(limit) || limit < 0) throw new RangeError(`limit must be a non-negative number, got ${limit}`);
  if (!Number.isInteger(increment) || increment < 0) {
    throw new RangeError(`increment must be a non-negative integer, got ${increment}`);
  }
}

export function checkQuotaArguments(limits: QuotaLimits): void {
  if (!Number.isInteger(limits.periodMs) || limits.periodMs <= 0) {
    throw new RangeError(`periodMs must be a positive integer, got ${limits.periodMs}`);
  }
  if (limits.firstPeriodStartMs !== undefined && !Number.isFinite(limits.firstPeriodStartMs)) {
    throw new RangeError(`firstPeriodStartMs must be a finite number, got ${limits.firstPeriodStartMs}`);
  }
}
