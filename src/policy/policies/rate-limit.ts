// <rate-limit calls renewal-period …><api name|id calls renewal-period><operation …/></api></rate-limit>
// Per subscription: the document's own limit, plus independent limits for matching APIs and operations.
// Requests without a subscription are not limited (APIM applies it only when a key is used).
import { definePolicy } from "../definition.js";
import type { PolicyParser } from "../parser.js";
import { isPromise } from "../sequence.js";
import type { Outcome, PolicyContext, RateLimitResult } from "../types.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import type { Reporting } from "./limits-common.js";
import { parseReporting, reportRateLimit } from "./limits-common.js";

export interface Limit {
  calls: number;
  windowMs: number;
}

export interface EntityLimit extends Limit {
  name: string | undefined;
  id: string | undefined;
}

export interface ApiLimit extends EntityLimit {
  operations: EntityLimit[];
}

export interface SubscriptionLimitConfig {
  own: Limit | undefined;
  apis: ApiLimit[];
  reporting: Reporting;
  scope: string;
}

/** Reads calls + renewal-period (constants only, as APIM requires) and optional name/id. */
export function parseEntityLimit(
  el: XmlElement,
  p: PolicyParser,
  opts: {
    callsAttr: string;
    periodAttr: string;
    maxPeriodS?: number;
    minPeriodS: number;
    entity: boolean;
    required: boolean;
    extra?: string[];
  },
): EntityLimit | undefined {
  const m = p.mark();
  const calls = p.integer(el, opts.callsAttr, { required: opts.required, min: 1, expression: false });
  const period = p.integer(el, opts.periodAttr, {
    required: opts.required,
    min: opts.minPeriodS,
    max: opts.maxPeriodS,
    expression: false,
  });
  for (const a of opts.extra ?? []) p.attr(el, a);
  let name: string | undefined;
  let id: string | undefined;
  if (opts.entity) {
    const n = p.nonEmpty(el, "name", { expression: false });
    const i = p.nonEmpty(el, "id", { expression: false });
    name = n?.kind === "const" ? n.value : undefined;
    id = i?.kind === "const" ? i.value : undefined;
    if (!name && !id) p.error("POLICY_ERR_REQUIRED", `<${el.name}> requires name or id`, el);
  }
  if (p.failedSince(m) || calls?.kind !== "const" || period?.kind !== "const") return undefined;
  return { calls: calls.value, windowMs: period.value * 1000, name, id };
}

export function matches(limit: EntityLimit, entity: { id: string; name: string } | undefined): boolean {
  if (!entity) return false;
  return limit.id !== undefined
    ? limit.id === entity.id || entity.id.endsWith(`/${limit.id}`)
    : limit.name === entity.name;
}

/** The document, each <api> and each <operation> take the same attributes; APIM caps the period at 300 s. */
const LIMIT_ATTRIBUTES = {
  callsAttr: "calls",
  periodAttr: "renewal-period",
  minPeriodS: 1,
  maxPeriodS: 300,
  required: true,
} as const;

export const rateLimit = definePolicy<SubscriptionLimitConfig>({
  name: "rate-limit",
  sections: ["inbound"],
  scopes: ["product", "api", "operation"],
  once: "document",
  parse(el, p) {
    const m = p.mark();
    const own = parseEntityLimit(el, p, { ...LIMIT_ATTRIBUTES, entity: false });
    const reporting = parseReporting(el, p, "calls");
    const apis: ApiLimit[] = [];
    for (const apiEl of p.children(el, ["api"])) {
      if (apiEl.name !== "api") continue;
      const api = parseEntityLimit(apiEl, p, { ...LIMIT_ATTRIBUTES, entity: true });
      const operations: EntityLimit[] = [];
      for (const opEl of p.children(apiEl, ["operation"])) {
        if (opEl.name !== "operation") continue;
        const op = parseEntityLimit(opEl, p, { ...LIMIT_ATTRIBUTES, entity: true });
        p.finishChild(opEl);
        if (op) operations.push(op);
      }
      p.finishChild(apiEl);
      if (api) apis.push({ ...api, operations });
    }
    if (p.failedSince(m)) return undefined;
    return { own, apis, reporting, scope: p.scope };
  },
  compile(config, deps) {
    const where = `${config.scope}:${deps.origin.path}`;
    return (ctx) => {
      const sub = ctx.subscription;
      if (!sub) return CONTINUE;
      const checks: Array<[string, Limit]> = [];
      if (config.own) checks.push([`rate-limit:${sub.id}:${where}:${scopeEntity(ctx, config.scope)}`, config.own]);
      for (const api of config.apis) {
        if (!matches(api, ctx.api)) continue;
        checks.push([`rate-limit:${sub.id}:${where}:api:${ctx.api?.id}`, api]);
        for (const op of api.operations) {
          if (matches(op, ctx.operation)) checks.push([`rate-limit:${sub.id}:${where}:op:${ctx.operation?.id}`, op]);
        }
      }
      return runChecks(ctx, checks, 0, config.reporting);
    };
  },
});

function scopeEntity(ctx: PolicyContext, scope: string): string {
  if (scope === "product") return ctx.product?.id ?? "";
  if (scope === "api") return ctx.api?.id ?? "";
  if (scope === "operation") return ctx.operation?.id ?? "";
  return "";
}

function runChecks(
  ctx: PolicyContext,
  checks: Array<[string, Limit]>,
  from: number,
  r: Reporting,
): Outcome | Promise<Outcome> {
  for (let i = from; i < checks.length; i++) {
    const [key, limit] = checks[i] as [string, Limit];
    const result = ctx.services.counters.hit(key, limit.calls, limit.windowMs);
    const check = (res: RateLimitResult) => reportRateLimit(ctx, r, res, limit.calls, !res.allowed, "rate-limit");
    if (isPromise(result)) {
      return result.then((res) => {
        check(res);
        return runChecks(ctx, checks, i + 1, r);
      });
    }
    check(result);
  }
  return CONTINUE;
}
