// Fixed-window counters for sign-in, sign-up and password-reset attempts, keyed per IP and per account.
// In-process on purpose: the portal is one small process per deployment, and a restart only resets
// the windows to their start.
import type { Clock } from "../core/clock.js";

export interface RateRule {
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimiter {
  /** Counts one attempt; returns 0 if allowed, else the milliseconds to wait. */
  hit(key: string, rule: RateRule): number;
  reset(key: string): void;
}

export function createRateLimiter(clock: Clock, maxKeys = 50_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number; windowMs: number }>();
  return {
    hit(key, rule) {
      const now = clock.now();
      let w = windows.get(key);
      if (!w || now - w.start >= w.windowMs) {
        if (windows.size >= maxKeys) {
          for (const [k, v] of windows) if (now - v.start >= v.windowMs) windows.delete(k);
        }
        w = { start: now, count: 0, windowMs: rule.windowMs };
        windows.set(key, w);
      }
      w.count += 1;
      return w.count > rule.limit ? w.start + w.windowMs - now : 0;
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
