// Circuit breakers of backend entities. State lives outside configuration snapshots (keyed by backend
// name) so a config change does not close an open breaker. Failures are timestamps in a sliding
// window per rule; a rule trips when its count (or percentage of calls) is reached, and the backend
// then answers 503 without being called until the trip duration (or the backend's Retry-After) ends.
import type { Clock } from "../../core/clock.js";
import type { BackendRoute, BreakerRule } from "../config/backends.js";

interface RuleState {
  failures: number[];
  calls: number[];
}

interface BackendState {
  openUntil: number;
  rules: Map<string, RuleState>;
}

export interface CircuitBreakers {
  /** False while the backend's breaker is open. */
  allows(backend: BackendRoute): boolean;
  /** Records an outcome: a status code, or an error reason ("BackendConnectionFailure", "Timeout"). */
  record(backend: BackendRoute, outcome: number | string, retryAfterSeconds?: number): void;
}

const prune = (list: number[], since: number): void => {
  let i = 0;
  while (i < list.length && (list[i] as number) < since) i++;
  if (i > 0) list.splice(0, i);
};

const isFailure = (rule: BreakerRule, outcome: number | string): boolean =>
  typeof outcome === "string"
    ? rule.countsErrors
    : rule.statusRanges.some(([lo, hi]) => outcome >= lo && outcome <= hi);

export function createCircuitBreakers(clock: Clock): CircuitBreakers {
  const states = new Map<string, BackendState>();
  return {
    allows(backend) {
      if (backend.breaker.length === 0) return true;
      const state = states.get(backend.name);
      return state === undefined || clock.now() >= state.openUntil;
    },
    record(backend, outcome, retryAfterSeconds) {
      if (backend.breaker.length === 0) return;
      const now = clock.now();
      let state = states.get(backend.name);
      if (state === undefined) {
        state = { openUntil: 0, rules: new Map() };
        states.set(backend.name, state);
      }
      for (const rule of backend.breaker) {
        let rs = state.rules.get(rule.name);
        if (rs === undefined) {
          rs = { failures: [], calls: [] };
          state.rules.set(rule.name, rs);
        }
        const since = now - rule.intervalMs;
        prune(rs.failures, since);
        prune(rs.calls, since);
        rs.calls.push(now);
        if (!isFailure(rule, outcome)) continue;
        rs.failures.push(now);
        const trippedByCount = rule.count !== undefined && rs.failures.length >= rule.count;
        const trippedByShare =
          rule.percentage !== undefined && (rs.failures.length * 100) / rs.calls.length >= rule.percentage;
        if (trippedByCount || trippedByShare) {
          const ms =
            rule.acceptRetryAfter && retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : rule.tripDurationMs;
          state.openUntil = Math.max(state.openUntil, now + ms);
          rs.failures.length = 0;
          rs.calls.length = 0;
        }
      }
    },
  };
}
