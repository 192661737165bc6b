// Policy expressions: `@( … )` and `@{ … }` written in C#, parsed once into a tree of closures.
// The policy compiler calls compileExpression when a document is saved; the gateway calls evaluate
// per request. Nothing here generates or evaluates JavaScript source.
import type { Diagnostic } from "../../core/errors.js";
import type { CompiledExpression } from "./compile.js";
import { compileExpression as compile } from "./compile.js";

export type { CompiledExpression } from "./compile.js";

/** Trimmed text starts with "@(" or "@{". */
export function isExpression(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("@(") || t.startsWith("@{");
}

export function compileExpression(
  source: string,
  at: { path: string; line: number; column: number },
):
  | { expression: CompiledExpression; diagnostics: Diagnostic[] }
  | { expression: undefined; diagnostics: Diagnostic[] } {
  return compile(source, at);
}

export { createExpressionContext } from "./context-view.js";
export { findExpressionEnd } from "./extent.js";
export { toPolicyString } from "./to-string.js";
