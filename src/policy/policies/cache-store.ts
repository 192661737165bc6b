// <cache-store duration [cache-response] />: keeps the response under the key cache-lookup found missing.
// By default only 200 responses are stored; cache-response="true" stores any status.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { cacheKeyOf } from "../request-state.js";
import { CONTINUE } from "../types.js";

export const cacheStore = definePolicy<{ duration: Dyn<number>; cacheResponse: Dyn<boolean> | undefined }>({
  name: "cache-store",
  sections: ["outbound"],
  once: "section",
  inFragments: false,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const duration = p.integer(el, "duration", { required: true, min: 1 });
    const cacheResponse = p.boolean(el, "cache-response");
    p.usesSectionBody();
    if (p.failedSince(m) || !duration) return undefined;
    return { duration, cacheResponse };
  },
  compile({ duration, cacheResponse }) {
    const ttl = getter(duration);
    const any = cacheResponse ? getter(cacheResponse) : () => false;
    return (ctx) => {
      const key = cacheKeyOf(ctx);
      const res = ctx.response;
      if (!key || !res?.body.buffered) return CONTINUE;
      if (res.statusCode !== 200 && !any(ctx)) return CONTINUE;
      const headers = [...res.headers].flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]));
      const stored = ctx.services.responseCache.set(
        key,
        {
          statusCode: res.statusCode,
          statusReason: res.statusReason,
          headers,
          body: res.body.bytes ?? Buffer.alloc(0),
        },
        ttl(ctx),
      );
      // Storing is not on the answer's critical path; a failing cache is noted in the trace.
      if (stored instanceof Promise)
        stored.catch((e: unknown) => ctx.trace.push({ source: "cache-store", message: String(e) }));
      return CONTINUE;
    };
  },
});
