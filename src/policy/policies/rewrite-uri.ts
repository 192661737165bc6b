// <rewrite-uri template="/v2/{id}?x={q}" copy-unmatched-params="true" />: the backend path and query.
// A constant template is split into literal and {parameter} parts once; parameters come from the
// operation's matched template parameters.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE, PolicyError } from "../types.js";
import { INBOUND } from "./common.js";

type Part = string | { param: string };
interface CompiledTemplate {
  path: Part[];
  query: Array<[string, Part[]]>;
}

const PARAM = /\{([^{}]+)\}/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function compileUriTemplate(template: string): CompiledTemplate | string {
  const q = template.indexOf("?");
  const pathText = q < 0 ? template : template.slice(0, q);
  const queryText = q < 0 ? "" : template.slice(q + 1);
  if (/[{}]/.test(pathText.replace(PARAM, ""))) return `unbalanced braces in template "${template}"`;
  const parts = (text: string): Part[] => {
    const out: Part[] = [];
    let last = 0;
    for (const m of text.matchAll(PARAM)) {
      if ((m.index ?? 0) > last) out.push(text.slice(last, m.index));
      // {*rest} wildcards and {name?} optional markers name the same parameter.
      out.push({ param: (m[1] ?? "").replace(/^\*/, "").replace(/\?$/, "") });
      last = (m.index ?? 0) + m[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  };
  const query: Array<[string, Part[]]> = [];
  for (const pair of queryText.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      return `query parameter name "${rawName}" is not valid percent-encoding`;
    }
    query.push([name, parts(eq < 0 ? "" : pair.slice(eq + 1))]);
  }
  return { path: parts(pathText.startsWith("/") ? pathText : `/${pathText}`), query };
}

// encodeURIComponent throws on lone surrogates; those are replaced rather than failing the request.
function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, "\uFFFD"));
}

function render(parts: Part[], ctx: PolicyContext, encode: boolean): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "string") out += part;
    else {
      const value = ctx.request.matchedParameters.get(part.param) ?? ctx.request.url.query.get(part.param)?.[0] ?? "";
      out += encode ? encodeSegment(value) : value;
    }
  }
  return out;
}

function apply(template: CompiledTemplate, copyUnmatched: boolean, ctx: PolicyContext): void {
  const url = ctx.request.url;
  const original = url.query;
  const query = new Map<string, string[]>();
  for (const [name, parts] of template.query) query.set(name, [render(parts, ctx, false)]);
  if (copyUnmatched) {
    for (const [name, values] of original) {
      if (!ctx.request.matchedParameters.has(name) && !query.has(name)) query.set(name, values);
    }
  }
  url.path = render(template.path, ctx, true);
  url.query = query;
}

export const rewriteUri = definePolicy<{ template: Dyn<string>; compiled?: CompiledTemplate; copyUnmatched: boolean }>({
  name: "rewrite-uri",
  sections: INBOUND,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const template = p.nonEmpty(el, "template", { required: true });
    const copy = p.boolean(el, "copy-unmatched-params", { expression: false });
    if (p.failedSince(m) || !template) return undefined;
    let compiled: CompiledTemplate | undefined;
    if (template.kind === "const") {
      const result = compileUriTemplate(template.value.trim());
      if (typeof result === "string") {
        p.error("POLICY_ERR_INVALID_TEMPLATE", result, el);
        return undefined;
      }
      compiled = result;
    }
    return { template, compiled, copyUnmatched: copy?.kind === "const" ? copy.value : true };
  },
  compile({ template, compiled, copyUnmatched }) {
    if (compiled) {
      const c = compiled;
      return (ctx) => {
        apply(c, copyUnmatched, ctx);
        return CONTINUE;
      };
    }
    const read = getter(template);
    return (ctx) => {
      const result = compileUriTemplate(read(ctx).trim());
      if (typeof result === "string") throw new PolicyError("rewrite-uri", "InvalidTemplate", result);
      apply(result, copyUnmatched, ctx);
      return CONTINUE;
    };
  },
});
