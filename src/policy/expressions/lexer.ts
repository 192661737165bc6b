// Lexer for the C# 7 subset APIM policy expressions use. Tokens carry their offset into the source so the
// parser can report absolute line/column positions inside the policy document.

export type TokenKind = "ident" | "keyword" | "number" | "string" | "interp" | "char" | "punct" | "eof";

/** A piece of an interpolated string: literal text, or a hole holding an expression's source. */
export type InterpPart =
  | { kind: "text"; text: string }
  | { kind: "hole"; source: string; offset: number; format: string | undefined; align: number | undefined };

export interface Token {
  kind: TokenKind;
  /** Identifier/keyword name, punctuation text, decoded string/char value, or the number's text. */
  value: string;
  offset: number;
  end: number;
  /** Numeric literal suffix kind. */
  numberType?: "int" | "long" | "double" | "decimal" | "float";
  parts?: InterpPart[];
}

export class LexError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const KEYWORDS = new Set([
  "true",
  "false",
  "null",
  "new",
  "var",
  "if",
  "else",
  "for",
  "foreach",
  "in",
  "while",
  "do",
  "return",
  "throw",
  "try",
  "catch",
  "finally",
  "is",
  "as",
  "using",
  "switch",
  "case",
  "default",
  "break",
  "continue",
  "out",
  "ref",
  "typeof",
  "unchecked",
  "checked",
]);

// Longest first so that the scanner can take the first match.
const PUNCTUATORS = [
  "??=",
  "<<=",
  ">>=",
  "?.",
  "?[",
  "??",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "<<",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  ".",
  ",",
  ";",
  ":",
  "?",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
  "~",
  "<",
  ">",
  "=",
  "&",
  "|",
  "^",
];

const SIMPLE_ESCAPES: Record<string, string> = {
  "'": "'",
  '"': '"',
  "\\": "\\",
  "0": "\0",
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= "0" && c <= "9");
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

export function tokenize(src: string, base = 0): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;
  const fail = (message: string, at: number): never => {
    throw new LexError(message, base + at);
  };

  // Reads an escape after a backslash at src[i] === "\\"; returns [decoded, nextIndex].
  const readEscape = (at: number): [string, number] => {
    const c = src[at + 1];
    if (c === undefined) return fail("unterminated escape sequence", at);
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return [simple, at + 2];
    if (c === "u" || c === "x" || c === "U") {
      const max = c === "U" ? 8 : 4;
      let j = at + 2;
      let hex = "";
      while (j < n && hex.length < max && /[0-9a-fA-F]/.test(src[j]!)) hex += src[j++];
      if (hex.length === 0 || (c !== "x" && hex.length !== max)) return fail(`invalid escape sequence '\\${c}'`, at);
      return [String.fromCodePoint(Number.parseInt(hex, 16)), j];
    }
    return fail(`invalid escape sequence '\\${c}'`, at);
  };

  // Reads a string literal from its opening `"` at `open` (after `@`, `$` or `$@`); an interpolated one
  // (`holes`) is split into text and `{ … }` holes. Returns the parts and the index after the closing `"`.
  // Unterminated literals are reported at `startAt`.
  const stringBody = (open: number, verbatim: boolean, holes: boolean, startAt: number): [InterpPart[], number] => {
    const what = holes ? "interpolated string" : "string literal";
    const parts: InterpPart[] = [];
    let text = "";
    let j = open + 1;
    for (;;) {
      if (j >= n) return fail(`unterminated ${what}`, startAt);
      const c = src[j]!;
      if (c === '"') {
        if (verbatim && src[j + 1] === '"') {
          text += '"';
          j += 2;
          continue;
        }
        break;
      }
      if (!verbatim && c === "\\") {
        const [decoded, next] = readEscape(j);
        text += decoded;
        j = next;
        continue;
      }
      if (!verbatim && (c === "\n" || c === "\r")) return fail(`newline in ${what}`, j);
      if (!holes) {
        text += c;
        j++;
        continue;
      }
      if (c === "{" && src[j + 1] === "{") {
        text += "{";
        j += 2;
        continue;
      }
      if (c === "}" && src[j + 1] === "}") {
        text += "}";
        j += 2;
        continue;
      }
      if (c === "}") return fail("unexpected '}' in interpolated string (write '}}')", j);
      if (c === "{") {
        if (text) parts.push({ kind: "text", text });
        text = "";
        // Find the hole's end, skipping nested brackets and string literals.
        const holeStart = j + 1;
        let depth = 0;
        let k = holeStart;
        let formatAt = -1;
        let alignAt = -1;
        for (;;) {
          if (k >= n) return fail("unterminated interpolation hole", j);
          const h = src[k]!;
          if (h === '"' || h === "'" || (h === "@" && src[k + 1] === '"') || (h === "$" && src[k + 1] === '"')) {
            k = skipLiteral(src, k, base);
            continue;
          }
          if (h === "(" || h === "[" || h === "{") depth++;
          else if (h === ")" || h === "]") depth--;
          else if (h === "}") {
            if (depth === 0) break;
            depth--;
          } else if (h === ":" && depth === 0 && formatAt < 0)
            formatAt = k; // C# requires a top-level ?: to be parenthesized
          else if (h === "," && depth === 0 && formatAt < 0 && alignAt < 0) alignAt = k;
          k++;
        }
        const exprEnd = alignAt >= 0 ? alignAt : formatAt >= 0 ? formatAt : k;
        const alignText = alignAt >= 0 ? src.slice(alignAt + 1, formatAt >= 0 ? formatAt : k).trim() : undefined;
        if (alignText !== undefined && !/^-?\d+$/.test(alignText))
          fail(`invalid alignment '${alignText}' in interpolation hole`, alignAt);
        parts.push({
          kind: "hole",
          source: src.slice(holeStart, exprEnd),
          offset: base + holeStart,
          format: formatAt >= 0 ? src.slice(formatAt + 1, k) : undefined,
          align: alignText === undefined ? undefined : Number(alignText),
        });
        j = k + 1;
        continue;
      }
      text += c;
      j++;
    }
    if (text) parts.push({ kind: "text", text });
    return [parts, j + 1];
  };

  while (i < n) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v" || c === "\uFEFF") {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const close = src.indexOf("*/", i + 2);
      if (close < 0) fail("unterminated comment", i);
      i = close + 2;
      continue;
    }
    const start = i;
    if (isIdentStart(c) || (c === "@" && isIdentStart(src[i + 1] ?? ""))) {
      // `@name` is a verbatim identifier (keyword escape).
      const verbatim = c === "@";
      if (verbatim) i++;
      while (i < n && isIdentPart(src[i]!)) i++;
      const name = src.slice(verbatim ? start + 1 : start, i);
      const kind = !verbatim && KEYWORDS.has(name) ? "keyword" : "ident";
      tokens.push({ kind, value: name, offset: base + start, end: base + i });
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(src[i + 1] ?? ""))) {
      tokens.push(number(src, i, base));
      i = tokens[tokens.length - 1]!.end - base;
      continue;
    }
    if (c === '"' || (c === "@" && src[i + 1] === '"')) {
      const verbatim = c === "@";
      const [parts, end] = stringBody(verbatim ? i + 1 : i, verbatim, false, start);
      i = end;
      const value = parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      tokens.push({ kind: "string", value, offset: base + start, end: base + i });
      continue;
    }
    if (c === "$" && (src[i + 1] === '"' || (src[i + 1] === "@" && src[i + 2] === '"'))) {
      const verbatim = src[i + 1] === "@";
      const open = verbatim ? i + 2 : i + 1;
      const [parts, end] = stringBody(open, verbatim, true, open);
      i = end;
      tokens.push({ kind: "interp", value: "", parts, offset: base + start, end: base + i });
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let value: string;
      if (src[j] === "\\") {
        [value, j] = readEscape(j);
      } else {
        value = src[j] ?? "";
        if (value === "\n" || value === "'") fail("invalid character literal", start);
        j++;
      }
      if (src[j] !== "'" || value === "") fail("invalid character literal", start);
      i = j + 1;
      tokens.push({ kind: "char", value, offset: base + start, end: base + i });
      continue;
    }
    const p = PUNCTUATORS.find((q) => src.startsWith(q, i));
    if (p === undefined) fail(`unexpected character '${c}'`, i);
    i += p!.length;
    tokens.push({ kind: "punct", value: p!, offset: base + start, end: base + i });
  }
  tokens.push({ kind: "eof", value: "", offset: base + n, end: base + n });
  return tokens;
}

function number(src: string, start: number, base: number): Token {
  let i = start;
  let text = "";
  let type: Token["numberType"] = "int";
  if (src[i] === "0" && (src[i + 1] === "x" || src[i + 1] === "X")) {
    i += 2;
    while (/[0-9a-fA-F_]/.test(src[i] ?? "")) i++;
    text = String(Number.parseInt(src.slice(start + 2, i).replaceAll("_", ""), 16));
  } else {
    while (isDigit(src[i] ?? "") || src[i] === "_") i++;
    if (src[i] === "." && isDigit(src[i + 1] ?? "")) {
      type = "double";
      i++;
      while (isDigit(src[i] ?? "") || src[i] === "_") i++;
    }
    if (src[i] === "e" || src[i] === "E") {
      type = "double";
      i++;
      if (src[i] === "+" || src[i] === "-") i++;
      while (isDigit(src[i] ?? "")) i++;
    }
    text = src.slice(start, i).replaceAll("_", "");
  }
  const suffix = (src[i] ?? "").toLowerCase();
  if (suffix === "l" || suffix === "u") {
    type = "long";
    i++;
    if (/[lLuU]/.test(src[i] ?? "")) i++;
  } else if (suffix === "d") {
    type = "double";
    i++;
  } else if (suffix === "f") {
    type = "float";
    i++;
  } else if (suffix === "m") {
    type = "decimal";
    i++;
  }
  if (type === "int" && Number(text) > 2147483647) type = "long";
  return { kind: "number", value: text, numberType: type, offset: base + start, end: base + i };
}

/** Skips a string/char literal starting at `at`; returns the index after it. */
export function skipLiteral(src: string, at: number, base = 0): number {
  const c = src[at];
  if (c === "'") {
    let j = at + 1;
    if (src[j] === "\\") j += 2;
    else j++;
    while (j < src.length && src[j] !== "'") j++;
    return j + 1;
  }
  let j = at;
  let verbatim = false;
  let interp = false;
  while (src[j] === "@" || src[j] === "$") {
    if (src[j] === "@") verbatim = true;
    else interp = true;
    j++;
  }
  j++; // opening quote
  let depth = 0;
  while (j < src.length) {
    const s = src[j]!;
    if (interp && depth > 0) {
      if (s === '"' || s === "'" || ((s === "$" || s === "@") && src[j + 1] === '"')) {
        j = skipLiteral(src, j, base);
        continue;
      }
      if (s === "{") depth++;
      else if (s === "}") depth--;
      j++;
      continue;
    }
    if (!verbatim && s === "\\") {
      j += 2;
      continue;
    }
    if (s === '"') {
      if (verbatim && src[j + 1] === '"') {
        j += 2;
        continue;
      }
      return j + 1;
    }
    if (interp && s === "{") {
      if (src[j + 1] === "{") {
        j += 2;
        continue;
      }
      depth++;
    }
    j++;
  }
  throw new LexError("unterminated string literal", base + at);
}
