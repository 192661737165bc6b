// Statement parser for multi-statement expressions `@{ … }`, and the entry points that parse a whole
// policy expression (`@( … )` or `@{ … }`) and reject trailing text.
import type { Declarator, Expr, Stmt, TypeName } from "./ast.js";
import { describe, Parser } from "./parser.js";

export type ParsedExpression = { kind: "expression"; expr: Expr } | { kind: "block"; body: Stmt[] };

/** Parses the full text of a policy expression; `source` starts with `@(` or `@{`. */
export function parsePolicyExpression(source: string): ParsedExpression {
  const p = new StatementParser(source.slice(1), 1);
  const open = p.peek();
  if (open.value === "(") {
    p.next();
    const expr = p.expression();
    p.expect(")");
    p.end();
    return { kind: "expression", expr };
  }
  const block = p.block();
  p.end();
  return { kind: "block", body: block.kind === "block" ? block.body : [block] };
}

export class StatementParser extends Parser {
  constructor(source: string, base: number) {
    super(source, base);
    this.blockParser = () => this.block();
  }

  end(): void {
    const t = this.peek();
    if (t.kind !== "eof") this.fail(`unexpected '${describe(t)}' after the end of the expression`);
  }

  block(): Stmt {
    const open = this.expect("{");
    const body: Stmt[] = [];
    while (!this.is("}")) {
      if (this.peek().kind === "eof") this.fail("expected '}' before end of expression");
      body.push(this.statement());
    }
    this.next();
    return { kind: "block", at: open.offset, body };
  }

  statement(): Stmt {
    const t = this.peek();
    if (t.kind === "punct") {
      if (t.value === "{") return this.block();
      if (t.value === ";") {
        this.next();
        return { kind: "empty", at: t.offset };
      }
    }
    if (t.kind === "keyword") {
      switch (t.value) {
        case "if": {
          this.next();
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          const then = this.statement();
          const otherwise = this.accept("else") ? this.statement() : undefined;
          return { kind: "if", at: t.offset, test, then, else: otherwise };
        }
        case "while": {
          this.next();
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          return { kind: "while", at: t.offset, test, body: this.statement() };
        }
        case "do": {
          this.next();
          const body = this.statement();
          this.expect("while");
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          this.expect(";");
          return { kind: "do", at: t.offset, test, body };
        }
        case "for":
          return this.forStatement();
        case "foreach": {
          this.next();
          this.expect("(");
          const type = this.tryType() ?? this.fail("expected a type or 'var' in foreach");
          const name = this.ident().value;
          this.expect("in");
          const source = this.expression();
          this.expect(")");
          return {
            kind: "foreach",
            at: t.offset,
            type: type.name === "var" ? undefined : type,
            name,
            source,
            body: this.statement(),
          };
        }
        case "return": {
          this.next();
          const value = this.is(";") ? undefined : this.expression();
          this.expect(";");
          return { kind: "return", at: t.offset, value };
        }
        case "throw": {
          this.next();
          const value = this.is(";") ? undefined : this.expression();
          this.expect(";");
          return { kind: "throw", at: t.offset, value };
        }
        case "break":
        case "continue":
          this.next();
          this.expect(";");
          return { kind: t.value, at: t.offset };
        case "try":
          return this.tryStatement();
        case "switch":
          return this.switchStatement();
        case "using": {
          this.next();
          this.expect("(");
          const resource = this.declarationOrExpression();
          this.expect(")");
          return { kind: "using", at: t.offset, resource, body: this.statement() };
        }
        case "unchecked":
        case "checked":
          this.next();
          return this.block();
      }
    }
    const stmt = this.declarationOrExpression();
    if (stmt.kind !== "function") this.expect(";");
    return stmt;
  }

  /** A local declaration (`var x = 1`, `string[] a = …`, `int F(int x) { … }`) or an expression statement. */
  private declarationOrExpression(): Stmt {
    const start = this.peek();
    const save = this.pos;
    const type = this.tryType();
    if (type && this.peek().kind === "ident") {
      const nameTok = this.peek();
      if (this.is("=", 1) || this.is(";", 1) || this.is(",", 1) || this.is(")", 1)) {
        return {
          kind: "decl",
          at: start.offset,
          type: type.name === "var" ? undefined : type,
          decls: this.declarators(),
        };
      }
      if (this.is("(", 1) && type.name !== "var") {
        const fn = this.tryLocalFunction(nameTok.value, start.offset);
        if (fn) return fn;
      }
    }
    this.pos = save;
    const expr = this.expression();
    return { kind: "expr", at: expr.at, expr };
  }

  private declarators(): Declarator[] {
    const decls: Declarator[] = [];
    do {
      const name = this.ident();
      const init = this.accept("=") ? this.expression() : undefined;
      decls.push({ name: name.value, at: name.offset, init });
    } while (this.accept(","));
    return decls;
  }

  private tryLocalFunction(name: string, at: number): Stmt | undefined {
    const save = this.pos;
    this.next();
    this.next();
    const params: Array<{ type: TypeName; name: string }> = [];
    while (!this.is(")")) {
      const type = this.tryType();
      if (!type || this.peek().kind !== "ident") {
        this.pos = save;
        return undefined;
      }
      params.push({ type, name: this.next().value });
      if (!this.accept(",")) break;
    }
    if (!this.accept(")") || !this.is("{")) {
      this.pos = save;
      return undefined;
    }
    return { kind: "function", at, name, params, body: this.block() };
  }

  private forStatement(): Stmt {
    const at = this.next().offset;
    this.expect("(");
    const init: Stmt[] = [];
    if (!this.is(";")) {
      do init.push(this.declarationOrExpression());
      while (this.accept(","));
    }
    this.expect(";");
    const test = this.is(";") ? undefined : this.expression();
    this.expect(";");
    const update: Expr[] = [];
    if (!this.is(")")) {
      do update.push(this.expression());
      while (this.accept(","));
    }
    this.expect(")");
    return { kind: "for", at, init, test, update, body: this.statement() };
  }

  private tryStatement(): Stmt {
    const at = this.next().offset;
    const body = this.block();
    const catches: Array<{ type: TypeName | undefined; name: string | undefined; body: Stmt }> = [];
    while (this.is("catch")) {
      this.next();
      let type: TypeName | undefined;
      let name: string | undefined;
      if (this.accept("(")) {
        type = this.tryType() ?? this.fail("expected an exception type");
        if (this.peek().kind === "ident") name = this.next().value;
        this.expect(")");
      }
      catches.push({ type, name, body: this.block() });
    }
    const fin = this.accept("finally") ? this.block() : undefined;
    if (catches.length === 0 && !fin) this.fail("expected 'catch' or 'finally' after try block");
    return { kind: "try", at, body, catches, finally: fin };
  }

  private switchStatement(): Stmt {
    const at = this.next().offset;
    this.expect("(");
    const value = this.expression();
    this.expect(")");
    this.expect("{");
    const sections: Array<{ labels: Array<Expr | "default">; body: Stmt[] }> = [];
    while (!this.accept("}")) {
      const labels: Array<Expr | "default"> = [];
      while (this.is("case") || this.is("default")) {
        if (this.next().value === "default") labels.push("default");
        else labels.push(this.expression());
        this.expect(":");
      }
      if (labels.length === 0) this.fail(`expected 'case' or 'default' but found '${describe(this.peek())}'`);
      const body: Stmt[] = [];
      while (!this.is("case") && !this.is("default") && !this.is("}")) {
        if (this.peek().kind === "eof") this.fail("expected '}' before end of expression");
        body.push(this.statement());
      }
      sections.push({ labels, body });
    }
    return { kind: "switch", at, value, sections };
  }
}
