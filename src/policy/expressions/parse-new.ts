// Argument lists and `new` expressions: objects with constructor arguments and initializers, arrays,
// anonymous objects. Expressions inside them come back through `expression()`, defined by the Parser on top.
import type { Arg, Expr, InitEntry } from "./ast.js";
import { describe } from "./parse-cursor.js";
import { TypeParser } from "./parse-types.js";

export abstract class ObjectCreationParser extends TypeParser {
  abstract expression(): Expr;

  /** Call or indexer arguments up to `close`, with names (`x: 1`) and `out`/`ref` modifiers. */
  args(close: string): Arg[] {
    const args: Arg[] = [];
    if (this.accept(close)) return args;
    for (;;) {
      const arg: Arg = { value: undefined as unknown as Expr };
      if (this.peek().kind === "ident" && this.is(":", 1)) {
        arg.name = this.next().value;
        this.next();
      }
      if (this.is("out") || this.is("ref")) {
        const kw = this.next();
        if (kw.value === "out") {
          const declared = (this.peek().kind === "ident" || this.is("var")) && this.peek(1).kind === "ident";
          if (declared) this.next();
          const name = this.ident();
          arg.out = { name: name.value, declared };
          arg.value = { kind: "name", at: name.offset, name: name.value };
        } else arg.value = this.expression();
      } else arg.value = this.expression();
      args.push(arg);
      if (this.accept(",")) continue;
      this.expect(close);
      return args;
    }
  }

  /** What follows `new` (already consumed) at `at`. */
  protected newExpression(at: number): Expr {
    // Anonymous object: new { a = 1, b }.
    if (this.is("{")) {
      this.next();
      const members: Array<{ name: string; value: Expr }> = [];
      this.commaSeparated("}", () => {
        const value = this.expression();
        if (value.kind === "assign" && value.op === "=" && value.target.kind === "name") {
          members.push({ name: value.target.name, value: value.value });
        } else if (value.kind === "member" || value.kind === "name") {
          members.push({ name: value.name, value });
        } else this.fail("expected 'name = value' in anonymous object", value.at);
      });
      return { kind: "anon", at, members };
    }
    // Implicitly typed array: new[] { … }.
    if (this.is("[")) {
      this.next();
      this.expect("]");
      return { kind: "array", at, elem: undefined, size: undefined, items: this.collection() };
    }
    const tok = this.peek();
    if (!(tok.kind === "ident")) this.fail(`expected a type after 'new' but found '${describe(tok)}'`);
    const type = this.tryType() ?? this.fail("expected a type after 'new'");
    if (type.arrays > 0) {
      // `new string[] { … }` / `new string[] {}`.
      const items = this.is("{") ? this.collection() : this.fail("expected '{' after array type");
      return { kind: "array", at, elem: { ...type, arrays: type.arrays - 1 }, size: undefined, items };
    }
    if (this.is("[")) {
      this.next();
      const size = this.expression();
      this.expect("]");
      const items = this.is("{") ? this.collection() : undefined;
      return { kind: "array", at, elem: type, size, items };
    }
    let args: Arg[] = [];
    const hadParens = this.accept("(");
    if (hadParens) args = this.args(")");
    if (this.is("{")) {
      const init = this.initializer();
      return init.kind === "objects"
        ? { kind: "new", at, type, args, init: init.entries }
        : { kind: "new", at, type, args, items: init.items };
    }
    if (!hadParens) this.fail("expected '(' or '{' after type in 'new'");
    return { kind: "new", at, type, args };
  }

  /** `{ a, b }` of an array; a nested `{ … }` is an implicitly typed inner array. */
  private collection(): Expr[] {
    this.expect("{");
    const items: Expr[] = [];
    this.commaSeparated("}", () => items.push(this.is("{") ? this.innerArray() : this.expression()));
    return items;
  }

  private innerArray(): Expr {
    const at = this.peek().offset;
    return { kind: "array", at, elem: undefined, size: undefined, items: this.collection() };
  }

  /** `{ A = 1, ["k"] = v }` (object initializer) or `{ a, b }` (collection initializer). */
  private initializer(): { kind: "objects"; entries: InitEntry[] } | { kind: "items"; items: Expr[] } {
    this.expect("{");
    const entries: InitEntry[] = [];
    const items: Expr[] = [];
    this.commaSeparated("}", () => {
      if (this.is("[")) {
        this.next();
        const key = this.expression();
        this.expect("]");
        this.expect("=");
        entries.push({ kind: "index", key, value: this.expression() });
      } else if (this.peek().kind === "ident" && this.is("=", 1)) {
        const name = this.next().value;
        this.next();
        entries.push({ kind: "member", name, value: this.expression() });
      } else if (this.is("{")) {
        // Dictionary-style collection initializer entry: { key, value }.
        items.push(this.innerArray());
      } else items.push(this.expression());
    });
    if (entries.length > 0 && items.length > 0) this.fail("cannot mix object and collection initializers");
    return entries.length > 0 || items.length === 0 ? { kind: "objects", entries } : { kind: "items", items };
  }

  /** Items separated by commas up to `close` (already opened); a trailing comma is allowed: `{ a, b, }`. */
  private commaSeparated(close: string, item: () => void): void {
    while (!this.accept(close)) {
      item();
      if (!this.accept(",")) {
        this.expect(close);
        break;
      }
    }
  }
}
