// <cache-lookup vary-by-developer vary-by-developer-groups …><vary-by-header/>*<vary-by-query-parameter/>*</cache-lookup>
// GET only. A hit answers from the cache (backend and outbound skipped); a miss leaves the key for cache-store.
import { definePolicy } from "../definition.js";
import { setCacheKey } from "../request-state.js";
import { isPromise } from "../sequence.js";
import type { CachedResponse, Outcome, PolicyContext } from "../types.js";
import { CONTINUE, RESPOND } from "../types.js";

interface Config {
  byDeveloper: boolean;
  byGroups: boolean;
  headers: string[];
  query: string[];
  downstream: "none" | "private" | "public";
}

export function cacheKey(ctx: PolicyContext, c: Config): string {
  const url = ctx.request.url;
  let key = `${ctx.api?.id ?? ""}|${ctx.operation?.id ?? ""}|${url.path}`;
  for (const q of c.query) key += `|q:${q}=${url.query.get(q)?.join(",") ?? ""}`;
  for (const h of c.headers) key += `|h:${h}=${ctx.request.headers.get(h)?.join(",") ?? ""}`;
  if (c.byDeveloper) key += `|u:${ctx.user?.id ?? ""}`;
  if (c.byGroups)
    key += `|g:${(ctx.user?.groups ?? [])
      .map((g) => g.id)
      .sort()
      .join(",")}`;
  return key;
}

export const cacheLookup = definePolicy<Config>({
  name: "cache-lookup",
  sections: ["inbound"],
  once: "section",
  inFragments: false,
  parse(el, p) {
    const m = p.mark();
    const byDeveloper = p.boolean(el, "vary-by-developer", { required: true, expression: false });
    const byGroups = p.boolean(el, "vary-by-developer-groups", { required: true, expression: false });
    p.enumeration(el, "caching-type", ["prefer-external", "external", "internal"] as const);
    const downstream = p.enumeration(el, "downstream-caching-type", ["none", "private", "public"] as const);
    p.boolean(el, "must-revalidate", { expression: false });
    p.boolean(el, "allow-private-response-caching", { expression: false });
    const headers: string[] = [];
    const query: string[] = [];
    for (const child of p.children(el, ["vary-by-header", "vary-by-query-parameter"])) {
      p.finishChild(child);
      const text = p.constantText(child.text, child).trim();
      if (child.name === "vary-by-header") headers.push(text.toLowerCase());
      else if (child.name === "vary-by-query-parameter")
        query.push(
          ...text
            .split(/[;,]/)
            .map((s) => s.trim())
            .filter(Boolean),
        );
    }
    if (p.failedSince(m) || byDeveloper?.kind !== "const" || byGroups?.kind !== "const") return undefined;
    return {
      byDeveloper: byDeveloper.value,
      byGroups: byGroups.value,
      headers,
      query,
      downstream: downstream?.kind === "const" ? downstream.value : "none",
    };
  },
  compile(config) {
    const hit = (ctx: PolicyContext, key: string, cached: CachedResponse | undefined): Outcome => {
      if (!cached) {
        setCacheKey(ctx, key);
        return CONTINUE;
      }
      const headers = new Map<string, string[]>();
      for (const [k, v] of cached.headers) headers.set(k, [...(headers.get(k) ?? []), v]);
      if (config.downstream !== "none") headers.set("cache-control", [config.downstream]);
      ctx.response = {
        statusCode: cached.statusCode,
        statusReason: cached.statusReason,
        headers,
        body: { buffered: true, bytes: cached.body },
      };
      return RESPOND;
    };
    return (ctx) => {
      if (ctx.request.method !== "GET") return CONTINUE;
      const key = `response:${cacheKey(ctx, config)}`;
      const cached = ctx.services.responseCache.get(key);
      return isPromise(cached) ? cached.then((c) => hit(ctx, key, c)) : hit(ctx, key, cached);
    };
  },
});
