// Operators by C#'s precedence (spec §12.4.2), from `?:` down to unary operators and casts; `is` and `as`
// take a type (or a constant pattern) on their right instead of an operand.
import type { Expr } from "./ast.js";
import { PrimaryParser } from "./parse-primary.js";
import { PREDEFINED_TYPES } from "./parse-types.js";

// Binary operators by precedence, lowest first; ?? and ?: are handled separately.
const BINARY_LEVELS: string[][] = [
  ["||"],
  ["&&"],
  ["|"],
  ["^"],
  ["&"],
  ["==", "!="],
  ["<", ">", "<=", ">=", "is", "as"],
  ["<<", ">>"],
  ["+", "-"],
  ["*", "/", "%"],
];

export abstract class OperatorParser extends PrimaryParser {
  protected conditional(): Expr {
    const test = this.coalesce();
    if (this.is("?")) {
      this.next();
      const then = this.expression();
      this.expect(":");
      const otherwise = this.expression();
      return { kind: "cond", at: test.at, test, then, else: otherwise };
    }
    return test;
  }

  private coalesce(): Expr {
    const left = this.binary(0);
    if (this.is("??")) {
      this.next();
      const right = this.coalesce();
      return { kind: "binary", at: left.at, op: "??", left, right };
    }
    return left;
  }

  private binary(level: number): Expr {
    if (level >= BINARY_LEVELS.length) return this.unary();
    const ops = BINARY_LEVELS[level]!;
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      // `>>` is two `>` tokens (so that nested generics close); join adjacent ones here.
      let op = t.value;
      if (op === ">" && this.is(">", 1) && this.peek(1).offset === t.end) op = ">>";
      if (!((t.kind === "punct" || t.kind === "keyword") && ops.includes(op))) return left;
      if (op === ">>") this.next();
      this.next();
      if (op === "is") {
        left = this.isPattern(left);
        continue;
      }
      if (op === "as") {
        const type = this.tryType() ?? this.fail("expected a type after 'as'");
        left = { kind: "as", at: left.at, expr: left, type };
        continue;
      }
      const right = this.binary(level + 1);
      left = { kind: "binary", at: left.at, op, left, right };
    }
  }

  private isPattern(left: Expr): Expr {
    const t = this.peek();
    if (t.kind === "keyword" && t.value === "null") {
      this.next();
      return {
        kind: "is",
        at: left.at,
        expr: left,
        type: undefined,
        pattern: { kind: "literal", at: t.offset, value: null, type: "null" },
      };
    }
    if (
      t.kind === "string" ||
      t.kind === "number" ||
      t.kind === "char" ||
      (t.kind === "keyword" && (t.value === "true" || t.value === "false"))
    ) {
      const pattern = this.primary();
      return { kind: "is", at: left.at, expr: left, type: undefined, pattern };
    }
    const type = this.tryType() ?? this.fail("expected a type or constant after 'is'");
    const bind = this.peek().kind === "ident" ? this.next().value : undefined;
    return bind === undefined
      ? { kind: "is", at: left.at, expr: left, type }
      : { kind: "is", at: left.at, expr: left, type, bind };
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === "punct" && ["!", "-", "+", "~"].includes(t.value)) {
      this.next();
      return { kind: "unary", at: t.offset, op: t.value, operand: this.unary() };
    }
    if (t.kind === "punct" && (t.value === "++" || t.value === "--")) {
      this.next();
      return { kind: "update", at: t.offset, op: t.value, prefix: true, target: this.unary() };
    }
    if (t.kind === "punct" && t.value === "(") {
      const cast = this.tryCast();
      if (cast) return cast;
    }
    return this.postfix(this.primary());
  }

  /** `(T)x` when the parenthesized tokens are a type and what follows can only be an operand. */
  private tryCast(): Expr | undefined {
    const save = this.pos;
    const open = this.next();
    const keywordType = PREDEFINED_TYPES.has(this.peek().value) && this.peek().kind === "ident";
    const type = this.tryType();
    if (type && this.accept(")")) {
      const n = this.peek();
      const operandStarts =
        n.kind === "ident" ||
        n.kind === "number" ||
        n.kind === "string" ||
        n.kind === "interp" ||
        n.kind === "char" ||
        (n.kind === "keyword" && ["new", "true", "false", "null", "typeof"].includes(n.value)) ||
        (n.kind === "punct" && ["(", "!", "~"].includes(n.value)) ||
        (keywordType && n.kind === "punct" && ["-", "+"].includes(n.value));
      if (operandStarts) return { kind: "cast", at: open.offset, type, expr: this.unary() };
    }
    this.pos = save;
    return undefined;
  }
}
