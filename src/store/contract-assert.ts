// Assertions shared by the ConfigStore contract suites.
import assert from "node:assert/strict";
import type { StoreErrorCode } from "./contract.js";
import { StoreError } from "./contract.js";

export async function rejectsWith(promise: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected StoreError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Polls until `ready()` holds: waits for asynchronous delivery, not for time to pass. */
export async function waitFor(ready: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
