// The System.Xml.Linq (XDocument/XElement) and System.Xml (XmlDocument) members policies use to read
// XML bodies: parse, walk elements, read text and attributes, simple XPath paths. Parsing is done by
// fast-xml-parser; this file only shapes the tree like .NET's.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { CsException } from "./errors.js";

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
});

type Ordered = Record<string, unknown>;

export class XName {
  constructor(
    readonly LocalName: string,
    readonly NamespaceName: string,
  ) {}
  ToString(): string {
    return this.NamespaceName ? `{${this.NamespaceName}}${this.LocalName}` : this.LocalName;
  }
  toString(): string {
    return this.ToString();
  }
  /** XName converts implicitly from string: "{ns}local" or "local". */
  matches(name: unknown): boolean {
    if (name instanceof XName) return name.LocalName === this.LocalName && name.NamespaceName === this.NamespaceName;
    return typeof name === "string" && name === this.ToString();
  }
}

export class XAttribute {
  constructor(
    readonly Name: XName,
    readonly Value: string,
  ) {}
  ToString(): string {
    return `${this.Name.LocalName}="${escapeXml(this.Value)}"`;
  }
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export class XElement {
  readonly children: Array<XElement | string> = [];
  readonly attributes: XAttribute[] = [];
  parent: XElement | undefined;
  constructor(
    readonly qualified: string,
    readonly Name: XName,
  ) {}
  get LocalName(): string {
    return this.Name.LocalName;
  }
  get Parent(): XElement | null {
    return this.parent ?? null;
  }
  get Value(): string {
    return this.children.map((c) => (typeof c === "string" ? c : c.Value)).join("");
  }
  get InnerText(): string {
    return this.Value;
  }
  get HasElements(): boolean {
    return this.children.some((c) => c instanceof XElement);
  }
  Elements(name?: unknown): XElement[] {
    return this.children.filter(
      (c): c is XElement => c instanceof XElement && (name === undefined || c.Name.matches(name)),
    );
  }
  Element(name: unknown): XElement | null {
    return this.Elements(name)[0] ?? null;
  }
  Descendants(name?: unknown): XElement[] {
    const out: XElement[] = [];
    for (const c of this.children) {
      if (!(c instanceof XElement)) continue;
      if (name === undefined || c.Name.matches(name)) out.push(c);
      out.push(...c.Descendants(name));
    }
    return out;
  }
  Attribute(name: unknown): XAttribute | null {
    return this.attributes.find((a) => a.Name.matches(name)) ?? null;
  }
  Attributes(): XAttribute[] {
    return this.attributes;
  }
  GetAttribute(name: unknown): string {
    return this.Attribute(name)?.Value ?? "";
  }
  /** XPath subset: `/a/b`, `a/b`, `//b`, `.`; local names, no predicates. */
  SelectNodes(path: unknown): XElement[] {
    const p = String(path);
    if (/[[\]@()=*]/.test(p))
      throw new CsException("NotSupportedException", `XPath '${p}' is not supported (element paths only).`);
    let current: XElement[];
    let rest = p;
    if (p.startsWith("//")) {
      current = [this.root(), ...this.root().Descendants()];
      rest = p.slice(2);
      const [first, ...others] = rest.split("/");
      current = current.filter((e) => e.qualified === first || e.LocalName === first);
      rest = others.join("/");
    } else if (p.startsWith("/")) {
      const [first, ...others] = p.slice(1).split("/");
      const root = this.root();
      current = root.qualified === first || root.LocalName === first ? [root] : [];
      rest = others.join("/");
    } else current = [this];
    for (const step of rest.split("/").filter((s) => s !== "" && s !== ".")) {
      current = current.flatMap((e) => e.Elements().filter((c) => c.qualified === step || c.LocalName === step));
    }
    return current;
  }
  SelectSingleNode(path: unknown): XElement | null {
    return this.SelectNodes(path)[0] ?? null;
  }
  private root(): XElement {
    let e: XElement = this;
    while (e.parent) e = e.parent;
    return e;
  }
  ToString(): string {
    const attrs = this.attributes
      .map((a) => ` ${a.Name.LocalName === "xmlns" ? "xmlns" : a.Name.LocalName}="${escapeXml(a.Value)}"`)
      .join("");
    if (this.children.length === 0) return `<${this.qualified}${attrs} />`;
    const inner = this.children.map((c) => (typeof c === "string" ? escapeXml(c) : c.ToString())).join("");
    return `<${this.qualified}${attrs}>${inner}</${this.qualified}>`;
  }
}

/** XDocument and XmlDocument share one shape: a root element plus .NET's names for it. */
export class XDocumentView {
  root: XElement | undefined;
  get Root(): XElement | null {
    return this.root ?? null;
  }
  get DocumentElement(): XElement | null {
    return this.root ?? null;
  }
  LoadXml(text: unknown): void {
    this.root = parseXmlText(String(text ?? ""));
  }
  Descendants(name?: unknown): XElement[] {
    if (!this.root) return [];
    return [this.root, ...this.root.Descendants()].filter((e) => name === undefined || e.Name.matches(name));
  }
  Elements(name?: unknown): XElement[] {
    return this.root && (name === undefined || this.root.Name.matches(name)) ? [this.root] : [];
  }
  Element(name: unknown): XElement | null {
    return this.Elements(name)[0] ?? null;
  }
  SelectSingleNode(path: unknown): XElement | null {
    return this.root?.SelectSingleNode(path) ?? null;
  }
  SelectNodes(path: unknown): XElement[] {
    return this.root?.SelectNodes(path) ?? [];
  }
  get InnerText(): string {
    return this.root?.Value ?? "";
  }
  ToString(): string {
    return this.root?.ToString() ?? "";
  }
}

export function parseXDocument(text: unknown): XDocumentView {
  const doc = new XDocumentView();
  doc.LoadXml(text);
  return doc;
}

function parseXmlText(text: string): XElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    throw new CsException("XmlException", `${valid.err.msg} Line ${valid.err.line}, position ${valid.err.col}.`);
  const nodes = parser.parse(text) as Ordered[];
  const top = nodes.map((n) => build(n, undefined, new Map())).filter((e): e is XElement => e instanceof XElement);
  if (top.length !== 1) throw new CsException("XmlException", "Root element is missing.");
  return top[0]!;
}

function build(
  node: Ordered,
  parent: XElement | undefined,
  namespaces: Map<string, string>,
): XElement | string | undefined {
  const key = Object.keys(node).find((k) => k !== ":@");
  if (key === undefined || key.startsWith("?") || key.startsWith("!")) return undefined;
  if (key === "#text") return String(node[key] ?? "");
  const attrs = (node[":@"] ?? {}) as Record<string, string>;
  const scope = new Map(namespaces);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "xmlns") scope.set("", value);
    else if (name.startsWith("xmlns:")) scope.set(name.slice(6), value);
  }
  const colon = key.indexOf(":");
  const prefix = colon < 0 ? "" : key.slice(0, colon);
  const el = new XElement(key, new XName(colon < 0 ? key : key.slice(colon + 1), scope.get(prefix) ?? ""));
  el.parent = parent;
  for (const [name, value] of Object.entries(attrs))
    el.attributes.push(
      new XAttribute(new XName(name.includes(":") ? name.slice(name.indexOf(":") + 1) : name, ""), value),
    );
  for (const child of (node[key] ?? []) as Ordered[]) {
    const c = build(child, el, scope);
    if (c !== undefined) el.children.push(c);
  }
  return el;
}

/** new StringReader(text): only used to feed XmlReader.Create. */
export class CsStringReader {
  constructor(readonly text: string) {}
  ReadToEnd(): string {
    return this.text;
  }
  Dispose(): void {}
}

type ReaderNode = { kind: "Element" | "EndElement"; el: XElement } | { kind: "Text" | "Whitespace"; text: string };

/** A forward-only XmlReader over the parsed tree (elements, end elements and text in document order). */
export class CsXmlReader {
  private pos = -1;
  private constructor(private readonly nodes: ReaderNode[]) {}
  static create(input: unknown): CsXmlReader {
    const text = input instanceof CsStringReader ? input.text : String(input ?? "");
    const nodes: ReaderNode[] = [];
    const walk = (el: XElement) => {
      nodes.push({ kind: "Element", el });
      for (const c of el.children) {
        if (typeof c === "string") nodes.push({ kind: c.trim() === "" ? "Whitespace" : "Text", text: c });
        else walk(c);
      }
      if (el.children.length > 0) nodes.push({ kind: "EndElement", el });
    };
    walk(parseXDocument(text).root!);
    return new CsXmlReader(nodes);
  }
  private get current(): ReaderNode | undefined {
    return this.nodes[this.pos];
  }
  get EOF(): boolean {
    return this.pos >= this.nodes.length;
  }
  get NodeType(): string {
    return this.current?.kind ?? "None";
  }
  get Name(): string {
    const c = this.current;
    return c && (c.kind === "Element" || c.kind === "EndElement") ? c.el.qualified : "";
  }
  get LocalName(): string {
    const c = this.current;
    return c && (c.kind === "Element" || c.kind === "EndElement") ? c.el.LocalName : "";
  }
  get Value(): string {
    const c = this.current;
    return c && (c.kind === "Text" || c.kind === "Whitespace") ? c.text : "";
  }
  get IsEmptyElement(): boolean {
    const c = this.current;
    return c?.kind === "Element" && c.el.children.length === 0;
  }
  Read(): boolean {
    if (this.pos < this.nodes.length) this.pos++;
    return !this.EOF;
  }
  MoveToContent(): string {
    if (this.pos < 0) this.pos = 0;
    while (this.current?.kind === "Whitespace") this.pos++;
    return this.NodeType;
  }
  GetAttribute(name: unknown): string | null {
    const c = this.current;
    return c?.kind === "Element" ? (c.el.Attribute(name)?.Value ?? null) : null;
  }
  /** XNode.ReadFrom: the element at the reader, which moves past the element's end. */
  readElement(): XElement {
    const c = this.current;
    if (c?.kind !== "Element")
      throw new CsException("InvalidOperationException", "The XmlReader should be positioned on an element.");
    const el = c.el;
    this.pos++;
    if (el.children.length > 0) {
      while (!this.EOF && !(this.current?.kind === "EndElement" && (this.current as { el: XElement }).el === el))
        this.pos++;
      this.pos++;
    }
    return el;
  }
  ReadElementContentAsString(): string {
    return this.readElement().Value;
  }
  Dispose(): void {}
}
