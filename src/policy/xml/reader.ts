// A tolerant XML reader for APIM policy documents. Real documents put raw `"`, `<`, `>` and `&&` inside
// `@(...)` / `@{...}` expressions (the Azure portal accepts them), which every conforming XML parser rejects,
// so this reader knows where a C# expression starts and scans it as balanced code before resuming XML rules.
// Every element and attribute keeps its 1-based line and column for diagnostics.
import type { Diagnostic } from "../../core/errors.js";
import { errorDiagnostic } from "../../core/errors.js";
import { scanCode } from "./code-scanner.js";
import { decodeEntities } from "./entities.js";

export interface XmlAttribute {
  readonly name: string;
  readonly value: string;
  readonly line: number;
  readonly column: number;
}

export interface XmlElement {
  readonly name: string;
  readonly attributes: XmlAttribute[];
  readonly children: XmlElement[];
  /** Decoded text content of this element (direct text and CDATA, children excluded). */
  text: string;
  /** Raw source between the start and end tag (for bodies that embed XML, e.g. set-body). */
  inner: string;
  readonly line: number;
  readonly column: number;
  /** Diagnostic path, e.g. "inbound/choose[1]/when[2]"; set by assignPaths. */
  path: string;
}

export interface XmlParseResult {
  root: XmlElement | undefined;
  diagnostics: Diagnostic[];
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:.-]/;

class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly code = "POLICY_ERR_XML_SYNTAX",
  ) {
    super(message);
  }
}

/** A DTD or one of its declarations: APIM (like .NET's XmlReader by default) prohibits DTD processing. */
const DTD_MARKUP = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/iy;

/**
 * Parses one document; on a syntax error returns no root and one diagnostic with the position.
 * With `loose`, a sequence of top-level statements (a documentation snippet) is accepted too and
 * returned under a synthetic `<fragment>` root when it is not a single `<policies>`/`<fragment>`.
 */
export function parseXml(source: string, options: { loose?: boolean } = {}): XmlParseResult {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };
  try {
    const reader = new Reader(source, position);
    const root = options.loose ? reader.content() : reader.document();
    return { root, diagnostics: [] };
  } catch (error) {
    if (error instanceof XmlSyntaxError) {
      return {
        root: undefined,
        diagnostics: [errorDiagnostic(error.code, error.message, position(error.offset))],
      };
    }
    throw error;
  }
}

/**
 * Deepest element nesting accepted. Real policies nest a few levels (choose in retry in choose…), generated ones a few hundred; the
 * bound keeps a hostile document from exhausting the stack here and in every recursive pass after.
 */
export const MAX_ELEMENT_DEPTH = 1024;

class Reader {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly s: string,
    private readonly position: (offset: number) => { line: number; column: number },
  ) {}

  document(): XmlElement {
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    this.misc();
    if (this.i >= this.s.length || this.s[this.i] !== "<") {
      throw new XmlSyntaxError("expected a root element", this.i);
    }
    const root = this.element();
    this.misc();
    if (this.i < this.s.length) {
      throw new XmlSyntaxError("unexpected content after the root element", this.i);
    }
    return root;
  }

  /** Zero or more top-level elements; a lone <policies> or <fragment> is returned as is. */
  content(): XmlElement {
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    const root: XmlElement = {
      name: "fragment",
      attributes: [],
      children: [],
      text: "",
      inner: this.s,
      line: 1,
      column: 1,
      path: "",
    };
    for (;;) {
      this.misc();
      if (this.i >= this.s.length) break;
      if (this.s[this.i] !== "<") throw new XmlSyntaxError("unexpected text outside of an element", this.i);
      root.children.push(this.element());
    }
    const only = root.children[0];
    if (root.children.length === 1 && only && (only.name === "policies" || only.name === "fragment")) return only;
    return root;
  }

  /** Whitespace, comments and processing instructions outside the root (a DTD is refused). */
  private misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.s.startsWith("<!--", this.i)) this.comment();
      else if (this.s.startsWith("<?", this.i)) this.skipPast("?>", "processing instruction");
      else {
        this.refuseDtd();
        return;
      }
    }
  }

  /** A DTD could declare entities (billion laughs, external files): name it instead of a generic syntax error. */
  private refuseDtd(): void {
    DTD_MARKUP.lastIndex = this.i;
    const m = DTD_MARKUP.exec(this.s);
    if (!m) return;
    const { line } = this.position(this.i);
    throw new XmlSyntaxError(
      `DTDs are not allowed in policy documents: <!${m[1]} …> at line ${line}; remove the DTD (entities cannot be declared)`,
      this.i,
      "POLICY_ERR_DTD",
    );
  }

  private element(): XmlElement {
    if (this.depth >= MAX_ELEMENT_DEPTH) {
      throw new XmlSyntaxError(`elements are nested deeper than ${MAX_ELEMENT_DEPTH} levels`, this.i);
    }
    this.depth++;
    try {
      return this.elementBody();
    } finally {
      this.depth--;
    }
  }

  private elementBody(): XmlElement {
    const start = this.i;
    this.i++; // <
    const name = this.name("element name");
    const at = this.position(start);
    const attributes: XmlAttribute[] = [];
    const el: XmlElement = { name, attributes, children: [], text: "", inner: "", ...at, path: "" };
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = this.s[this.i];
      if (c === undefined) throw new XmlSyntaxError(`unclosed start tag <${name}>`, start);
      if (c === "/") {
        if (this.s[this.i + 1] !== ">") throw new XmlSyntaxError(`expected "/>" in <${name}>`, this.i);
        this.i += 2;
        return el;
      }
      if (c === ">") {
        this.i++;
        break;
      }
      if (!hadSpace) throw new XmlSyntaxError(`expected whitespace before an attribute in <${name}>`, this.i);
      attributes.push(this.attribute(name));
    }
    const innerStart = this.i;
    let text = "";
    for (;;) {
      if (this.i >= this.s.length) throw new XmlSyntaxError(`element <${name}> is not closed`, start);
      if (this.s.startsWith("</", this.i)) {
        const endAt = this.i;
        this.i += 2;
        const endName = this.name("end tag name");
        this.skipSpace();
        if (this.s[this.i] !== ">") throw new XmlSyntaxError(`expected ">" to close </${endName}>`, this.i);
        this.i++;
        if (endName !== name) {
          throw new XmlSyntaxError(`end tag </${endName}> does not match <${name}> opened at line ${at.line}`, endAt);
        }
        el.inner = this.s.slice(innerStart, endAt);
        el.text = text;
        return el;
      }
      if (this.s.startsWith("<!--", this.i)) this.comment();
      else if (this.s.startsWith("<![CDATA[", this.i)) {
        const end = this.s.indexOf("]]>", this.i + 9);
        if (end < 0) throw new XmlSyntaxError("unterminated CDATA section", this.i);
        text += this.s.slice(this.i + 9, end);
        this.i = end + 3;
      } else if (this.s.startsWith("<?", this.i)) this.skipPast("?>", "processing instruction");
      else if (this.s.startsWith("<!", this.i)) {
        this.refuseDtd();
        el.children.push(this.element());
      } else if (this.s[this.i] === "<") el.children.push(this.element());
      else text += this.textRun();
    }
  }

  /** Text up to the next markup; an expression (`@(`/`@{` after optional whitespace) is scanned as code. */
  private textRun(): string {
    const start = this.i;
    let j = start;
    while (j < this.s.length && /\s/.test(this.s[j] ?? "")) j++;
    if (this.s[j] === "@" && (this.s[j + 1] === "(" || this.s[j + 1] === "{")) {
      const end = scanCode(this.s, j + 1);
      if (end > 0) {
        this.i = end;
        // Text after the expression (usually whitespace) follows the ordinary rules.
        const rest = this.plainText();
        return decodeEntities(this.s.slice(start, end)) + rest;
      }
    }
    return this.plainText();
  }

  private plainText(): string {
    const start = this.i;
    const end = this.s.indexOf("<", start);
    this.i = end < 0 ? this.s.length : end;
    return decodeEntities(this.s.slice(start, this.i));
  }

  private attribute(elementName: string): XmlAttribute {
    const start = this.i;
    const name = this.name(`attribute name in <${elementName}>`);
    this.skipSpace();
    if (this.s[this.i] !== "=") throw new XmlSyntaxError(`expected "=" after attribute ${name}`, this.i);
    this.i++;
    this.skipSpace();
    const quote = this.s[this.i];
    if (quote !== '"' && quote !== "'") {
      throw new XmlSyntaxError(`attribute ${name} value must be quoted`, this.i);
    }
    const valueStart = this.i + 1;
    let j = valueStart;
    while (j < this.s.length && /\s/.test(this.s[j] ?? "")) j++;
    let end = -1;
    if (this.s[j] === "@" && (this.s[j + 1] === "(" || this.s[j + 1] === "{")) {
      const codeEnd = scanCode(this.s, j + 1);
      if (codeEnd > 0) {
        const close = this.s.indexOf(quote, codeEnd);
        // Accept only when nothing but whitespace follows the expression inside the quotes.
        if (close >= 0 && this.s.slice(codeEnd, close).trim() === "") end = close;
      }
    }
    if (end < 0) {
      end = this.s.indexOf(quote, valueStart);
      if (end < 0) throw new XmlSyntaxError(`attribute ${name} value is not terminated`, start);
      // Escaped documents (&quot;) scan fine once decoded; one that is still unbalanced is broken.
      const decoded = decodeEntities(this.s.slice(valueStart, end)).trimStart();
      if (/^@[({]/.test(decoded) && scanCode(decoded, 1) < 0) {
        throw new XmlSyntaxError(
          `the expression in attribute ${name} is not closed (a ')' or '}' is missing, or a string is not terminated)`,
          start,
        );
      }
    }
    this.i = end + 1;
    return { name, value: decodeEntities(this.s.slice(valueStart, end)), ...this.position(start) };
  }

  private name(what: string): string {
    const start = this.i;
    if (!NAME_START.test(this.s[this.i] ?? "")) throw new XmlSyntaxError(`expected ${what}`, this.i);
    this.i++;
    while (this.i < this.s.length && NAME_CHAR.test(this.s[this.i] ?? "")) this.i++;
    return this.s.slice(start, this.i);
  }

  private comment(): void {
    this.skipPast("-->", "comment");
  }

  private skipPast(terminator: string, what: string): void {
    const end = this.s.indexOf(terminator, this.i);
    if (end < 0) throw new XmlSyntaxError(`unterminated ${what}`, this.i);
    this.i = end + terminator.length;
  }

  private skipSpace(): boolean {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.i++;
    }
    return this.i > start;
  }
}

/** Gives every element its diagnostic path: sections by name, statements as `name[n]` among siblings. */
export function assignPaths(el: XmlElement, path: string): void {
  el.path = path;
  const counts = new Map<string, number>();
  for (const child of el.children) {
    const n = (counts.get(child.name) ?? 0) + 1;
    counts.set(child.name, n);
    assignPaths(child, path === "" ? `${child.name}[${n}]` : `${path}/${child.name}[${n}]`);
  }
}
