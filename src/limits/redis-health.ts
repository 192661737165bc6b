// What the Redis-backed stores do when Redis is unreachable: answer from the configured fail mode,
// never throw into the request path, and report up/down transitions once (not once per request).
import type { RateLimitResult } from "../policy/types.js";

export type FailMode = "open" | "closed";

export interface RedisFailureOptions {
  /** open = admit calls while Redis is down; closed = refuse them (429 with Retry-After). Default open. */
  failMode?: FailMode;
  /** Retry-After suggested to refused callers while Redis is down (default 1000 ms). */
  failRetryAfterMs?: number;
  /** Called when Redis becomes unreachable ("down", with the error) and reachable again ("up"). */
  onStateChange?: (state: "up" | "down", error?: unknown) => void;
}

export interface HealthTracker {
  readonly isUp: () => boolean;
  ok(): void;
  failed(error: unknown): void;
  /** The answer to a counting call while Redis is unavailable. */
  rateFallback(limit: number): RateLimitResult;
  acquireFallback(): boolean;
}

export function createHealthTracker(options: RedisFailureOptions): HealthTracker {
  const open = (options.failMode ?? "open") === "open";
  const retryAfterMs = options.failRetryAfterMs ?? 1000;
  let up = true;
  return {
    isUp: () => up,
    ok() {
      if (up) return;
      up = true;
      options.onStateChange?.("up");
    },
    failed(error) {
      if (!up) return;
      up = false;
      options.onStateChange?.("down", error);
    },
    rateFallback(limit) {
      return open
        ? { allowed: true, count: 0, remaining: limit, retryAfterMs: 0 }
        : { allowed: false, count: 0, remaining: 0, retryAfterMs };
    },
    acquireFallback: () => open,
  };
}

/** Decodes a script's {allowed, count, remaining, retryAfterMs} reply. */
export function toRateResult(reply: unknown): RateLimitResult {
  if (!Array.isArray(reply) || reply.length < 4) throw new Error(`unexpected script reply ${JSON.stringify(reply)}`);
  return {
    allowed: reply[0] === 1,
    count: Number(reply[1]),
    remaining: Number(reply[2]),
    retryAfterMs: Number(reply[3]),
  };
}
