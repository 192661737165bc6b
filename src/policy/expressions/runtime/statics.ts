// The .NET types expressions may name: static members, constructors and the static types of what they
// return. Resolved at compile time: an unknown type or member is a diagnostic, never a run-time surprise.
import type { PolicyContext } from "../../types.js";
import { CsAnonymous, CsEnum, toPolicyString } from "../to-string.js";
import { BIT_CONVERTER, CsHash, CsRandom } from "./crypto.js";
import { CsException, checkSize } from "./errors.js";
import { JArray, JObject, JProperty, JToken, JValue, parseJson, toJToken, toPlainJson } from "./json.js";
import { castTo } from "./members.js";
import { formatString } from "./strings.js";
import { CsDateTime, CsGuid, CsTimeSpan, dateFromTicks, parseDate } from "./time.js";
import {
  CsEncoding,
  CsIPAddress,
  CsMatch,
  CsRegex,
  CsStringBuilder,
  CsUri,
  formatValue,
  htmlDecode,
  htmlEncode,
  parseNumber,
  regexOptions,
  urlDecode,
  webUrlEncode,
} from "./types.js";
import { CsStringReader, CsXmlReader, parseXDocument, XDocumentView } from "./xml.js";

export interface Env {
  readonly ctx: PolicyContext;
  readonly slots: unknown[];
}

type Method = (args: unknown[], typeArgs: string[], env: Env) => unknown;

export interface StaticType {
  readonly props?: Record<string, (env: Env) => unknown>;
  readonly methods?: Record<string, Method>;
  readonly ctor?: (args: unknown[], typeArgs: string[]) => unknown;
  /** Static result types of members (for integer arithmetic and member checks). */
  readonly types?: Record<string, string>;
  /** Methods whose last argument is `out`: they return [result, outValue]. */
  readonly outMethods?: Record<string, (args: unknown[], typeArgs: string[]) => [unknown, unknown]>;
}

const now = (env: Env) => env.ctx.services.clock.now();
const s = (v: unknown) => (v === null || v === undefined ? null : toPolicyString(v));
const enumType = (type: string, names: string[]): StaticType => ({
  props: Object.fromEntries(names.map((n, i) => [n, () => new CsEnum(type, n, i)])),
});
const bytes = (v: unknown, what: string): Buffer => {
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (v === null || v === undefined) throw new CsException("ArgumentNullException", `Value cannot be null. (${what})`);
  throw new CsException("ArgumentException", `${what} expects a byte[].`);
};

function numberType(type: string, min: number, max: number): StaticType {
  return {
    props: { MaxValue: () => max, MinValue: () => min },
    methods: { Parse: ([v]) => parseNumber(s(v), type) },
    outMethods: {
      TryParse: ([v]) => {
        try {
          return [true, parseNumber(s(v), type)];
        } catch {
          return [false, 0];
        }
      },
    },
    types: { Parse: type, MaxValue: type, MinValue: type },
  };
}

const STRING: StaticType = {
  props: { Empty: () => "" },
  methods: {
    IsNullOrEmpty: ([v]) => v === null || v === undefined || v === "",
    IsNullOrWhiteSpace: ([v]) => v === null || v === undefined || String(v).trim() === "",
    Join: ([sep, ...rest]) => {
      const items =
        rest.length === 1 && (Array.isArray(rest[0]) || rest[0] instanceof JArray)
          ? [...(rest[0] as Iterable<unknown>)]
          : rest;
      return items.map((x) => toPolicyString(x)).join(toPolicyString(sep));
    },
    Concat: (args) =>
      (args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((x) => toPolicyString(x)).join(""),
    Format: ([f, ...rest]) =>
      formatString(toPolicyString(f), rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest, formatValue),
    Compare: ([a, b, c]) => {
      const ic = c === true || (c instanceof CsEnum && c.name.endsWith("IgnoreCase"));
      const x = a === null || a === undefined ? null : ic ? String(a).toLowerCase() : String(a);
      const y = b === null || b === undefined ? null : ic ? String(b).toLowerCase() : String(b);
      if (x === y) return 0;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    },
    Equals: ([a, b, c]) =>
      c instanceof CsEnum && c.name.endsWith("IgnoreCase")
        ? String(a).toLowerCase() === String(b).toLowerCase()
        : a === b,
  },
  ctor: ([c, n]) => String(c).repeat(checkSize(Number(n), "new string")),
  types: { Compare: "int", IsNullOrEmpty: "bool", Join: "string", Concat: "string", Format: "string", Empty: "string" },
};

const DATE_TIME: StaticType = {
  props: {
    UtcNow: (env) => new CsDateTime(now(env), "Utc"),
    Now: (env) => new CsDateTime(now(env), "Local"),
    Today: (env) => new CsDateTime(now(env), "Local").Date,
    MinValue: () => dateFromTicks(0),
    // DateTime.MaxValue (ticks 3155378975999999999) at millisecond resolution.
    MaxValue: () => new CsDateTime(253402300799999, "Unspecified"),
  },
  methods: {
    Parse: ([v]) => parseDate(String(v), false),
    SpecifyKind: ([d, k]) => new CsDateTime((d as CsDateTime).ms, (k as CsEnum).name as "Utc"),
  },
  outMethods: {
    TryParse: ([v]) => {
      try {
        return [true, parseDate(String(v), false)];
      } catch {
        return [false, dateFromTicks(0)];
      }
    },
  },
  ctor: (args) => {
    if (args.length === 1) return dateFromTicks(Number(args[0]));
    const [y, mo, d, h, mi, sec, ms] = args.map(Number);
    const kind = args.find((a) => a instanceof CsEnum) as CsEnum | undefined;
    return new CsDateTime(
      Date.UTC(y!, mo! - 1, d!, h ?? 0, mi ?? 0, sec ?? 0, ms ?? 0),
      (kind?.name as "Utc") ?? "Unspecified",
    );
  },
};

const DATE_TIME_OFFSET: StaticType = {
  props: {
    UtcNow: (env) => new CsDateTime(now(env), "Utc", 0),
    Now: (env) => new CsDateTime(now(env), "Utc", 0),
    MinValue: () => new CsDateTime(dateFromTicks(0).ms, "Utc", 0),
  },
  methods: {
    FromUnixTimeSeconds: ([v]) => new CsDateTime(Number(v) * 1000, "Utc", 0),
    FromUnixTimeMilliseconds: ([v]) => new CsDateTime(Number(v), "Utc", 0),
    Parse: ([v]) => parseDate(String(v), true),
  },
  ctor: ([d]) => {
    if (d instanceof CsDateTime) return new CsDateTime(d.ms, "Utc", 0);
    return new CsDateTime(dateFromTicks(Number(d)).ms, "Utc", 0);
  },
};

const TIME_SPAN: StaticType = {
  props: { Zero: () => new CsTimeSpan(0), MaxValue: () => new CsTimeSpan(Number.MAX_SAFE_INTEGER) },
  methods: {
    FromMilliseconds: ([v]) => new CsTimeSpan(Number(v)),
    FromSeconds: ([v]) => new CsTimeSpan(Number(v) * 1000),
    FromMinutes: ([v]) => new CsTimeSpan(Number(v) * 60000),
    FromHours: ([v]) => new CsTimeSpan(Number(v) * 3600000),
    FromDays: ([v]) => new CsTimeSpan(Number(v) * 86400000),
    FromTicks: ([v]) => new CsTimeSpan(Number(v) / 10000),
  },
  ctor: (args) => {
    const n = args.map(Number);
    if (n.length === 1) return new CsTimeSpan(n[0]! / 10000);
    if (n.length === 3) return new CsTimeSpan(((n[0]! * 60 + n[1]!) * 60 + n[2]!) * 1000);
    return new CsTimeSpan((((n[0]! * 24 + n[1]!) * 60 + n[2]!) * 60 + n[3]!) * 1000 + (n[4] ?? 0));
  },
};

const GUID: StaticType = {
  props: { Empty: () => new CsGuid("00000000-0000-0000-0000-000000000000") },
  methods: { NewGuid: () => CsGuid.random(), Parse: ([v]) => CsGuid.parse(String(v)) },
  outMethods: {
    TryParse: ([v]) => {
      try {
        return [true, CsGuid.parse(String(v))];
      } catch {
        return [false, new CsGuid("00000000-0000-0000-0000-000000000000")];
      }
    },
  },
  ctor: ([v]) => (v instanceof Uint8Array ? CsGuid.fromBytes(v) : CsGuid.parse(String(v))),
};

const CONVERT: StaticType = {
  methods: {
    ToBase64String: ([v]) => bytes(v, "Convert.ToBase64String").toString("base64"),
    FromBase64String: ([v]) => {
      const text = String(v ?? "").replace(/\s/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
        throw new CsException(
          "FormatException",
          "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.",
        );
      return new Uint8Array(Buffer.from(text, "base64"));
    },
    ToInt32: ([v, base]) => toInteger(v, base, "int"),
    ToInt64: ([v, base]) => toInteger(v, base, "long"),
    ToInt16: ([v, base]) => toInteger(v, base, "short"),
    ToByte: ([v, base]) => toInteger(v, base, "byte"),
    ToDouble: ([v]) => (typeof v === "number" ? v : parseNumber(s(v), "double")),
    ToDecimal: ([v]) => (typeof v === "number" ? v : parseNumber(s(v), "double")),
    ToBoolean: ([v]) => (typeof v === "boolean" ? v : typeof v === "number" ? v !== 0 : parseNumber(s(v), "bool")),
    ToString: ([v]) => toPolicyString(v),
    ToHexString: ([v]) => bytes(v, "Convert.ToHexString").toString("hex").toUpperCase(),
    FromHexString: ([v]) => new Uint8Array(Buffer.from(String(v), "hex")),
    ToDateTime: ([v]) => (v instanceof CsDateTime ? v : parseDate(String(v), false)),
  },
  types: {
    ToInt32: "int",
    ToInt64: "long",
    ToInt16: "int",
    ToByte: "int",
    ToDouble: "double",
    ToDecimal: "double",
    ToBoolean: "bool",
    ToString: "string",
    ToBase64String: "string",
  },
};

function toInteger(v: unknown, base: unknown, type: string): number {
  if (typeof v === "number") return castTo(Math.round(v), type) as number;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === null || v === undefined) return 0;
  if (typeof base === "number") {
    const n = Number.parseInt(String(v), base);
    if (Number.isNaN(n))
      throw new CsException("FormatException", `Could not find any recognizable digits in '${String(v)}'.`);
    return castTo(n, type) as number;
  }
  if (v instanceof JToken) return castTo(v, type) as number;
  return parseNumber(String(v), type) as number;
}

const ENCODING: StaticType = {
  props: {
    UTF8: () => CsEncoding.utf8,
    ASCII: () => CsEncoding.ascii,
    Unicode: () => CsEncoding.unicode,
    UTF32: () => CsEncoding.utf32,
    Default: () => CsEncoding.utf8,
  },
  methods: { GetEncoding: ([name]) => CsEncoding.byName(String(name)) },
};

const REGEX: StaticType = {
  methods: {
    IsMatch: ([input, pattern, options]) => CsRegex.cached(String(pattern), regexOptions(options)).IsMatch(s(input)),
    Match: ([input, pattern, options]) => CsRegex.cached(String(pattern), regexOptions(options)).Match(s(input)),
    Matches: ([input, pattern, options]) => CsRegex.cached(String(pattern), regexOptions(options)).Matches(s(input)),
    Replace: ([input, pattern, replacement, options]) =>
      CsRegex.cached(String(pattern), regexOptions(options)).Replace(s(input), replacement),
    Split: ([input, pattern, options]) => CsRegex.cached(String(pattern), regexOptions(options)).Split(s(input)),
    Escape: ([v]) => String(v).replace(/[\\*+?|{}[\]()^$.#\s]/g, (c) => `\\${c}`),
  },
  ctor: ([pattern, options]) => new CsRegex(String(pattern), regexOptions(options)),
  types: { IsMatch: "bool" },
};

const MATH: StaticType = {
  props: { PI: () => Math.PI, E: () => Math.E },
  methods: {
    Max: ([a, b]) => Math.max(Number(a), Number(b)),
    Min: ([a, b]) => Math.min(Number(a), Number(b)),
    Abs: ([a]) => Math.abs(Number(a)),
    Floor: ([a]) => Math.floor(Number(a)),
    Ceiling: ([a]) => Math.ceil(Number(a)),
    Sqrt: ([a]) => Math.sqrt(Number(a)),
    Pow: ([a, b]) => Number(a) ** Number(b),
    Log: ([a, b]) => (b === undefined ? Math.log(Number(a)) : Math.log(Number(a)) / Math.log(Number(b))),
    Log10: ([a]) => Math.log10(Number(a)),
    Sign: ([a]) => Math.sign(Number(a)),
    Truncate: ([a]) => Math.trunc(Number(a)),
    // .NET rounds half to even by default.
    Round: ([a, digits]) => {
      const f = 10 ** (typeof digits === "number" ? digits : 0);
      const x = Number(a) * f;
      const r = Math.round(x);
      const even = Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
      return even / f;
    },
  },
  types: { Floor: "double", Ceiling: "double", Sqrt: "double", Pow: "double", Round: "double", Log: "double" },
};

const JSON_CONVERT: StaticType = {
  methods: {
    SerializeObject: ([v, formatting]) =>
      JSON.stringify(
        toPlainJson(v),
        null,
        formatting instanceof CsEnum && formatting.name === "Indented" ? 2 : undefined,
      ),
    DeserializeObject: ([v], [type]) => {
      const token = parseJson(String(v));
      return type === undefined || type.startsWith("J") || type === "object" ? token : castTo(token, type);
    },
  },
  types: { SerializeObject: "string" },
};

const jsonParse =
  (expected: typeof JObject | typeof JArray | typeof JToken, name: string): Method =>
  ([v]) => {
    const token = parseJson(String(v));
    if (!(token instanceof expected))
      throw new CsException(
        "JsonReaderException",
        `Error reading ${name} from JsonReader. Current JsonReader item is not ${name === "JObject" ? "an object" : "an array"}.`,
      );
    return token;
  };

const URI: StaticType = {
  methods: {
    EscapeDataString: ([v]) =>
      encodeURIComponent(String(v ?? "")).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    UnescapeDataString: ([v]) => urlDecode(String(v ?? ""), false),
    EscapeUriString: ([v]) => encodeURI(String(v ?? "")),
    IsWellFormedUriString: ([v]) => URL.canParse(String(v)),
  },
  ctor: ([v]) => new CsUri(String(v)),
};

const WEB_UTILITY: StaticType = {
  methods: {
    UrlEncode: ([v]) => (v === null || v === undefined ? null : webUrlEncode(String(v))),
    UrlDecode: ([v]) => (v === null || v === undefined ? null : urlDecode(String(v), true)),
    HtmlEncode: ([v]) => (v === null || v === undefined ? null : htmlEncode(String(v))),
    HtmlDecode: ([v]) => (v === null || v === undefined ? null : htmlDecode(String(v))),
  },
};

const hashType = (name: string): StaticType => ({ methods: { Create: () => CsHash.create(name) } });
const hmacType = (name: string): StaticType => ({ ctor: ([key]) => CsHash.hmac(name, key) });
const exception = (name: string): StaticType => ({
  ctor: ([message]) =>
    new CsException(
      name,
      message === undefined ? `Exception of type 'System.${name}' was thrown.` : toPolicyString(message),
    ),
});

export const STATIC_TYPES: Record<string, StaticType> = {
  string: STRING,
  String: STRING,
  int: numberType("int", -2147483648, 2147483647),
  Int32: numberType("int", -2147483648, 2147483647),
  long: numberType("long", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  Int64: numberType("long", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  short: numberType("short", -32768, 32767),
  double: numberType("double", -Number.MAX_VALUE, Number.MAX_VALUE),
  Double: numberType("double", -Number.MAX_VALUE, Number.MAX_VALUE),
  decimal: numberType("double", -7.9e28, 7.9e28),
  Decimal: numberType("double", -7.9e28, 7.9e28),
  bool: {
    methods: { Parse: ([v]) => parseNumber(s(v), "bool") },
    outMethods: {
      TryParse: ([v]) => (/^\s*(true|false)\s*$/i.test(String(v)) ? [true, /true/i.test(String(v))] : [false, false]),
    },
  },
  Boolean: { methods: { Parse: ([v]) => parseNumber(s(v), "bool") } },
  char: {
    methods: {
      IsDigit: ([c]) => /^[0-9]$/.test(String(c)),
      IsLetter: ([c]) => /^\p{L}$/u.test(String(c)),
      IsLetterOrDigit: ([c]) => /^[\p{L}0-9]$/u.test(String(c)),
      IsWhiteSpace: ([c]) => /^\s$/.test(String(c)),
      IsUpper: ([c]) => /^\p{Lu}$/u.test(String(c)),
      IsLower: ([c]) => /^\p{Ll}$/u.test(String(c)),
      ToUpper: ([c]) => String(c).toUpperCase(),
      ToLower: ([c]) => String(c).toLowerCase(),
    },
  },
  DateTime: DATE_TIME,
  DateTimeOffset: DATE_TIME_OFFSET,
  TimeSpan: TIME_SPAN,
  Guid: GUID,
  Convert: CONVERT,
  Encoding: ENCODING,
  Regex: REGEX,
  RegexOptions: enumType("RegexOptions", [
    "None",
    "IgnoreCase",
    "Multiline",
    "ExplicitCapture",
    "Compiled",
    "Singleline",
    "IgnorePatternWhitespace",
    "RightToLeft",
    "ECMAScript",
    "CultureInvariant",
  ]),
  Math: MATH,
  JsonConvert: JSON_CONVERT,
  Formatting: enumType("Formatting", ["None", "Indented"]),
  JObject: {
    methods: { Parse: jsonParse(JObject, "JObject"), FromObject: ([v]) => toJToken(v) },
    ctor: (args) => newJObject(args),
  },
  JArray: {
    methods: { Parse: jsonParse(JArray, "JArray"), FromObject: ([v]) => toJToken(v) },
    ctor: (args) => new JArray(args.length === 1 ? args[0] : args),
  },
  JToken: { methods: { Parse: jsonParse(JToken, "JToken"), FromObject: ([v]) => toJToken(v) } },
  JProperty: { ctor: ([name, value]) => new JProperty(String(name), value) },
  JValue: { ctor: ([v]) => new JValue(v === undefined ? null : (toPlainJson(v) as string)) },
  Uri: URI,
  WebUtility: WEB_UTILITY,
  StringComparison: enumType("StringComparison", [
    "CurrentCulture",
    "CurrentCultureIgnoreCase",
    "InvariantCulture",
    "InvariantCultureIgnoreCase",
    "Ordinal",
    "OrdinalIgnoreCase",
  ]),
  StringComparer: enumType("StringComparer", [
    "CurrentCulture",
    "CurrentCultureIgnoreCase",
    "InvariantCulture",
    "InvariantCultureIgnoreCase",
    "Ordinal",
    "OrdinalIgnoreCase",
  ]),
  StringSplitOptions: enumType("StringSplitOptions", ["None", "RemoveEmptyEntries", "TrimEntries"]),
  DateTimeKind: enumType("DateTimeKind", ["Unspecified", "Utc", "Local"]),
  BitConverter: {
    methods: {
      ToString: (a) => BIT_CONVERTER.ToString(a[0], a[1], a[2]),
      ToInt32: (a) => BIT_CONVERTER.ToInt32(a[0], a[1]),
      ToInt64: (a) => BIT_CONVERTER.ToInt64(a[0], a[1]),
      GetBytes: (a) => BIT_CONVERTER.GetBytes(a[0]),
    },
    types: { ToInt32: "int", ToInt64: "long", ToString: "string" },
  },
  SHA256: hashType("SHA256"),
  SHA1: hashType("SHA1"),
  SHA384: hashType("SHA384"),
  SHA512: hashType("SHA512"),
  MD5: hashType("MD5"),
  HMACSHA256: hmacType("HMACSHA256"),
  HMACSHA1: hmacType("HMACSHA1"),
  HMACSHA384: hmacType("HMACSHA384"),
  HMACSHA512: hmacType("HMACSHA512"),
  HMACMD5: hmacType("HMACMD5"),
  Random: { ctor: ([seed]) => new CsRandom(seed) },
  Array: {
    methods: {
      Copy: ([src, a, b, c, d]) => {
        const [from, si, to, di, n] =
          d === undefined ? [src, 0, a, 0, Number(b)] : [src, Number(a), b, Number(b === undefined ? 0 : c), Number(d)];
        const source = from as ArrayLike<unknown>;
        const target = to as unknown[];
        for (let i = 0; i < n; i++) target[Number(di) + i] = source[Number(si) + i];
      },
      IndexOf: ([arr, v]) => (arr as unknown[]).indexOf(v),
      Reverse: ([arr]) => void (arr as unknown[]).reverse(),
      Empty: () => [],
    },
  },
  List: {
    ctor: ([items]) => (items === undefined || typeof items === "number" ? [] : [...(items as Iterable<unknown>)]),
  },
  Dictionary: { ctor: () => new Map() },
  HashSet: { ctor: ([items]) => (items === undefined ? [] : [...new Set(items as Iterable<unknown>)]) },
  StringBuilder: { ctor: ([v]) => new CsStringBuilder(typeof v === "string" ? v : "") },
  Enumerable: {
    methods: {
      Range: ([start, count]) =>
        Array.from({ length: checkSize(Number(count), "Enumerable.Range") }, (_, i) => Number(start) + i),
      Repeat: ([v, count]) => Array.from({ length: checkSize(Number(count), "Enumerable.Repeat") }, () => v),
      Empty: () => [],
    },
  },
  IPAddress: {
    methods: {
      Parse: ([v]) => CsIPAddress.parse(String(v)),
      HostToNetworkOrder: ([v]) => CsIPAddress.swap(Number(v)),
      NetworkToHostOrder: ([v]) => CsIPAddress.swap(Number(v)),
    },
    outMethods: {
      TryParse: ([v]) => {
        try {
          return [true, CsIPAddress.parse(String(v))];
        } catch {
          return [false, null];
        }
      },
    },
  },
  Exception: exception("Exception"),
  ArgumentException: exception("ArgumentException"),
  ArgumentNullException: exception("ArgumentNullException"),
  InvalidOperationException: exception("InvalidOperationException"),
  FormatException: exception("FormatException"),
  NotSupportedException: exception("NotSupportedException"),
  Object: { ctor: () => new CsAnonymous({}) },
  object: { ctor: () => new CsAnonymous({}) },
  Match: {},
  XDocument: { methods: { Parse: ([v]) => parseXDocument(v) }, ctor: () => new XDocumentView() },
  XElement: { methods: { Parse: ([v]) => parseXDocument(v).Root } },
  XmlDocument: { ctor: () => new XDocumentView() },
  XmlReader: { methods: { Create: ([input]) => CsXmlReader.create(input) } },
  XNode: { methods: { ReadFrom: ([reader]) => (reader instanceof CsXmlReader ? reader.readElement() : null) } },
  StringReader: { ctor: ([text]) => new CsStringReader(String(text ?? "")) },
  byte: numberType("int", 0, 255),
  Byte: numberType("int", 0, 255),
};

function newJObject(args: unknown[]): JObject {
  const o = new JObject();
  for (const a of args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args) {
    if (a instanceof JProperty) o.Add(a);
    else if (a instanceof JObject) for (const [k, v] of a.props) o.set(k, v.DeepClone());
    else throw new CsException("ArgumentException", `Could not add ${typeof a} to JObject.`);
  }
  return o;
}

export { CsMatch };
