// <quota-by-key calls bandwidth renewal-period counter-key [increment-condition] [first-period-start] />
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { CONTINUE } from "../types.js";
import { chargeQuota, parseQuotaLimit } from "./quota.js";

type QuotaLimit = NonNullable<ReturnType<typeof parseQuotaLimit>>;

export const quotaByKey = definePolicy<{
  limit: QuotaLimit;
  key: Dyn<string>;
  condition: Dyn<boolean> | undefined;
  firstPeriodStartMs: number | undefined;
}>({
  name: "quota-by-key",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const limit = parseQuotaLimit(el, p, false, 300);
    const key = p.nonEmpty(el, "counter-key", { required: true });
    const condition = p.boolean(el, "increment-condition");
    const start = p.string(el, "first-period-start", { expression: false });
    let firstPeriodStartMs: number | undefined;
    if (start?.kind === "const") {
      firstPeriodStartMs = Date.parse(start.value);
      if (!Number.isFinite(firstPeriodStartMs)) {
        p.error("POLICY_ERR_INVALID_DATE", `first-period-start must be an ISO 8601 date, got "${start.value}"`, el);
      }
    }
    if (p.failedSince(m) || !limit || !key) return undefined;
    return { limit, key, condition, firstPeriodStartMs };
  },
  compile({ limit, key, condition, firstPeriodStartMs }) {
    const readKey = getter(key);
    const when = condition ? getter(condition) : undefined;
    return (ctx) => {
      if (when && !when(ctx)) return CONTINUE;
      return chargeQuota(ctx, `quota-by-key:${readKey(ctx)}`, limit, firstPeriodStartMs, "quota-by-key");
    };
  },
});
