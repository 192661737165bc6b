// The $filter subset Azure's APIM list operations accept: comparisons (eq, ne, gt, ge, lt, le),
// contains()/startswith()/endswith()/substringof(), and/or/not and parentheses, on `name` and property
// fields ("displayName", "properties/displayName" or "properties.displayName"). The expression is
// parsed once per request into a predicate over an entity.
import { ApiError } from "./errors.js";

export interface Filterable {
  readonly name: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export type FilterPredicate = (entity: Filterable) => boolean;

type Token =
  | { t: "str"; v: string }
  | { t: "num"; v: number }
  | { t: "id"; v: string }
  | { t: "("; v: "(" }
  | { t: ")"; v: ")" }
  | { t: ","; v: "," };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ t: c, v: c } as Token);
      i++;
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw filterError("unterminated string literal");
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ t: "str", v: value });
    } else {
      const m = /^[-+]?\d+(\.\d+)?(?![\w/.])/.exec(text.slice(i)) ?? /^[\w$./-]+/.exec(text.slice(i));
      if (!m) throw filterError(`unexpected character '${c}' at position ${i + 1}`);
      const word = m[0];
      tokens.push(
        /^[-+]?\d/.test(word) && !Number.isNaN(Number(word)) ? { t: "num", v: Number(word) } : { t: "id", v: word },
      );
      i += word.length;
    }
  }
  return tokens;
}

function filterError(message: string): ApiError {
  return new ApiError(400, "ValidationError", `Invalid $filter: ${message}.`, {
    details: [{ code: "InvalidFilter", message, target: "$filter" }],
  });
}

type Getter = (e: Filterable) => unknown;
type Literal = string | number | boolean | null;

function fieldGetter(path: string): Getter {
  const parts = path.split(/[/.]/).filter(Boolean);
  if (parts[0] === "properties") parts.shift();
  if (parts.length === 1 && parts[0] === "name") return (e) => e.name;
  return (e) => {
    let node: unknown = e.properties;
    for (const p of parts)
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[p] : undefined;
    return node;
  };
}

const lower = (v: unknown): unknown => (typeof v === "string" ? v.toLowerCase() : v);

function compare(op: string, a: unknown, b: Literal): boolean {
  // Azure compares strings in filters case-insensitively.
  const x = lower(a);
  const y = lower(b);
  switch (op) {
    case "eq":
      return x === y || (y === null && x === undefined);
    case "ne":
      return !(x === y || (y === null && x === undefined));
    case "gt":
      return typeof x === typeof y && (x as number) > (y as number);
    case "ge":
      return typeof x === typeof y && (x as number) >= (y as number);
    case "lt":
      return typeof x === typeof y && (x as number) < (y as number);
    default:
      return typeof x === typeof y && (x as number) <= (y as number);
  }
}

const functions: Record<string, (haystack: string, needle: string) => boolean> = {
  contains: (h, n) => h.includes(n),
  startswith: (h, n) => h.startsWith(n),
  endswith: (h, n) => h.endsWith(n),
};

/** Bounds that keep a hostile expression from costing more than a small, fixed amount of work. */
const maxFilterLength = 2048;
const maxDepth = 32;

export function compileFilter(text: string): FilterPredicate {
  if (text.length > maxFilterLength) throw filterError(`longer than ${maxFilterLength} characters`);
  const tokens = tokenize(text);
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const tok = tokens[pos++];
    if (!tok) throw filterError("unexpected end of expression");
    return tok;
  };
  const expect = (t: Token["t"]) => {
    const tok = next();
    if (tok.t !== t) throw filterError(`expected '${t}' but found '${tok.v}'`);
    return tok;
  };
  const keyword = (word: string) => {
    const tok = peek();
    if (tok?.t === "id" && tok.v.toLowerCase() === word) {
      pos++;
      return true;
    }
    return false;
  };
  const literal = (): Literal => {
    const tok = next();
    if (tok.t === "str" || tok.t === "num") return tok.v;
    if (tok.t === "id" && ["true", "false", "null"].includes(tok.v.toLowerCase()))
      return tok.v.toLowerCase() === "null" ? null : tok.v.toLowerCase() === "true";
    throw filterError(`expected a literal but found '${tok.v}'`);
  };

  const orExpr = (): FilterPredicate => {
    let left = andExpr();
    while (keyword("or")) {
      const l = left;
      const r = andExpr();
      left = (e) => l(e) || r(e);
    }
    return left;
  };
  const andExpr = (): FilterPredicate => {
    let left = unary();
    while (keyword("and")) {
      const l = left;
      const r = unary();
      left = (e) => l(e) && r(e);
    }
    return left;
  };
  const unary = (): FilterPredicate => {
    if (keyword("not")) {
      if (++depth > maxDepth) throw filterError(`nested deeper than ${maxDepth} levels`);
      const inner = unary();
      depth--;
      return (e) => !inner(e);
    }
    return primary();
  };
  const primary = (): FilterPredicate => {
    const tok = next();
    if (tok.t === "(") {
      if (++depth > maxDepth) throw filterError(`nested deeper than ${maxDepth} levels`);
      const inner = orExpr();
      expect(")");
      depth--;
      return inner;
    }
    if (tok.t !== "id") throw filterError(`expected a field or function but found '${tok.v}'`);
    const fn = tok.v.toLowerCase();
    if (peek()?.t === "(" && (fn in functions || fn === "substringof")) {
      pos++;
      let field: Getter;
      let needle: string;
      if (fn === "substringof") {
        needle = String(literal());
        expect(",");
        field = fieldGetter(expect("id").v as string);
      } else {
        field = fieldGetter(expect("id").v as string);
        expect(",");
        needle = String(literal());
      }
      expect(")");
      const test = functions[fn === "substringof" ? "contains" : fn] as (h: string, n: string) => boolean;
      const n = needle.toLowerCase();
      const check: FilterPredicate = (e) => {
        const v = field(e);
        return typeof v === "string" && test(v.toLowerCase(), n);
      };
      // OData allows "contains(name,'x') eq true".
      if (peek()?.t === "id" && /^(eq|ne)$/i.test(String(peek()?.v))) {
        const op = String(next().v).toLowerCase();
        const want = literal() === true;
        return (e) => (check(e) === want) === (op === "eq");
      }
      return check;
    }
    const field = fieldGetter(tok.v);
    const opTok = next();
    const op = String(opTok.v).toLowerCase();
    if (opTok.t !== "id" || !["eq", "ne", "gt", "ge", "lt", "le"].includes(op))
      throw filterError(`expected a comparison operator after '${tok.v}' but found '${opTok.v}'`);
    const value = literal();
    return (e) => compare(op, field(e), value);
  };

  const predicate = orExpr();
  if (pos < tokens.length) throw filterError(`unexpected '${tokens[pos]?.v}' at the end`);
  return predicate;
}
