// Recursive-descent parser for C# expressions (precedence climbing by C#'s operator table).
// Statements (for `@{ … }` blocks) extend this class in parse-statements.ts.
import type { Arg, Expr, InitEntry, Stmt, TypeName } from "./ast.js";
import type { Token } from "./lexer.js";
import { tokenize } from "./lexer.js";

export class ParseError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Keyword type names that always start a cast when parenthesized. */
export const PREDEFINED_TYPES = new Set([
  "string",
  "int",
  "long",
  "short",
  "byte",
  "sbyte",
  "uint",
  "ulong",
  "ushort",
  "double",
  "float",
  "decimal",
  "bool",
  "char",
  "object",
]);

// Binary operators by precedence, lowest first (C# spec §12.4.2); ?? and ?: are handled separately.
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

const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "??="]);

// Tokens that may follow a generic type argument list in an expression (C# spec §6.2.5, simplified).
const AFTER_TYPE_ARGS = new Set(["(", ")", ".", ",", ";", "]", "}", "?.", ":", "==", "!="]);

export type Statements = (p: Parser) => Stmt[];

export class Parser {
  protected tokens: Token[];
  protected pos = 0;
  /** Hook for lambda bodies with blocks: set by the statement parser. */
  blockParser: ((p: Parser) => Stmt) | undefined;

  constructor(source: string, base = 0) {
    this.tokens = tokenize(source, base);
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  is(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return (t.kind === "punct" || t.kind === "keyword") && t.value === value;
  }
  accept(value: string): boolean {
    if (this.is(value)) {
      this.pos++;
      return true;
    }
    return false;
  }
  expect(value: string): Token {
    if (!this.is(value)) {
      // `>>` is lexed as two `>` only inside generics; here we only need the plain form.
      const t = this.peek();
      throw new ParseError(
        `expected '${value}'${t.kind === "eof" ? " before end of expression" : ` but found '${describe(t)}'`}`,
        t.offset,
      );
    }
    return this.next();
  }
  ident(): Token {
    const t = this.peek();
    if (t.kind !== "ident") throw new ParseError(`expected an identifier but found '${describe(t)}'`, t.offset);
    return this.next();
  }
  fail(message: string, at = this.peek().offset): never {
    throw new ParseError(message, at);
  }

  // ---- types ----

  /** Parses a type name or returns undefined (restoring the position) when the tokens are not a type. */
  tryType(): TypeName | undefined {
    const save = this.pos;
    const t = this.type();
    if (t === undefined) this.pos = save;
    return t;
  }

  private type(): TypeName | undefined {
    const first = this.peek();
    if (first.kind !== "ident" && !(first.kind === "keyword" && first.value === "var")) return undefined;
    this.next();
    let name = first.value;
    let args: TypeName[] = [];
    for (;;) {
      if (this.is("<")) {
        const list = this.typeArgs();
        if (list === undefined) return undefined;
        args = list;
      }
      if (this.is(".") && this.peek(1).kind === "ident") {
        this.next();
        name += `.${this.next().value}`;
        continue;
      }
      break;
    }
    let nullable = false;
    if (this.is("?") && this.nullableFollows(1)) {
      this.next();
      nullable = true;
    }
    let arrays = 0;
    while (this.is("[") && this.is("]", 1)) {
      this.next();
      this.next();
      arrays++;
    }
    return { name, args, arrays, nullable, at: first.offset };
  }

  /** After a type, `?` marks a nullable type when a declarator name or a type-list delimiter follows. */
  private nullableFollows(ahead: number): boolean {
    const t = this.peek(ahead);
    return t.kind === "ident" || (t.kind === "punct" && [">", ",", ")", "]", "["].includes(t.value));
  }

  /** `<T, U>` after a name; undefined when it is not a type argument list. */
  typeArgs(): TypeName[] | undefined {
    const save = this.pos;
    if (!this.accept("<")) return undefined;
    const args: TypeName[] = [];
    for (;;) {
      const t = this.type();
      if (t === undefined) {
        this.pos = save;
        return undefined;
      }
      args.push(t);
      if (this.accept(",")) continue;
      if (this.accept(">")) return args;
      this.pos = save;
      return undefined;
    }
  }

  // ---- expressions ----

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

  private conditional(): Expr {
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

  private postfix(expr: Expr): Expr {
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

  private typeArgsInExpression(): TypeName[] | undefined {
    const save = this.pos;
    const list = this.typeArgs();
    if (list && AFTER_TYPE_ARGS.has(this.peek().value) && this.peek().kind === "punct") return list;
    this.pos = save;
    return undefined;
  }

  private primary(): Expr {
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
        const parts = (t.parts ?? []).map((p) => {
          if (p.kind === "text") return p.text;
          const sub = new Parser(p.source, p.offset);
          if (sub.peek().kind === "eof") sub.fail("empty interpolation hole");
          const expr = sub.expression();
          if (sub.peek().kind !== "eof") sub.fail(`unexpected '${describe(sub.peek())}' in interpolation hole`);
          return { expr, format: p.format, align: p.align };
        });
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
      case "default": {
        this.next();
        if (!this.accept("(")) return { kind: "literal", at: t.offset, value: null, type: "null" };
        const type = this.tryType() ?? this.fail("expected a type in default(…)");
        this.expect(")");
        const numeric = [
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
        ].includes(type.name);
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

  private newExpression(at: number): Expr {
    // Anonymous object: new { a = 1, b }.
    if (this.is("{")) {
      this.next();
      const members: Array<{ name: string; value: Expr }> = [];
      while (!this.accept("}")) {
        const value = this.expression();
        if (value.kind === "assign" && value.op === "=" && value.target.kind === "name") {
          members.push({ name: value.target.name, value: value.value });
        } else if (value.kind === "member" || value.kind === "name") {
          members.push({ name: value.name, value });
        } else this.fail("expected 'name = value' in anonymous object", value.at);
        if (!this.accept(",")) {
          this.expect("}");
          break;
        }
      }
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

  private collection(): Expr[] {
    this.expect("{");
    const items: Expr[] = [];
    while (!this.accept("}")) {
      items.push(
        this.is("{")
          ? { kind: "array", at: this.peek().offset, elem: undefined, size: undefined, items: this.collection() }
          : this.expression(),
      );
      if (!this.accept(",")) {
        this.expect("}");
        break;
      }
    }
    return items;
  }

  /** `{ A = 1, ["k"] = v }` (object initializer) or `{ a, b }` (collection initializer). */
  private initializer(): { kind: "objects"; entries: InitEntry[] } | { kind: "items"; items: Expr[] } {
    this.expect("{");
    const entries: InitEntry[] = [];
    const items: Expr[] = [];
    while (!this.accept("}")) {
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
        const at = this.peek().offset;
        items.push({ kind: "array", at, elem: undefined, size: undefined, items: this.collection() });
      } else items.push(this.expression());
      if (!this.accept(",")) {
        this.expect("}");
        break;
      }
    }
    if (entries.length > 0 && items.length > 0) this.fail("cannot mix object and collection initializers");
    return entries.length > 0 || items.length === 0 ? { kind: "objects", entries } : { kind: "items", items };
  }
}

export function describe(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "end of expression";
    case "string":
      return `"${t.value}"`;
    case "interp":
      return "interpolated string";
    case "char":
      return `'${t.value}'`;
    default:
      return t.value;
  }
}
