// Polling helpers for tests that wait for something another process or a timer does.
import assert from "node:assert/strict";

/** Polls `ready` until it holds; fails naming `what` after `timeoutMs`. Resolves with the ms waited. */
export async function until(
  ready: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  pollMs = 10,
): Promise<number> {
  const started = performance.now();
  while (!(await ready())) {
    if (performance.now() - started > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return performance.now() - started;
}

/** Polls `probe` until `ok` accepts its value and returns that value; the failure shows the last one. */
export async function untilValue<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
  pollMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
