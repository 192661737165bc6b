// Text: System.String's static members, string comparison options, StringBuilder, Encoding and Regex.
import { CsEnum, toPolicyString } from "../../to-string.js";
import { checkSize } from "../errors.js";
import { JArray } from "../json.js";
import { formatString } from "../strings.js";
import { CsEncoding, CsRegex, CsStringBuilder, formatValue, regexOptions } from "../types.js";
import { enumType, type StaticType, type StaticTypes, textOrNull } from "./static-type.js";

const ignoresCase = (comparison: unknown) => comparison instanceof CsEnum && comparison.name.endsWith("IgnoreCase");

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
      const ic = c === true || ignoresCase(c);
      const x = a === null || a === undefined ? null : ic ? String(a).toLowerCase() : String(a);
      const y = b === null || b === undefined ? null : ic ? String(b).toLowerCase() : String(b);
      if (x === y) return 0;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    },
    Equals: ([a, b, c]) => (ignoresCase(c) ? String(a).toLowerCase() === String(b).toLowerCase() : a === b),
  },
  ctor: ([c, n]) => String(c).repeat(checkSize(Number(n), "new string")),
  types: { Compare: "int", IsNullOrEmpty: "bool", Join: "string", Concat: "string", Format: "string", Empty: "string" },
};

const COMPARISONS = [
  "CurrentCulture",
  "CurrentCultureIgnoreCase",
  "InvariantCulture",
  "InvariantCultureIgnoreCase",
  "Ordinal",
  "OrdinalIgnoreCase",
];

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

// Static Regex methods share the instance methods through the cache of compiled patterns.
const regex = (pattern: unknown, options: unknown) => CsRegex.cached(String(pattern), regexOptions(options));

const REGEX: StaticType = {
  methods: {
    IsMatch: ([input, pattern, options]) => regex(pattern, options).IsMatch(textOrNull(input)),
    Match: ([input, pattern, options]) => regex(pattern, options).Match(textOrNull(input)),
    Matches: ([input, pattern, options]) => regex(pattern, options).Matches(textOrNull(input)),
    Replace: ([input, pattern, replacement, options]) =>
      regex(pattern, options).Replace(textOrNull(input), replacement),
    Split: ([input, pattern, options]) => regex(pattern, options).Split(textOrNull(input)),
    Escape: ([v]) => String(v).replace(/[\\*+?|{}[\]()^$.#\s]/g, (c) => `\\${c}`),
  },
  ctor: ([pattern, options]) => new CsRegex(String(pattern), regexOptions(options)),
  types: { IsMatch: "bool" },
};

export const TEXT_TYPES: StaticTypes = {
  string: STRING,
  String: STRING,
  StringComparison: enumType("StringComparison", COMPARISONS),
  StringComparer: enumType("StringComparer", COMPARISONS),
  StringSplitOptions: enumType("StringSplitOptions", ["None", "RemoveEmptyEntries", "TrimEntries"]),
  StringBuilder: { ctor: ([v]) => new CsStringBuilder(typeof v === "string" ? v : "") },
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
  Match: {},
};
