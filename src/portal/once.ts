// Remembers used nonces until they expire, so a signed token or CAPTCHA answer works only once.
// Entries carry their own expiry; the set is bounded by how many tokens can be live at one time.
import type { Clock } from "../core/clock.js";

export interface OnceSet {
  /** True the first time a nonce is seen before `expMs`; false on any replay. */
  use(nonce: string, expMs: number): boolean;
  has(nonce: string): boolean;
  readonly size: number;
}

export function createOnceSet(clock: Clock, maxEntries = 100_000): OnceSet {
  const seen = new Map<string, number>();
  const sweep = () => {
    const now = clock.now();
    for (const [k, exp] of seen) if (exp <= now) seen.delete(k);
  };
  return {
    use(nonce, expMs) {
      if (seen.has(nonce)) return false;
      if (seen.size >= maxEntries) sweep();
      // Still full after a sweep: refuse rather than forget, since forgetting would allow a replay.
      if (seen.size >= maxEntries) return false;
      seen.set(nonce, expMs);
      return true;
    },
    has: (nonce) => seen.has(nonce),
    get size() {
      return seen.size;
    },
  };
}
