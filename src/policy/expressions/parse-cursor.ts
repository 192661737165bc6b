// The token cursor every parser layer stands on: look-ahead, matching and the errors that name what was found.
import type { Token } from "./lexer.js";
import { tokenize } from "./lexer.js";

export class ParseError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export class TokenCursor {
  protected tokens: Token[];
  protected pos = 0;

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
}

/** A token as an error message quotes it. */
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
