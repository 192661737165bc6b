// Smaller .NET library types: Encoding, Regex/Match, Uri, StringBuilder, IPAddress, and the
// invariant-culture parsing/formatting helpers behind int.Parse, string.Format and URL encoding.
import { isIP } from "node:net";
import { CsEnum, formatNumber, toPolicyString } from "../to-string.js";
import { CsException } from "./errors.js";
import { CsDateTime } from "./time.js";

export class CsEncoding {
  static readonly utf8 = new CsEncoding("utf-8", "utf8");
  static readonly ascii = new CsEncoding("us-ascii", "ascii");
  static readonly unicode = new CsEncoding("utf-16", "utf16le");
  static readonly utf32 = new CsEncoding("utf-32", "utf32");
  static byName(name: string): CsEncoding {
    const n = name.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (n === "utf8") return CsEncoding.utf8;
    if (n === "ascii" || n === "usascii") return CsEncoding.ascii;
    if (n === "utf16" || n === "unicode") return CsEncoding.unicode;
    throw new CsException("ArgumentException", `'${name}' is not a supported encoding name.`);
  }
  private constructor(
    readonly WebName: string,
    private readonly node: string,
  ) {}
  GetBytes(text: unknown): Uint8Array {
    if (text === null || text === undefined)
      throw new CsException("ArgumentNullException", "Value cannot be null. (Parameter 's')");
    const s = Array.isArray(text) ? text.join("") : toPolicyString(text);
    if (this.node === "utf32") {
      const cps = [...s].map((c) => c.codePointAt(0)!);
      const b = Buffer.alloc(cps.length * 4);
      cps.forEach((cp, i) => {
        b.writeUInt32LE(cp, i * 4);
      });
      return new Uint8Array(b);
    }
    if (this.node === "ascii") return new Uint8Array([...s].map((c) => (c.charCodeAt(0) < 128 ? c.charCodeAt(0) : 63)));
    return new Uint8Array(Buffer.from(s, this.node as BufferEncoding));
  }
  GetString(bytes: unknown, index?: unknown, count?: unknown): string {
    if (!(bytes instanceof Uint8Array)) throw new CsException("ArgumentException", "GetString expects a byte[].");
    let b = Buffer.from(bytes);
    if (typeof index === "number") b = b.subarray(index, index + Number(count ?? b.length - index));
    if (this.node === "utf32") {
      let out = "";
      for (let i = 0; i + 3 < b.length; i += 4) out += String.fromCodePoint(b.readUInt32LE(i));
      return out;
    }
    return b.toString(this.node === "ascii" ? "latin1" : (this.node as BufferEncoding));
  }
  GetByteCount(text: unknown): number {
    return this.GetBytes(text).length;
  }
}

export function regexOptions(options: unknown): string {
  if (!(options instanceof CsEnum)) return "";
  let flags = "";
  if (options.value & 1) flags += "i";
  if (options.value & 2) flags += "m";
  if (options.value & 16) flags += "s";
  return flags;
}

const regexCache = new Map<string, CsRegex>();

/** .NET pattern → JS RegExp: leading inline options become flags; \A and \Z become anchors. */
export function toJsRegExp(pattern: string, flags: string): RegExp {
  let p = pattern;
  let f = flags;
  const inline = /^\(\?([imsx]+)\)/.exec(p);
  if (inline) {
    p = p.slice(inline[0].length);
    for (const c of inline[1]!) if ("ims".includes(c) && !f.includes(c)) f += c;
  }
  p = p.replace(/\\A/g, "^").replace(/\\[Zz]/g, "$");
  return new RegExp(p, f);
}

export class CsRegex {
  private readonly re: RegExp;
  private readonly global: RegExp;
  constructor(pattern: string, flags: string) {
    try {
      this.re = toJsRegExp(pattern, flags);
    } catch (error) {
      throw new CsException("ArgumentException", `Invalid pattern '${pattern}': ${(error as Error).message}`);
    }
    this.global = new RegExp(this.re.source, `${this.re.flags}g`);
  }
  /** Patterns written as constants repeat on every request: keep their compiled form. */
  static cached(pattern: string, flags: string): CsRegex {
    const key = `${flags}/${pattern}`;
    let r = regexCache.get(key);
    if (!r) {
      if (regexCache.size > 500) regexCache.clear();
      r = new CsRegex(pattern, flags);
      regexCache.set(key, r);
    }
    return r;
  }
  IsMatch(input: unknown): boolean {
    return this.re.test(str(input));
  }
  Match(input: unknown): CsMatch {
    const text = str(input);
    this.global.lastIndex = 0;
    return new CsMatch(this.global.exec(text), text, this.global);
  }
  Matches(input: unknown): CsMatch[] {
    const text = str(input);
    return [...text.matchAll(this.global)].map((m) => new CsMatch(m, text, undefined));
  }
  Replace(input: unknown, replacement: unknown): string {
    const text = str(input);
    if (typeof replacement === "function")
      return text.replace(this.global, (...m) =>
        toPolicyString(replacement(new CsMatch(m as unknown as RegExpExecArray, text, undefined))),
      );
    // .NET uses ${name} and $1 like JS; only $0 differs (JS writes $&).
    return text.replace(this.global, toPolicyString(replacement).replace(/\$0/g, "$$&"));
  }
  Split(input: unknown): string[] {
    return str(input).split(this.global);
  }
}

function str(v: unknown): string {
  if (v === null || v === undefined)
    throw new CsException("ArgumentNullException", "Value cannot be null. (Parameter 'input')");
  return toPolicyString(v);
}

export class CsGroup {
  constructor(
    readonly Success: boolean,
    readonly Value: string,
    readonly Index: number,
  ) {}
  get Length(): number {
    return this.Value.length;
  }
  ToString(): string {
    return this.Value;
  }
}

export class CsMatch extends CsGroup {
  constructor(
    private readonly m: RegExpExecArray | RegExpMatchArray | null,
    private readonly input: string,
    private readonly re: RegExp | undefined,
  ) {
    super(m !== null, m?.[0] ?? "", m?.index ?? 0);
  }
  get Groups(): { get_Item(key: unknown): CsGroup; Count: number } {
    const m = this.m;
    return {
      get_Item: (key: unknown) => {
        const v = m === null ? undefined : typeof key === "number" ? m[key] : m.groups?.[String(key)];
        return new CsGroup(v !== undefined, v ?? "", 0);
      },
      Count: m === null ? 0 : m.length,
    };
  }
  NextMatch(): CsMatch {
    if (!this.re || this.m === null) return new CsMatch(null, this.input, undefined);
    return new CsMatch(this.re.exec(this.input), this.input, this.re);
  }
}

export class CsUri {
  private readonly url: URL;
  constructor(readonly OriginalString: string) {
    try {
      this.url = new URL(OriginalString);
    } catch {
      throw new CsException("UriFormatException", "Invalid URI: The format of the URI could not be determined.");
    }
  }
  get AbsolutePath(): string {
    return this.url.pathname;
  }
  get AbsoluteUri(): string {
    return this.url.href;
  }
  get Host(): string {
    return this.url.hostname;
  }
  get Port(): number {
    return this.url.port ? Number(this.url.port) : this.url.protocol === "https:" ? 443 : 80;
  }
  get Scheme(): string {
    return this.url.protocol.replace(":", "");
  }
  get Query(): string {
    return this.url.search;
  }
  get PathAndQuery(): string {
    return this.url.pathname + this.url.search;
  }
  get Fragment(): string {
    return this.url.hash;
  }
  ToString(): string {
    return this.url.href;
  }
}

export class CsStringBuilder {
  constructor(private text: string) {}
  get Length(): number {
    return this.text.length;
  }
  Append(v: unknown): CsStringBuilder {
    this.text += toPolicyString(v);
    return this;
  }
  AppendLine(v?: unknown): CsStringBuilder {
    this.text += `${v === undefined ? "" : toPolicyString(v)}\r\n`;
    return this;
  }
  Insert(i: unknown, v: unknown): CsStringBuilder {
    this.text = this.text.slice(0, Number(i)) + toPolicyString(v) + this.text.slice(Number(i));
    return this;
  }
  Replace(a: unknown, b: unknown): CsStringBuilder {
    this.text = this.text.split(toPolicyString(a)).join(toPolicyString(b));
    return this;
  }
  Clear(): CsStringBuilder {
    this.text = "";
    return this;
  }
  ToString(): string {
    return this.text;
  }
}

export class CsIPAddress {
  private constructor(private readonly text: string) {}
  static parse(text: string): CsIPAddress {
    const t = text.trim();
    if (isIP(t) === 0) throw new CsException("FormatException", "An invalid IP address was specified.");
    return new CsIPAddress(t);
  }
  static swap(n: number): number {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n | 0);
    return b.readInt32BE(0);
  }
  get AddressFamily(): CsEnum {
    return isIP(this.text) === 4
      ? new CsEnum("AddressFamily", "InterNetwork", 2)
      : new CsEnum("AddressFamily", "InterNetworkV6", 23);
  }
  GetAddressBytes(): Uint8Array {
    if (isIP(this.text) === 4) return new Uint8Array(this.text.split(".").map(Number));
    const [head, tail] = this.text.split("::") as [string, string | undefined];
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    return new Uint8Array(groups.flatMap((g) => [Number.parseInt(g, 16) >> 8, Number.parseInt(g, 16) & 0xff]));
  }
  ToString(): string {
    return this.text;
  }
}

/** int.Parse / double.Parse / bool.Parse with the invariant culture. */
export function parseNumber(text: string | null, type: string): number | boolean {
  if (text === null) throw new CsException("ArgumentNullException", "Value cannot be null. (Parameter 's')");
  const t = text.trim();
  if (type === "bool") {
    if (/^true$/i.test(t)) return true;
    if (/^false$/i.test(t)) return false;
    throw new CsException("FormatException", `String '${text}' was not recognized as a valid Boolean.`);
  }
  if (type === "double") {
    const n = Number(t);
    if (t === "" || !Number.isFinite(n) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t))
      throw new CsException("FormatException", `The input string '${text}' was not in a correct format.`);
    return n;
  }
  if (!/^[-+]?\d+$/.test(t))
    throw new CsException("FormatException", `The input string '${text}' was not in a correct format.`);
  const n = Number(t);
  const limit = type === "int" ? 2147483647 : type === "short" ? 32767 : Number.MAX_SAFE_INTEGER;
  if (n > limit || n < -limit - 1)
    throw new CsException(
      "OverflowException",
      `Value was either too large or too small for an ${type === "int" ? "Int32" : "Int64"}.`,
    );
  return n;
}

/** ToString(format) for numbers (D, F, N, X) and dates; used by string.Format and interpolation holes. */
export function formatValue(v: unknown, format: string | undefined): string {
  if (format === undefined || format === "") return toPolicyString(v);
  if (v instanceof CsDateTime) return v.ToString(format);
  if (typeof v === "number") return formatNumberWith(v, format);
  const withFormat = v as { ToString?: (f: string) => string } | null;
  if (withFormat && typeof withFormat.ToString === "function") return withFormat.ToString(format);
  return toPolicyString(v);
}

export function formatNumberWith(n: number, format: string): string {
  const m = /^([A-Za-z])(\d*)$/.exec(format);
  if (!m) {
    // Custom numeric formats: only zero-padding ("0000") and fixed decimals ("0.00").
    const custom = /^(0+)(?:\.(0+))?$/.exec(format);
    if (!custom) return formatNumber(n);
    const fixed = Math.abs(n).toFixed(custom[2]?.length ?? 0);
    const [int, frac] = fixed.split(".");
    return `${n < 0 ? "-" : ""}${int!.padStart(custom[1]!.length, "0")}${frac ? `.${frac}` : ""}`;
  }
  const digits = m[2] === "" ? undefined : Number(m[2]);
  switch (m[1]!.toUpperCase()) {
    case "D":
      return `${n < 0 ? "-" : ""}${String(Math.trunc(Math.abs(n))).padStart(digits ?? 0, "0")}`;
    case "F":
      return n.toFixed(digits ?? 2);
    case "N":
      return n.toLocaleString("en-US", { minimumFractionDigits: digits ?? 2, maximumFractionDigits: digits ?? 2 });
    case "X": {
      const hex = (n < 0 ? n >>> 0 : n).toString(16).padStart(digits ?? 0, "0");
      return m[1] === "X" ? hex.toUpperCase() : hex;
    }
    case "G":
    case "R":
      return formatNumber(n);
    default:
      throw new CsException("FormatException", `Format specifier '${format}' was invalid.`);
  }
}

/** WebUtility.UrlEncode: spaces as '+', unreserved -_.!*() kept, upper-case hex. */
export function webUrlEncode(s: string): string {
  return [...Buffer.from(s, "utf8")]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.!*()]/.test(c)) return c;
      if (c === " ") return "+";
      return `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** Lenient percent-decoding: invalid escapes stay as written, like .NET. */
export function urlDecode(s: string, plusAsSpace: boolean): string {
  const bytes: number[] = [];
  const text = plusAsSpace ? s.replace(/\+/g, " ") : s;
  const buf = Buffer.from(text, "utf8");
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (
      b === 0x25 &&
      i + 2 < buf.length + 0 &&
      /^[0-9a-fA-F]{2}$/.test(String.fromCharCode(buf[i + 1] ?? 0, buf[i + 2] ?? 0))
    ) {
      bytes.push(Number.parseInt(String.fromCharCode(buf[i + 1]!, buf[i + 2]!), 16));
      i += 2;
    } else bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

export function htmlEncode(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function htmlDecode(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#(\d+)|#x([0-9a-f]+));/gi, (m, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" } as Record<string, string>)[name.toLowerCase()] ?? m;
  });
}
