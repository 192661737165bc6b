// Recursive-descent parser for C# expressions, in layers from the bottom up:
//   parse-cursor (tokens, errors) → parse-types (type names, generic arguments) → parse-new (arguments,
//   `new`) → parse-primary (literals, names, postfix chains) → parse-operators (precedence climbing,
//   casts, `is`/`as`) → this file (the entry point: lambdas and assignment).
// Lower layers reach `expression()` through an abstract declaration. Statements (for `@{ … }` blocks)
// extend this class in parse-statements.ts.
import type { Expr, Stmt } from "./ast.js";
import { describe } from "./parse-cursor.js";
import { OperatorParser } from "./parse-operators.js";

export { describe, ParseError } from "./parse-cursor.js";
export { PREDEFINED_TYPES } from "./parse-types.js";

const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "??="]);

export type Statements = (p: Parser) => Stmt[];

export class Parser extends OperatorParser {
  /** Hook for lambda bodies with blocks: set by the statement parser. */
  blockParser: ((p: Parser) => Stmt) | undefined;

  expression(): Expr {
    const t = this.peek();
    // Lambdas: `x => …` and `(a, b) => …`.
    if (t.kind === "ident" && this.is("=>", 1)) {
      this.next();
      this.next();
      return this.lambdaBody([t.value], t.offset);
    }
    if (this.is("(")) {
      const params = this.tryLambdaParams();
      if (params) return this.lambdaBody(params, t.offset);
    }
    const target = this.conditional();
    const op = this.peek();
    if (op.kind === "punct" && ASSIGN_OPS.has(op.value)) {
      this.next();
      const value = this.expression();
      return { kind: "assign", at: target.at, op: op.value, target, value };
    }
    return target;
  }

  private tryLambdaParams(): string[] | undefined {
    const save = this.pos;
    this.next();
    const names: string[] = [];
    while (!this.is(")")) {
      const a = this.peek();
      // Optional explicit parameter type: `(string s) => …`.
      if (a.kind === "ident" && this.peek(1).kind === "ident") this.next();
      const nameTok = this.peek();
      if (nameTok.kind !== "ident") {
        this.pos = save;
        return undefined;
      }
      this.next();
      names.push(nameTok.value);
      if (!this.accept(",")) break;
    }
    if (this.accept(")") && this.accept("=>")) return names;
    this.pos = save;
    return undefined;
  }

  private lambdaBody(params: string[], at: number): Expr {
    if (this.is("{")) {
      if (!this.blockParser) this.fail("statement lambdas are only allowed in @{ } blocks");
      return { kind: "lambda", at, params, body: this.blockParser(this) };
    }
    return { kind: "lambda", at, params, body: this.expression() };
  }

  // A hole is parsed on its own, as an expression (never statements), and must use up its source.
  protected interpolationHole(source: string, offset: number): Expr {
    const sub = new Parser(source, offset);
    if (sub.peek().kind === "eof") sub.fail("empty interpolation hole");
    const expr = sub.expression();
    if (sub.peek().kind !== "eof") sub.fail(`unexpected '${describe(sub.peek())}' in interpolation hole`);
    return expr;
  }
}
