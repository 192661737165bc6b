// <quota calls bandwidth renewal-period><api …><operation …/></api></quota>: per-subscription volume over a
// renewal period (0 = the subscription's lifetime); 403 + Retry-After when exhausted. Product scope only.
import { definePolicy } from "../definition.js";
import type { PolicyParser } from "../parser.js";
import { onComplete } from "../request-state.js";
import { isPromise } from "../sequence.js";
import type { Outcome, PolicyContext, RateLimitResult } from "../types.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import { kilobytesOf, quotaExceeded } from "./limits-common.js";
import { matches } from "./rate-limit.js";

interface QuotaLimit {
  calls: number | undefined;
  kilobytes: number | undefined;
  periodMs: number;
  name?: string;
  id?: string;
}

// A period of 0 means "never renews": one window as long as anything we can count.
const LIFETIME_MS = Number.MAX_SAFE_INTEGER;

export function parseQuotaLimit(
  el: XmlElement,
  p: PolicyParser,
  entity: boolean,
  minPeriodS: number,
): QuotaLimit | undefined {
  const m = p.mark();
  const calls = p.integer(el, "calls", { min: 1, expression: false });
  const bandwidth = p.integer(el, "bandwidth", { min: 1, expression: false });
  const period = p.integer(el, "renewal-period", { required: true, min: 0, expression: false });
  if (period?.kind === "const" && period.value !== 0 && period.value < minPeriodS) {
    p.error(
      "POLICY_ERR_OUT_OF_RANGE",
      `renewal-period of <${el.name}> must be 0 or at least ${minPeriodS} seconds`,
      el,
    );
  }
  if (!calls && !bandwidth) p.error("POLICY_ERR_REQUIRED", `<${el.name}> requires calls and/or bandwidth`, el);
  let name: string | undefined;
  let id: string | undefined;
  if (entity) {
    const n = p.nonEmpty(el, "name", { expression: false });
    const i = p.nonEmpty(el, "id", { expression: false });
    name = n?.kind === "const" ? n.value : undefined;
    id = i?.kind === "const" ? i.value : undefined;
    if (!name && !id) p.error("POLICY_ERR_REQUIRED", `<${el.name}> requires name or id`, el);
  }
  if (p.failedSince(m) || period?.kind !== "const") return undefined;
  return {
    calls: calls?.kind === "const" ? calls.value : undefined,
    kilobytes: bandwidth?.kind === "const" ? bandwidth.value : undefined,
    periodMs: period.value === 0 ? LIFETIME_MS : period.value * 1000,
    name,
    id,
  };
}

/** Counts one call against a quota; bandwidth is added when the response is known. */
export function chargeQuota(
  ctx: PolicyContext,
  key: string,
  limit: QuotaLimit,
  firstPeriodStartMs: number | undefined,
  source: string,
): Outcome | Promise<Outcome> {
  const limits = { calls: limit.calls, kilobytes: limit.kilobytes, periodMs: limit.periodMs, firstPeriodStartMs };
  const check = (res: RateLimitResult): Outcome => {
    if (!res.allowed) throw quotaExceeded(source, res, limit.calls !== undefined && res.count >= limit.calls);
    if (limit.kilobytes !== undefined) {
      onComplete(ctx, (done) => done.services.counters.quota(key, limits, { calls: 0, kilobytes: kilobytesOf(done) }));
    }
    return CONTINUE;
  };
  const result = ctx.services.counters.quota(key, limits, { calls: limit.calls !== undefined ? 1 : 0, kilobytes: 0 });
  return isPromise(result) ? result.then(check) : check(result);
}

export const quota = definePolicy<{ own: QuotaLimit; apis: Array<QuotaLimit & { operations: QuotaLimit[] }> }>({
  name: "quota",
  sections: ["inbound"],
  scopes: ["product"],
  once: "document",
  parse(el, p) {
    const m = p.mark();
    const own = parseQuotaLimit(el, p, false, 0);
    const apis: Array<QuotaLimit & { operations: QuotaLimit[] }> = [];
    for (const apiEl of p.children(el, ["api"])) {
      if (apiEl.name !== "api") continue;
      const api = parseQuotaLimit(apiEl, p, true, 0);
      const operations: QuotaLimit[] = [];
      for (const opEl of p.children(apiEl, ["operation"])) {
        if (opEl.name !== "operation") continue;
        const op = parseQuotaLimit(opEl, p, true, 0);
        p.finishChild(opEl);
        if (op) operations.push(op);
      }
      p.finishChild(apiEl);
      if (api) apis.push({ ...api, operations });
    }
    if (p.failedSince(m) || !own) return undefined;
    return { own, apis };
  },
  compile({ own, apis }) {
    return (ctx) => {
      const sub = ctx.subscription;
      if (!sub) return CONTINUE;
      const start = sub.startDate ? Date.parse(sub.startDate) : undefined;
      const charges: Array<[string, QuotaLimit]> = [[`quota:${sub.id}:${ctx.product?.id ?? ""}`, own]];
      for (const api of apis) {
        if (!matches({ name: api.name, id: api.id, calls: 0, windowMs: 0 }, ctx.api)) continue;
        charges.push([`quota:${sub.id}:api:${ctx.api?.id}`, api]);
        for (const op of api.operations) {
          if (matches({ name: op.name, id: op.id, calls: 0, windowMs: 0 }, ctx.operation))
            charges.push([`quota:${sub.id}:op:${ctx.operation?.id}`, op]);
        }
      }
      const run = (i: number): Outcome | Promise<Outcome> => {
        for (; i < charges.length; i++) {
          const [key, limit] = charges[i] as [string, QuotaLimit];
          const out = chargeQuota(ctx, key, limit, Number.isFinite(start) ? start : undefined, "quota");
          if (isPromise(out)) {
            const next = i + 1;
            return out.then(() => run(next));
          }
        }
        return CONTINUE;
      };
      return run(0);
    };
  },
});
