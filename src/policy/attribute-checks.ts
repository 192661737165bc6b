// Checks of constant attribute text (integers, numbers, booleans, enumerations), kept apart from the
// parser so they are plain functions: each returns the value or the problem, the parser adds position.
import type { CompiledExpression } from "./expressions/index.js";

export type Checked<T> =
  | { readonly value: T }
  | { readonly problem: { readonly code: string; readonly message: string } };

const INTEGER = /^[+-]?\d+$/;

function problem(code: string, message: string): Checked<never> {
  return { problem: { code, message } };
}

/** How messages name an attribute: `attribute "calls" of <rate-limit>`. */
export function attrLabel(el: { readonly name: string }, name: string): string {
  return `attribute "${name}" of <${el.name}>`;
}

export function checkNonEmpty(text: string, what: string): Checked<string> {
  return text.trim() !== "" ? { value: text } : problem("POLICY_ERR_REQUIRED", `${what} must not be empty`);
}

export function checkInteger(text: string, what: string, opts: { min?: number; max?: number }): Checked<number> {
  const trimmed = text.trim();
  const n = INTEGER.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n))
    return problem("POLICY_ERR_INVALID_INTEGER", `${what} must be an integer, got "${text}"`);
  if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    const range = `${opts.min ?? "-∞"}..${opts.max ?? "∞"}`;
    return problem("POLICY_ERR_OUT_OF_RANGE", `${what} must be in ${range}, got ${n}`);
  }
  return { value: n };
}

export function checkNumber(text: string, what: string, min: number | undefined): Checked<number> {
  const n = Number(text.trim());
  if (text.trim() !== "" && Number.isFinite(n) && (min === undefined || n >= min)) return { value: n };
  return problem(
    "POLICY_ERR_INVALID_NUMBER",
    `${what} must be a number${min !== undefined ? ` ≥ ${min}` : ""}, got "${text}"`,
  );
}

export function checkBoolean(text: string, what: string): Checked<boolean> {
  const v = text.trim().toLowerCase();
  if (v === "true") return { value: true };
  if (v === "false") return { value: false };
  return problem("POLICY_ERR_INVALID_BOOLEAN", `${what} must be "true" or "false", got "${text}"`);
}

/** Enumerations match case-insensitively (APIM accepts "Header" and "header") and yield the canonical spelling. */
export function lookupEnum<T extends string>(values: readonly T[], text: string): T | undefined {
  const wanted = text.trim().toLowerCase();
  return values.find((v) => v.toLowerCase() === wanted);
}

export function checkEnum<T extends string>(values: readonly T[], text: string, what: string): Checked<T> {
  const v = lookupEnum(values, text);
  return v !== undefined
    ? { value: v }
    : problem("POLICY_ERR_INVALID_ENUM", `${what} must be one of ${values.join(", ")}, got "${text}"`);
}

/** Stands for a value that depends on a named value unknown to an offline check; never run. */
export function deferredNamedValue(source: string): CompiledExpression {
  return {
    source,
    usesRequestBody: false,
    usesResponseBody: false,
    evaluate() {
      throw new Error(`"${source}" uses a named value that was not supplied`);
    },
  };
}
