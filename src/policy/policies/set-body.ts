// <set-body [template="liquid"] [xsi-nil]>text | expression | Liquid template</set-body>
import type { Template } from "liquidjs";
import { bodyForTemplate, contentTypeOf } from "../body-formats.js";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { evaluate } from "../dynamic.js";
import { toPolicyString } from "../expressions/index.js";
import { parseLiquid, renderLiquid } from "../liquid.js";
import { bodyText, setBodyText } from "../message.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE, PolicyError } from "../types.js";
import type { Target } from "./common.js";
import { messageOf } from "./common.js";

type SetBodyConfig =
  | { kind: "text"; value: Dyn<string>; target: Target }
  | { kind: "liquid"; template: Template[]; target: Target };

export const setBody = definePolicy<SetBodyConfig>({
  name: "set-body",
  sections: ["inbound", "backend", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    const template = p.enumeration(el, "template", ["liquid", "none"] as const);
    p.enumeration(el, "xsi-nil", ["blank", "null"] as const);
    p.attr(el, "parse-date");
    const target = p.target();
    if (template?.kind === "const" && template.value === "liquid") {
      // Liquid's own {{ }} looks like a named value: only names that exist are substituted.
      const source = p.constantText(el.children.length > 0 ? el.inner : el.text, el, { keepUnknownNamedValues: true });
      const parsed = parseLiquid(source);
      if ("error" in parsed) {
        p.error("POLICY_ERR_LIQUID", `Liquid template does not parse: ${parsed.error}`, el);
        return undefined;
      }
      p.usesSectionBody();
      return p.failedSince(m) ? undefined : { kind: "liquid", template: parsed.template, target };
    }
    const value = p.text(el, { raw: true });
    if (p.failedSince(m) || !value) return undefined;
    return {
      kind: "text",
      value: value.kind === "const" ? { kind: "const", value: value.value.trim() === "" ? "" : value.value } : value,
      target,
    };
  },
  compile(config) {
    const target = config.target;
    if (config.kind === "liquid") {
      const template = config.template;
      return (ctx) => {
        const message = messageOf(ctx, target);
        const body = bodyForTemplate(contentTypeOf(message.headers), bodyText(message.body));
        message.body = setBodyText(renderLiquid(template, ctx, body), message.headers);
        return CONTINUE;
      };
    }
    const value = config.value;
    if (value.kind === "const") {
      const bytes = Buffer.from(value.value, "utf8");
      return (ctx) => {
        const message = messageOf(ctx, target);
        message.body = setBodyText(bytes, message.headers);
        return CONTINUE;
      };
    }
    const expression = value.expression;
    return (ctx: PolicyContext) => {
      const message = messageOf(ctx, target);
      const result = evaluate(expression, ctx);
      message.body = setBodyText(toBytes(result), message.headers);
      return CONTINUE;
    };
  },
});

function toBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (value === null || value === undefined) return Buffer.alloc(0);
  const text = toPolicyString(value);
  if (typeof text !== "string")
    throw new PolicyError("set-body", "ExpressionValueEvaluationFailure", "set-body expression did not produce text");
  return Buffer.from(text, "utf8");
}
