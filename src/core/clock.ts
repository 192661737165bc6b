// Time is injected so pure code and tests never read the wall clock directly, nor wait on real timers.
import { setTimeout as delay } from "node:timers/promises";

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic milliseconds, for measuring durations. */
  monotonic(): number;
  /**
   * Resolves once `ms` milliseconds of this clock's time have passed (at once for ms ≤ 0). Rejects with an
   * AbortError when `signal` aborts first, so a waiting request lets go as soon as its client is gone.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The error a sleep rejects with when aborted: node's own shape, so callers test `name === "AbortError"`. */
export function abortError(signal: AbortSignal): Error {
  const error = new Error("The operation was aborted", { cause: signal.reason });
  error.name = "AbortError";
  return error;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  async sleep(ms, signal) {
    if (signal?.aborted) throw abortError(signal);
    if (ms <= 0) return;
    try {
      await delay(ms, undefined, signal ? { signal } : undefined);
    } catch (error) {
      // node rejects with its own AbortError; normalise so both clocks fail the same way.
      if (signal?.aborted) throw abortError(signal);
      throw error;
    }
  },
};

export interface ManualClock extends Clock {
  /** Moves time forward and wakes the sleepers whose time has come, in deadline order. */
  advance(ms: number): void;
  /** Sets the time (waking sleepers due by then). */
  set(ms: number): void;
  /** Remaining milliseconds of each pending sleep, soonest first: lets tests see what code waits for. */
  pending(): number[];
}

interface Sleeper {
  at: number;
  seq: number;
  wake(): void;
}

/** A clock that only moves when told to: for tests. Sleeps resolve when advance/set passes their deadline. */
export function createManualClock(startMs = 0): ManualClock {
  let current = startMs;
  let seq = 0;
  const sleepers: Sleeper[] = [];
  const wakeDue = () => {
    sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    while (sleepers.length > 0 && (sleepers[0] as Sleeper).at <= current) (sleepers.shift() as Sleeper).wake();
  };
  return {
    now: () => current,
    monotonic: () => current,
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = {
          at: current + ms,
          seq: seq++,
          wake: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = sleepers.indexOf(sleeper);
          if (i >= 0) sleepers.splice(i, 1);
          reject(abortError(signal as AbortSignal));
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    advance(ms: number) {
      current += ms;
      wakeDue();
    },
    set(ms: number) {
      current = ms;
      wakeDue();
    },
    pending: () => sleepers.map((s) => s.at - current).sort((a, b) => a - b),
  };
}
