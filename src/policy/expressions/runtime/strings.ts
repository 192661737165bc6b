// System.String instance members with .NET semantics (ordinal comparisons, char/string overloads,
// StringSplitOptions, ArgumentOutOfRange on bad indices).
import { CsEnum, toPolicyString } from "../to-string.js";
import { asBasic, asJwt } from "./auth.js";
import { CsException, checkSize } from "./errors.js";

type StringMethod = (s: string, args: unknown[]) => unknown;

function ignoreCase(comparison: unknown): boolean {
  return comparison instanceof CsEnum && comparison.name.endsWith("IgnoreCase");
}

function str(v: unknown, method: string): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined)
    throw new CsException("ArgumentNullException", `Value cannot be null. (${method})`);
  return toPolicyString(v);
}

function outOfRange(name: string): CsException {
  return new CsException(
    "ArgumentOutOfRangeException",
    `Specified argument was out of the range of valid values. (Parameter '${name}')`,
  );
}

/** The separators of Split/Trim overloads: a char, a string, or an array of either. */
function chars(args: unknown[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (typeof a === "string") out.push(a);
    else if (Array.isArray(a)) for (const c of a) if (typeof c === "string") out.push(c);
  }
  return out;
}

function split(s: string, args: unknown[]): string[] {
  const separators = chars(args.filter((a) => typeof a === "string" || Array.isArray(a)));
  const count = args.find((a) => typeof a === "number") as number | undefined;
  const options = args.find((a) => a instanceof CsEnum) as CsEnum | undefined;
  const removeEmpty = options?.name.includes("RemoveEmptyEntries");
  const trim = options?.name.includes("TrimEntries");
  const seps = separators.filter((x) => x.length > 0);
  let parts: string[] = [];
  // At most count - 1 splits; the rest of the string is the last part.
  const maxSplits = count === undefined ? Number.POSITIVE_INFINITY : count - 1;
  if (seps.length === 0) parts = s.split(/\s/);
  else if (seps.length === 1) {
    // The common case (one separator): jump from match to match with indexOf.
    const sep = seps[0]!;
    let start = 0;
    while (parts.length < maxSplits) {
      const at = s.indexOf(sep, start);
      if (at < 0) break;
      parts.push(s.slice(start, at));
      start = at + sep.length;
    }
    parts.push(s.slice(start));
  } else {
    // Several separators: at each position the first one (in argument order) that matches wins, as in .NET.
    let start = 0;
    let i = 0;
    while (i < s.length && parts.length < maxSplits) {
      let matched = -1;
      for (let k = 0; k < seps.length; k++) {
        if (s.startsWith(seps[k]!, i)) {
          matched = seps[k]!.length;
          break;
        }
      }
      if (matched < 0) {
        i++;
        continue;
      }
      parts.push(s.slice(start, i));
      i += matched;
      start = i;
    }
    parts.push(s.slice(start));
  }
  if (trim) parts = parts.map((p) => p.trim());
  if (removeEmpty) parts = parts.filter((p) => p !== "");
  return parts;
}

function trimChars(s: string, args: unknown[], start: boolean, end: boolean): string {
  const set = chars(args);
  if (set.length === 0) return start && end ? s.trim() : start ? s.trimStart() : s.trimEnd();
  let a = 0;
  let b = s.length;
  while (start && a < b && set.includes(s[a]!)) a++;
  while (end && b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

export const STRING_METHODS: Record<string, StringMethod> = {
  Split: (s, args) => split(s, args),
  Substring: (s, [start, length]) => {
    const a = Number(start);
    const n = length === undefined ? s.length - a : Number(length);
    if (a < 0 || a > s.length) throw outOfRange("startIndex");
    if (n < 0 || a + n > s.length) throw outOfRange("length");
    return s.slice(a, a + n);
  },
  IndexOf: (s, [v, startOrComparison, comparison]) => {
    const from = typeof startOrComparison === "number" ? startOrComparison : 0;
    const ic = ignoreCase(startOrComparison) || ignoreCase(comparison);
    const needle = str(v, "IndexOf");
    return ic ? s.toLowerCase().indexOf(needle.toLowerCase(), from) : s.indexOf(needle, from);
  },
  LastIndexOf: (s, [v]) => s.lastIndexOf(str(v, "LastIndexOf")),
  IndexOfAny: (s, [set]) => {
    const cs = chars([set]);
    for (let i = 0; i < s.length; i++) if (cs.includes(s[i]!)) return i;
    return -1;
  },
  Contains: (s, [v, comparison]) =>
    ignoreCase(comparison)
      ? s.toLowerCase().includes(str(v, "Contains").toLowerCase())
      : s.includes(str(v, "Contains")),
  StartsWith: (s, [v, comparison]) =>
    ignoreCase(comparison)
      ? s.toLowerCase().startsWith(str(v, "StartsWith").toLowerCase())
      : s.startsWith(str(v, "StartsWith")),
  EndsWith: (s, [v, comparison]) =>
    ignoreCase(comparison)
      ? s.toLowerCase().endsWith(str(v, "EndsWith").toLowerCase())
      : s.endsWith(str(v, "EndsWith")),
  Equals: (s, [v, comparison]) => {
    if (typeof v !== "string") return false;
    return ignoreCase(comparison) ? s.toLowerCase() === v.toLowerCase() : s === v;
  },
  CompareTo: (s, [v]) => (v === null || v === undefined ? 1 : s < String(v) ? -1 : s > String(v) ? 1 : 0),
  ToLower: (s) => s.toLowerCase(),
  ToUpper: (s) => s.toUpperCase(),
  ToLowerInvariant: (s) => s.toLowerCase(),
  ToUpperInvariant: (s) => s.toUpperCase(),
  Trim: (s, args) => trimChars(s, args, true, true),
  TrimStart: (s, args) => trimChars(s, args, true, false),
  TrimEnd: (s, args) => trimChars(s, args, false, true),
  Replace: (s, [a, b]) => {
    const from = str(a, "Replace");
    if (from === "")
      throw new CsException("ArgumentException", "String cannot be of zero length. (Parameter 'oldValue')");
    return s.split(from).join(b === null || b === undefined ? "" : toPolicyString(b));
  },
  PadLeft: (s, [n, c]) => s.padStart(checkSize(Number(n), "PadLeft"), typeof c === "string" ? c : " "),
  PadRight: (s, [n, c]) => s.padEnd(checkSize(Number(n), "PadRight"), typeof c === "string" ? c : " "),
  Insert: (s, [i, v]) => s.slice(0, Number(i)) + str(v, "Insert") + s.slice(Number(i)),
  Remove: (s, [i, n]) =>
    n === undefined ? s.slice(0, Number(i)) : s.slice(0, Number(i)) + s.slice(Number(i) + Number(n)),
  ToCharArray: (s) => [...s],
  ToString: (s) => s,
  Normalize: (s) => s.normalize("NFC"),
  GetHashCode: (s) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    return h;
  },
  AsJwt: (s) => asJwt(s, false),
  TryParseJwt: (s) => asJwt(s, true),
  AsBasic: (s) => asBasic(s),
  TryParseBasic: (s) => asBasic(s),
};

/** string.Format with {0}, {1:format} and {{ }} escapes. */
export function formatString(
  format: string,
  args: unknown[],
  formatOne: (v: unknown, f: string | undefined) => string,
): string {
  return format.replace(
    /\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}/g,
    (m, index?: string, align?: string, f?: string) => {
      if (m === "{{") return "{";
      if (m === "}}") return "}";
      const i = Number(index);
      if (i >= args.length)
        throw new CsException(
          "FormatException",
          "Index (zero based) must be greater than or equal to zero and less than the size of the argument list.",
        );
      const text = formatOne(args[i], f);
      const width = align === undefined ? 0 : Number(align);
      return width < 0 ? text.padEnd(-width) : text.padStart(width);
    },
  );
}
