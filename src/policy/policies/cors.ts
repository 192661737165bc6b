// <cors allow-credentials terminate-unmatched-request><allowed-origins>…<allowed-methods>…<allowed-headers>…
// <expose-headers>…</cors>: answers preflight requests itself and adds CORS headers to the final response.
import { definePolicy } from "../definition.js";
import { headerValue, newResponse } from "../message.js";
import type { PolicyParser } from "../parser.js";
import { deferResponseHeader } from "../request-state.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE, RESPOND } from "../types.js";
import type { XmlElement } from "../xml/reader.js";

interface CorsConfig {
  allowCredentials: boolean;
  terminateUnmatched: boolean;
  anyOrigin: boolean;
  origins: Set<string>;
  anyMethod: boolean;
  methods: Set<string>;
  anyHeader: boolean;
  headers: Set<string>;
  expose: string[];
  maxAgeS: number | undefined;
}

function listOf(el: XmlElement | undefined, item: string, p: PolicyParser): string[] {
  if (!el) return [];
  const out: string[] = [];
  for (const child of p.children(el, [item])) {
    if (child.name !== item) continue;
    p.finishChild(child);
    const text = p.constantText(child.text, child).trim();
    if (text === "") p.error("POLICY_ERR_REQUIRED", `<${item}> must not be empty`, child);
    else out.push(text);
  }
  return out;
}

export const cors = definePolicy<CorsConfig>({
  name: "cors",
  sections: ["inbound"],
  once: "section",
  parse(el, p) {
    const m = p.mark();
    const credentials = p.boolean(el, "allow-credentials", { expression: false });
    const terminate = p.boolean(el, "terminate-unmatched-request", { expression: false });
    const children = p.children(el, ["allowed-origins", "allowed-methods", "allowed-headers", "expose-headers"]);
    const find = (name: string) => children.find((c) => c.name === name);
    const originsEl = find("allowed-origins");
    const methodsEl = find("allowed-methods");
    if (!originsEl) p.error("POLICY_ERR_REQUIRED", "<cors> requires <allowed-origins>", el);
    const origins = listOf(originsEl, "origin", p);
    const methods = listOf(methodsEl, "method", p).map((x) => x.toUpperCase());
    const headers = listOf(find("allowed-headers"), "header", p);
    const expose = listOf(find("expose-headers"), "header", p);
    let maxAgeS: number | undefined;
    if (methodsEl) {
      const age = p.integer(methodsEl, "preflight-result-max-age", { min: 0, expression: false });
      maxAgeS = age?.kind === "const" ? age.value : undefined;
    }
    for (const c of children) p.finishChild(c);
    const allowCredentials = credentials?.kind === "const" && credentials.value;
    if (allowCredentials && origins.includes("*")) {
      p.error("POLICY_ERR_CORS_WILDCARD", 'allow-credentials="true" cannot be combined with the origin "*"', el);
    }
    if (p.failedSince(m)) return undefined;
    return {
      allowCredentials,
      terminateUnmatched: terminate?.kind === "const" ? terminate.value : true,
      anyOrigin: origins.includes("*"),
      origins: new Set(origins.filter((o) => o !== "*").map((o) => o.toLowerCase().replace(/\/$/, ""))),
      anyMethod: methods.includes("*"),
      methods: new Set(methods.length ? methods : ["GET", "POST"]),
      anyHeader: headers.includes("*"),
      headers: new Set(headers.map((h) => h.toLowerCase())),
      expose,
      maxAgeS,
    };
  },
  compile(c) {
    const exposeValue = c.expose.join(",");
    const originAllowed = (origin: string) => c.anyOrigin || c.origins.has(origin.toLowerCase());
    const allowOriginValue = (origin: string) => (c.anyOrigin && !c.allowCredentials ? "*" : origin);
    const preflight = (ctx: PolicyContext, origin: string) => {
      const method = (headerValue(ctx.request.headers, "access-control-request-method") ?? "").trim().toUpperCase();
      const requested = (headerValue(ctx.request.headers, "access-control-request-headers") ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      const ok =
        originAllowed(origin) &&
        (c.anyMethod || c.methods.has(method)) &&
        (c.anyHeader || requested.every((h) => c.headers.has(h)));
      if (!ok) {
        if (!c.terminateUnmatched) return CONTINUE;
        ctx.response = newResponse(200);
        return RESPOND;
      }
      const response = newResponse(200);
      const h = response.headers;
      h.set("access-control-allow-origin", [allowOriginValue(origin)]);
      if (c.allowCredentials) h.set("access-control-allow-credentials", ["true"]);
      h.set("access-control-allow-methods", [c.anyMethod ? method : [...c.methods].join(",")]);
      if (requested.length)
        h.set("access-control-allow-headers", [c.anyHeader ? requested.join(",") : requested.join(",")]);
      if (c.maxAgeS !== undefined) h.set("access-control-max-age", [String(c.maxAgeS)]);
      if (!c.anyOrigin || c.allowCredentials) h.set("vary", ["Origin"]);
      ctx.response = response;
      return RESPOND;
    };
    return (ctx) => {
      const origin = headerValue(ctx.request.headers, "origin");
      if (origin === undefined) return CONTINUE;
      // An operation defined for OPTIONS takes the preflight itself (APIM bypasses the preflight logic).
      if (
        ctx.request.method === "OPTIONS" &&
        ctx.operation?.method !== "OPTIONS" &&
        ctx.request.headers.has("access-control-request-method")
      ) {
        return preflight(ctx, origin);
      }
      if (!originAllowed(origin)) {
        // APIM ends only simple (GET/HEAD) cross-origin requests; others go on without CORS headers.
        const simple = ctx.request.method === "GET" || ctx.request.method === "HEAD";
        if (!c.terminateUnmatched || !simple) return CONTINUE;
        ctx.response = newResponse(200);
        return RESPOND;
      }
      deferResponseHeader(ctx, "access-control-allow-origin", allowOriginValue(origin));
      if (c.allowCredentials) deferResponseHeader(ctx, "access-control-allow-credentials", "true");
      if (exposeValue) deferResponseHeader(ctx, "access-control-expose-headers", exposeValue);
      if (!c.anyOrigin || c.allowCredentials) deferResponseHeader(ctx, "vary", "Origin");
      return CONTINUE;
    };
  },
});
