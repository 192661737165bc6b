// <validate-content unspecified-content-type-action max-size size-exceeded-action [errors-variable-name]>
//   <content-type-map …/>? <content type validate-as="json|xml|soap" [action]/>*
// Size limit, declared content types, and well-formed JSON/XML. Schemas referenced by schema-id are not
// held by Moat's policy environment, so those contents are checked for well-formedness only (a warning says so).
import { XMLValidator } from "fast-xml-parser";
import { contentTypeOf } from "../body-formats.js";
import { definePolicy } from "../definition.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE } from "../types.js";
import type { Target } from "./common.js";
import { messageOf } from "./common.js";
import type { Action, Violation } from "./validation-common.js";
import { errorsVariable, parseAction, report } from "./validation-common.js";

interface ContentRule {
  type: string | undefined;
  validateAs: "json" | "xml" | "soap";
  action: Action;
}

interface Config {
  unspecified: Action;
  maxSize: number;
  sizeExceeded: Action;
  variable: string | undefined;
  contents: ContentRule[];
  target: Target;
}

export const MAX_VALIDATED_BYTES = 102400;

export const validateContent = definePolicy<Config>({
  name: "validate-content",
  sections: ["inbound", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    const unspecified = parseAction(el, p, "unspecified-content-type-action", true);
    const maxSize = p.integer(el, "max-size", { required: true, min: 0, max: MAX_VALIDATED_BYTES, expression: false });
    const sizeExceeded = parseAction(el, p, "size-exceeded-action", true);
    const variable = errorsVariable(el, p);
    const contents: ContentRule[] = [];
    for (const child of p.children(el, ["content-type-map", "content"])) {
      if (child.name === "content-type-map") {
        // Mapping rules only rename content types; accepted and checked for shape.
        p.attr(child, "any-content-type-value");
        p.attr(child, "missing-content-type-value");
        for (const t of p.children(child, ["type"])) {
          for (const a of ["from", "when", "to"]) p.attr(t, a);
          p.finishChild(t);
        }
      } else if (child.name === "content") {
        const type = p.nonEmpty(child, "type", { expression: false });
        const as = p.enumeration(child, "validate-as", ["json", "xml", "soap"] as const, { required: true });
        const action = parseAction(child, p, "action", false);
        const schema = p.attr(child, "schema-id") ?? p.attr(child, "schema-ref");
        p.attr(child, "schema-ref");
        p.attr(child, "allow-additional-properties");
        p.attr(child, "case-insensitive-property-names");
        if (schema) {
          p.warning(
            "POLICY_WARN_SCHEMA_NOT_CHECKED",
            `schema "${schema.value}" is not available to Moat: the content is checked for well-formedness only`,
            p.attrWhere(child, schema),
          );
        }
        if (as?.kind === "const") {
          contents.push({
            type: type?.kind === "const" ? type.value.toLowerCase() : undefined,
            validateAs: as.value,
            action: action ?? "prevent",
          });
        }
      }
      p.finishChild(child);
    }
    p.usesSectionBody();
    if (p.failedSince(m) || !unspecified || maxSize?.kind !== "const" || !sizeExceeded) return undefined;
    return { unspecified, maxSize: maxSize.value, sizeExceeded, variable, contents, target: p.target() };
  },
  compile(c) {
    return (ctx: PolicyContext) => {
      const message = messageOf(ctx, c.target);
      const onResponse = c.target === "response" || (c.target === "auto" && ctx.response !== undefined);
      const bytes = message.body.bytes ?? Buffer.alloc(0);
      const type = contentTypeOf(message.headers);
      const violations: Violation[] = [];
      const what = onResponse ? "response" : "request";
      if (bytes.length > c.maxSize) {
        violations.push({
          Name: "body",
          Type: "Body",
          ValidationRule: "MaxSize",
          Details: `The ${what} body is ${bytes.length} bytes, more than the allowed ${c.maxSize}.`,
          Action: c.sizeExceeded,
        });
      }
      if (bytes.length > 0) {
        const rule = c.contents.find((r) => r.type === undefined || r.type === type);
        if (!rule) {
          violations.push({
            Name: "content-type",
            Type: "Header",
            ValidationRule: "UnspecifiedContentType",
            Details: `Content type "${type}" is not specified for this ${what}.`,
            Action: c.unspecified,
          });
        } else if (bytes.length <= c.maxSize) {
          const text = bytes.toString("utf8");
          let problem: string | undefined;
          if (rule.validateAs === "json") {
            try {
              JSON.parse(text);
            } catch (error) {
              problem = `The ${what} body is not valid JSON: ${(error as Error).message}`;
            }
          } else {
            const valid = XMLValidator.validate(text);
            if (valid !== true)
              problem = `The ${what} body is not valid XML (line ${valid.err.line}): ${valid.err.msg}`;
          }
          if (problem)
            violations.push({
              Name: "body",
              Type: "Body",
              ValidationRule: "InvalidContent",
              Details: problem,
              Action: rule.action,
            });
        }
      }
      report(ctx, "validate-content", c.variable, violations, onResponse);
      return CONTINUE;
    };
  },
});
