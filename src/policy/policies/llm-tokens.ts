// Token accounting for LLM APIs: <llm-token-limit>/<azure-openai-token-limit> (tokens per minute and
// token quotas per counter key) and <llm-emit-token-metric>/<azure-openai-emit-token-metric>. Usage is
// read from the response's OpenAI-style `usage` object; prompt tokens can be estimated up front.
import type { Getter } from "../definition.js";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { PolicyResponseError } from "../errors.js";
import { deferResponseHeader, onComplete } from "../request-state.js";
import { isPromise } from "../sequence.js";
import type { Outcome, PolicyContext, RateLimitResult } from "../types.js";
import { CONTINUE } from "../types.js";
import { formatTimeSpan, secondsFrom } from "./common.js";

export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
}

/** OpenAI-style usage from a JSON response body; zeros when absent (streamed or non-JSON answers). */
export function usageOf(ctx: PolicyContext): TokenUsage {
  const bytes = ctx.response?.body.bytes;
  if (!bytes || bytes.length === 0) return { prompt: 0, completion: 0, total: 0 };
  try {
    const usage = (JSON.parse(bytes.toString("utf8")) as { usage?: Record<string, unknown> }).usage ?? {};
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
    const prompt = num(usage.prompt_tokens ?? usage.input_tokens);
    const completion = num(usage.completion_tokens ?? usage.output_tokens);
    return { prompt, completion, total: num(usage.total_tokens) || prompt + completion };
  } catch {
    return { prompt: 0, completion: 0, total: 0 };
  }
}

/** Rough prompt size before the model answers: about four characters per token. */
export function estimatePromptTokens(ctx: PolicyContext): number {
  return Math.ceil((ctx.request.body.bytes?.length ?? 0) / 4);
}

const PERIODS_MS: Record<string, number> = {
  hourly: 3600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
  monthly: 30 * 86_400_000,
  yearly: 365 * 86_400_000,
};

interface TokenLimitConfig {
  key: Dyn<string>;
  perMinute: Dyn<number> | undefined;
  quota: Dyn<number> | undefined;
  quotaPeriodMs: number;
  estimate: boolean;
  names: Record<string, string | undefined>;
}

const NAME_ATTRIBUTES = [
  "retry-after-header-name",
  "retry-after-variable-name",
  "remaining-quota-tokens-header-name",
  "remaining-quota-tokens-variable-name",
  "remaining-tokens-header-name",
  "remaining-tokens-variable-name",
  "tokens-consumed-header-name",
  "tokens-consumed-variable-name",
];

function tokenLimit(name: string) {
  return definePolicy<TokenLimitConfig>({
    name,
    sections: ["inbound"],
    parse(el, p) {
      const m = p.mark();
      p.children(el, []);
      const key = p.nonEmpty(el, "counter-key", { required: true });
      const perMinute = p.integer(el, "tokens-per-minute", { min: 1 });
      const quota = p.integer(el, "token-quota", { min: 1 });
      const period = p.enumeration(el, "token-quota-period", [
        "Hourly",
        "Daily",
        "Weekly",
        "Monthly",
        "Yearly",
      ] as const);
      const estimate = p.boolean(el, "estimate-prompt-tokens", { expression: false });
      const names: Record<string, string | undefined> = {};
      for (const attr of NAME_ATTRIBUTES) {
        const v = p.nonEmpty(el, attr, { expression: false });
        names[attr] = v?.kind === "const" ? v.value : undefined;
      }
      if (!perMinute && !quota)
        p.error("POLICY_ERR_REQUIRED", `<${name}> requires tokens-per-minute and/or token-quota`, el);
      if (quota && !period)
        p.error("POLICY_ERR_REQUIRED", `<${name}> with token-quota requires token-quota-period`, el);
      // Usage comes from the response body, read after the backend answered.
      p.needsResponseBody = true;
      if (estimate?.kind === "const" && estimate.value) p.needsRequestBody = true;
      if (p.failedSince(m) || !key) return undefined;
      return {
        key,
        perMinute,
        quota,
        quotaPeriodMs: PERIODS_MS[(period?.kind === "const" ? period.value : "Hourly").toLowerCase()] ?? 3600_000,
        estimate: estimate?.kind === "const" && estimate.value,
        names,
      };
    },
    compile(c) {
      const key = getter(c.key);
      const perMinute = c.perMinute ? getter(c.perMinute) : undefined;
      const quota = c.quota ? getter(c.quota) : undefined;
      const n = c.names;
      const tooMany = (ctx: PolicyContext, res: RateLimitResult) => {
        const seconds = secondsFrom(res.retryAfterMs);
        if (n["retry-after-variable-name"]) ctx.variables.set(n["retry-after-variable-name"], seconds);
        return new PolicyResponseError(
          name,
          "TokenLimitExceeded",
          `Token limit is exceeded. Try again in ${seconds} seconds.`,
          429,
          [[n["retry-after-header-name"] ?? "Retry-After", String(seconds)]],
        );
      };
      const publish = (ctx: PolicyContext, header: string | undefined, variable: string | undefined, value: number) => {
        if (variable) ctx.variables.set(variable, value);
        if (header) deferResponseHeader(ctx, header, String(value));
      };
      return (ctx) => {
        const k = key(ctx);
        const counters = ctx.services.counters;
        const minuteKey = `llm-tpm:${k}`;
        const quotaKey = `llm-quota:${k}`;
        const limit = perMinute?.(ctx);
        const quotaLimit = quota?.(ctx);
        const estimated = c.estimate ? estimatePromptTokens(ctx) : 0;
        onComplete(ctx, (done) => {
          const used = usageOf(done).total;
          publish(done, n["tokens-consumed-header-name"], n["tokens-consumed-variable-name"], used);
          const extra = Math.max(0, used - estimated);
          // Tokens already spent are always charged (an unbounded limit records them even past the
          // configured one); the next request is the one refused.
          if (limit !== undefined && extra > 0) counters.hit(minuteKey, Number.MAX_SAFE_INTEGER, 60_000, extra);
          if (quotaLimit !== undefined && used > 0) {
            counters.quota(
              quotaKey,
              { calls: Number.MAX_SAFE_INTEGER, periodMs: c.quotaPeriodMs },
              { calls: used, kilobytes: 0 },
            );
          }
        });
        const checkQuota = (): Outcome | Promise<Outcome> => {
          if (quotaLimit === undefined) return CONTINUE;
          const after = (res: RateLimitResult): Outcome => {
            publish(
              ctx,
              n["remaining-quota-tokens-header-name"],
              n["remaining-quota-tokens-variable-name"],
              Math.max(0, res.remaining),
            );
            if (res.remaining <= 0 || !res.allowed) {
              throw new PolicyResponseError(
                name,
                "TokenQuotaExceeded",
                `Token quota is exceeded. Quota will be replenished in ${formatTimeSpan(res.retryAfterMs)}.`,
                403,
                [["Retry-After", String(secondsFrom(res.retryAfterMs))]],
              );
            }
            return CONTINUE;
          };
          const res = counters.quota(
            quotaKey,
            { calls: quotaLimit, periodMs: c.quotaPeriodMs },
            { calls: 0, kilobytes: 0 },
          );
          return isPromise(res) ? res.then(after) : after(res);
        };
        if (limit === undefined) return checkQuota();
        const afterMinute = (res: RateLimitResult): Outcome | Promise<Outcome> => {
          // Estimated prompt tokens are charged now; a window already used up refuses the call.
          if (!res.allowed || (estimated === 0 && res.remaining <= 0)) throw tooMany(ctx, res);
          publish(
            ctx,
            n["remaining-tokens-header-name"],
            n["remaining-tokens-variable-name"],
            Math.max(0, res.remaining),
          );
          return checkQuota();
        };
        const res = counters.hit(minuteKey, limit, 60_000, estimated);
        return isPromise(res) ? res.then(afterMinute) : afterMinute(res);
      };
    },
  });
}

function emitTokenMetric(name: string) {
  return definePolicy<{ namespace: string | undefined; dimensions: Array<[string, Dyn<string>]> }>({
    name,
    sections: ["inbound"],
    parse(el, p) {
      const m = p.mark();
      const ns = p.nonEmpty(el, "namespace", { expression: false });
      const dimensions: Array<[string, Dyn<string>]> = [];
      for (const child of p.children(el, ["dimension"])) {
        if (child.name !== "dimension") continue;
        const dn = p.nonEmpty(child, "name", { required: true, expression: false });
        const dv = p.string(child, "value");
        p.finishChild(child);
        if (dn?.kind === "const") dimensions.push([dn.value, dv ?? { kind: "const", value: "" }]);
      }
      if (dimensions.length > 10) p.error("POLICY_ERR_OUT_OF_RANGE", `<${name}> allows at most 10 dimensions`, el);
      p.needsResponseBody = true;
      if (p.failedSince(m)) return undefined;
      return { namespace: ns?.kind === "const" ? ns.value : undefined, dimensions };
    },
    compile({ namespace, dimensions }) {
      const dims = dimensions.map(([k, v]): [string, Getter<string>] => [k, getter(v)]);
      return (ctx) => {
        // Dimension values are taken on the way in; the counts once the answer is known.
        const record: Record<string, string> = {};
        for (const [k, read] of dims) record[k] = read(ctx);
        onComplete(ctx, (done) => {
          const usage = usageOf(done);
          if (usage.total === 0) return;
          done.services.metric("Prompt Tokens", usage.prompt, record, namespace);
          done.services.metric("Completion Tokens", usage.completion, record, namespace);
          done.services.metric("Total Tokens", usage.total, record, namespace);
        });
        return CONTINUE;
      };
    },
  });
}

export const llmTokenLimit = tokenLimit("llm-token-limit");
export const azureOpenAiTokenLimit = tokenLimit("azure-openai-token-limit");
export const llmEmitTokenMetric = emitTokenMetric("llm-emit-token-metric");
export const azureOpenAiEmitTokenMetric = emitTokenMetric("azure-openai-emit-token-metric");
