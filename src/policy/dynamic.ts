// A value written in a policy: a constant known at compile time or an expression evaluated per request.
// Constants are converted and checked once, so steps read a plain value on the hot path.

import type { Getter } from "./definition.js";
import type { CompiledExpression } from "./expressions/index.js";
import { toPolicyString } from "./expressions/index.js";
import type { PolicyContext } from "./types.js";
import { PolicyError } from "./types.js";

export type Dyn<T> =
  | { readonly kind: "const"; readonly value: T }
  | { readonly kind: "expr"; readonly expression: CompiledExpression; readonly convert: (value: unknown) => T };

export function constant<T>(value: T): Dyn<T> {
  return { kind: "const", value };
}

/** The per-request reader of a value: returns the constant directly, or evaluates and converts. */
export function getter<T>(d: Dyn<T>): Getter<T> {
  if (d.kind === "const") {
    const value = d.value;
    return () => value;
  }
  const { expression, convert } = d;
  return (ctx: PolicyContext) => convert(evaluate(expression, ctx));
}

/** Evaluates an expression, turning its failures into APIM's ExpressionValueEvaluationFailure. */
export function evaluate(expression: CompiledExpression, ctx: PolicyContext): unknown {
  try {
    return expression.evaluate(ctx);
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new PolicyError(
      "expression",
      "ExpressionValueEvaluationFailure",
      `Expression evaluation failed. ${message}`,
      500,
      { cause: error },
    );
  }
}

export function asString(value: unknown): string {
  return typeof value === "string" ? value : toPolicyString(value);
}

export function asInteger(value: unknown): number {
  return numberOf(value, Number.isInteger, "an integer");
}

export function asNumber(value: unknown): number {
  return numberOf(value, () => true, "a number");
}

/** An expression's value as a finite number passing `accept`; text is parsed (APIM converts strings). */
function numberOf(value: unknown, accept: (n: number) => boolean, what: string): number {
  const n = typeof value === "number" ? value : Number(asString(value).trim());
  if (!Number.isFinite(n) || !accept(n)) {
    throw new PolicyError(
      "expression",
      "ExpressionValueEvaluationFailure",
      `Expression value "${asString(value)}" is not ${what}.`,
    );
  }
  return n;
}

export function asBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  const text = asString(value).trim().toLowerCase();
  if (text === "true") return true;
  if (text === "false") return false;
  throw new PolicyError(
    "expression",
    "ExpressionValueEvaluationFailure",
    `Expression value "${text}" is not a boolean.`,
  );
}
