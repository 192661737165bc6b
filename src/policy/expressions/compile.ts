// Glue between parser, compiler and the public API: positions inside the expression become absolute
// line/column diagnostics in the policy document.
import type { Diagnostic } from "../../core/errors.js";
import type { PolicyContext } from "../types.js";
import { CompileError } from "./compile-base.js";
import type { RunEnv } from "./compile-expr.js";
import { Compiler } from "./compile-stmt.js";
import { LexError } from "./lexer.js";
import { parsePolicyExpression } from "./parse-statements.js";
import { ParseError } from "./parser.js";

export interface CompiledExpression {
  readonly source: string;
  evaluate(ctx: PolicyContext): unknown;
  /** True when the expression reads context.Request.Body (the gateway must buffer the request). */
  readonly usesRequestBody: boolean;
  /** True when the expression reads context.Response.Body (the gateway must buffer the response). */
  readonly usesResponseBody: boolean;
}

/** Expressions without locals never write a slot: they share one empty array. */
const NO_SLOTS: unknown[] = Object.freeze([]) as unknown as unknown[];

interface At {
  path: string;
  line: number;
  column: number;
}

/** Absolute position of `offset` inside `source`, which starts at `at` in the document. */
export function positionOf(source: string, offset: number, at: At): { line: number; column: number } {
  let line = at.line;
  let column = at.column;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source[i] === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

function diagnostic(source: string, at: At, code: string, message: string, offset: number): Diagnostic {
  return {
    severity: "error",
    code,
    message,
    path: at.path,
    ...positionOf(source, offset, at),
  };
}

export function compileExpression(
  source: string,
  at: At,
):
  | { expression: CompiledExpression; diagnostics: Diagnostic[] }
  | { expression: undefined; diagnostics: Diagnostic[] } {
  if (!source.startsWith("@(") && !source.startsWith("@{")) {
    return {
      expression: undefined,
      diagnostics: [
        diagnostic(source, at, "POLICY_ERR_EXPRESSION_SYNTAX", "a policy expression starts with '@(' or '@{'", 0),
      ],
    };
  }
  let parsed: ReturnType<typeof parsePolicyExpression>;
  try {
    parsed = parsePolicyExpression(source);
  } catch (error) {
    if (error instanceof ParseError || error instanceof LexError) {
      return {
        expression: undefined,
        diagnostics: [diagnostic(source, at, "POLICY_ERR_EXPRESSION_SYNTAX", error.message, error.offset)],
      };
    }
    throw error;
  }
  const compiler = new Compiler();
  let run: (env: RunEnv) => unknown;
  try {
    run =
      parsed.kind === "expression" ? compiler.expr(parsed.expr).ev : compiler.program(parsed.body, source.length - 1);
  } catch (error) {
    // A compiler defect must surface as a diagnostic on the document, not as a failed save request.
    const offset = error instanceof CompileError ? error.offset : 0;
    const message = error instanceof Error ? error.message : String(error);
    return {
      expression: undefined,
      diagnostics: [diagnostic(source, at, "POLICY_ERR_EXPRESSION_UNSUPPORTED", message, offset)],
    };
  }
  if (compiler.errors.length > 0) {
    return {
      expression: undefined,
      diagnostics: compiler.errors.map((e) => diagnostic(source, at, e.code, e.message, e.offset)),
    };
  }
  const slots = compiler.slotCount;
  const expression: CompiledExpression = Object.freeze({
    source,
    usesRequestBody: compiler.usesRequestBody,
    usesResponseBody: compiler.usesResponseBody,
    evaluate(ctx: PolicyContext): unknown {
      // One shape for every environment (view and depth are set lazily by the closures that need them).
      const env: RunEnv = { ctx, slots: slots === 0 ? NO_SLOTS : new Array(slots), view: undefined, depth: 0 };
      return run(env) ?? null;
    },
  });
  return { expression, diagnostics: [] };
}
