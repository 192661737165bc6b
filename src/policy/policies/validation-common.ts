// What the validate-* policies share: the ignore/prevent/detect actions and how violations are reported
// (errors variable, trace, and for "prevent" an error response: 400 for requests, 502 for responses).
import { PolicyResponseError } from "../errors.js";
import type { PolicyParser } from "../parser.js";
import type { PolicyContext } from "../types.js";
import type { XmlElement } from "../xml/reader.js";

export const ACTIONS = ["ignore", "prevent", "detect"] as const;
export type Action = (typeof ACTIONS)[number];

export interface Violation {
  Name: string;
  Type: string;
  ValidationRule: string;
  Details: string;
  Action: Action;
}

export function parseAction(el: XmlElement, p: PolicyParser, name: string, required: boolean): Action | undefined {
  const a = p.enumeration(el, name, ACTIONS, { required });
  return a?.kind === "const" ? a.value : undefined;
}

export function errorsVariable(el: XmlElement, p: PolicyParser): string | undefined {
  const v = p.nonEmpty(el, "errors-variable-name", { expression: false });
  return v?.kind === "const" ? v.value : undefined;
}

/** Records violations; throws on the first "prevent". */
export function report(
  ctx: PolicyContext,
  source: string,
  variable: string | undefined,
  violations: Violation[],
  onResponse: boolean,
): void {
  const counted = violations.filter((v) => v.Action !== "ignore");
  if (counted.length === 0) return;
  if (variable) {
    const existing = ctx.variables.get(variable);
    ctx.variables.set(variable, Array.isArray(existing) ? [...existing, ...counted] : counted);
  }
  for (const v of counted) ctx.trace.push({ source, message: `${v.Action}: ${v.Details}` });
  const blocking = counted.find((v) => v.Action === "prevent");
  if (blocking) {
    throw new PolicyResponseError(source, blocking.ValidationRule, blocking.Details, onResponse ? 502 : 400);
  }
}
