// Primary expressions (literals, names, interpolated strings, keyword forms such as `typeof` and `default`,
// parentheses, `new`) and the postfix chain after them: member access, calls, indexers, `++`/`--`, `!`.
import type { Expr } from "./ast.js";
import type { Token } from "./lexer.js";
import { describe } from "./parse-cursor.js";
import { ObjectCreationParser } from "./parse-new.js";

export abstract class PrimaryParser extends ObjectCreationParser {
  /** Parses the source of an interpolation hole `{ … }` with a parser of its own. */
  protected abstract interpolationHole(source: string, offset: number): Expr;

  protected postfix(expr: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind !== "punct") return expr;
      if (t.value === "." || t.value === "?.") {
        this.next();
        const name = this.ident();
        const typeArgs = this.is("<") ? this.typeArgsInExpression() : undefined;
        expr = {
          kind: "member",
          at: expr.at,
          target: expr,
          name: name.value,
          nullCond: t.value === "?.",
          nameAt: name.offset,
          ...(typeArgs ? { typeArgs } : {}),
        };
        continue;
      }
      if (t.value === "(") {
        this.next();
        expr = { kind: "call", at: expr.at, callee: expr, args: this.args(")") };
        continue;
      }
      if (t.value === "[" || t.value === "?[") {
        this.next();
        const args = this.args("]").map((a) => a.value);
        expr = { kind: "index", at: expr.at, target: expr, args, nullCond: t.value === "?[" };
        continue;
      }
      if (t.value === "++" || t.value === "--") {
        this.next();
        expr = { kind: "update", at: expr.at, op: t.value, prefix: false, target: expr };
        continue;
      }
      if (t.value === "!" && this.peek(1).kind === "punct" && [".", ")", ";", ","].includes(this.peek(1).value)) {
        // Null-forgiving operator: no run-time effect.
        this.next();
        continue;
      }
      return expr;
    }
  }

  protected primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case "number": {
        this.next();
        const type = t.numberType ?? "int";
        return { kind: "literal", at: t.offset, value: Number(t.value), type: type === "float" ? "double" : type };
      }
      case "string":
        this.next();
        return { kind: "literal", at: t.offset, value: t.value, type: "string" };
      case "char":
        this.next();
        return { kind: "literal", at: t.offset, value: t.value, type: "char" };
      case "interp": {
        this.next();
        const parts = (t.parts ?? []).map((p) =>
          p.kind === "text"
            ? p.text
            : { expr: this.interpolationHole(p.source, p.offset), format: p.format, align: p.align },
        );
        return { kind: "interp", at: t.offset, parts };
      }
      case "ident": {
        this.next();
        const typeArgs = this.is("<") ? this.typeArgsInExpression() : undefined;
        return typeArgs
          ? { kind: "name", at: t.offset, name: t.value, typeArgs }
          : { kind: "name", at: t.offset, name: t.value };
      }
      case "keyword":
        return this.keywordPrimary(t);
      case "punct":
        if (t.value === "(") {
          this.next();
          const inner = this.expression();
          this.expect(")");
          return inner;
        }
        break;
      case "eof":
        this.fail("expected an expression before end of text");
    }
    return this.fail(`unexpected '${describe(t)}'`);
  }

  private keywordPrimary(t: Token): Expr {
    switch (t.value) {
      case "true":
      case "false":
        this.next();
        return { kind: "literal", at: t.offset, value: t.value === "true", type: "bool" };
      case "null":
        this.next();
        return { kind: "literal", at: t.offset, value: null, type: "null" };
      case "new":
        this.next();
        return this.newExpression(t.offset);
      case "typeof": {
        this.next();
        this.expect("(");
        const type = this.tryType() ?? this.fail("expected a type");
        this.expect(")");
        return { kind: "typeof", at: t.offset, type };
      }
      case "default":
        return this.defaultValue(t);
      case "unchecked":
      case "checked": {
        // unchecked(expr): int arithmetic already wraps; checked overflow detection is not modelled.
        this.next();
        this.expect("(");
        const inner = this.expression();
        this.expect(")");
        return inner;
      }
    }
    return this.fail(`unexpected keyword '${t.value}'`);
  }

  /** `default` or `default(T)`: null, or 0 / false for the numeric and boolean types. */
  private defaultValue(t: Token): Expr {
    this.next();
    if (!this.accept("(")) return { kind: "literal", at: t.offset, value: null, type: "null" };
    const type = this.tryType() ?? this.fail("expected a type in default(…)");
    this.expect(")");
    const numeric = ZERO_DEFAULT_TYPES.has(type.name);
    const value =
      type.arrays > 0 || type.nullable
        ? null
        : numeric
          ? 0
          : type.name === "bool" || type.name === "Boolean"
            ? false
            : null;
    return { kind: "literal", at: t.offset, value, type: value === null ? "null" : numeric ? "int" : "bool" };
  }
}

/** Types whose `default(T)` is 0. */
const ZERO_DEFAULT_TYPES = new Set([
  "int",
  "long",
  "short",
  "byte",
  "double",
  "float",
  "decimal",
  "Int32",
  "Int64",
  "Double",
]);
