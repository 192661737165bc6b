// Finds the end of a C# code region (`(...)` or `{...}`) inside XML source without interpreting it:
// brackets are balanced while string literals ("…", @"…", $"…{x}…", '…') and comments are skipped, so
// that `"`, `<`, `>` and `)` inside them do not end the region early.

const CLOSE: Record<string, string> = { "(": ")", "{": "}", "[": "]" };

/**
 * `open` is the offset of the opening `(` or `{`. Returns the offset just after the matching close,
 * or -1 when the region is not balanced before the end of the text.
 */
export function scanCode(s: string, open: number): number {
  const stack: string[] = [];
  let i = open;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === "(" || c === "{" || c === "[") {
      stack.push(CLOSE[c] as string);
      i++;
    } else if (c === ")" || c === "}" || c === "]") {
      if (stack.pop() !== c) return -1;
      i++;
      if (stack.length === 0) return i;
    } else if (c === '"') {
      i = skipString(s, i, c, false, false);
    } else if (c === "'") {
      i = skipChar(s, i);
    } else if (
      (c === "@" || c === "$") &&
      (s[i + 1] === '"' || ((s[i + 1] === "@" || s[i + 1] === "$") && s[i + 2] === '"'))
    ) {
      const prefix = s[i + 1] === '"' ? c : c + s[i + 1];
      const quoteAt = i + prefix.length;
      i = skipString(s, quoteAt, '"', prefix.includes("@"), prefix.includes("$"));
    } else if (c === "/" && s[i + 1] === "/") {
      const nl = s.indexOf("\n", i);
      i = nl < 0 ? s.length : nl + 1;
    } else if (c === "/" && s[i + 1] === "*") {
      const end = s.indexOf("*/", i + 2);
      i = end < 0 ? s.length : end + 2;
    } else {
      i++;
    }
    if (i < 0) return -1;
  }
  return -1;
}

// A char literal is 'x', '\x' or '\uXXXX'; any other apostrophe is passed over as a plain character.
function skipChar(s: string, i: number): number {
  if (s[i + 1] === "\\") {
    const end = s.indexOf("'", i + 2);
    return end > 0 && end - i <= 7 ? end + 1 : i + 1;
  }
  return s[i + 2] === "'" ? i + 3 : i + 1;
}

/** Returns the offset just after the closing quote, or -1. */
function skipString(s: string, quoteAt: number, quote: string, verbatim: boolean, interpolated: boolean): number {
  let i = quoteAt + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === "\n" && !verbatim) return -1;
    if (!verbatim && c === "\\") {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (verbatim && s[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (interpolated && c === "{") {
      if (s[i + 1] === "{") {
        i += 2;
        continue;
      }
      const end = scanCode(s, i);
      if (end < 0) return -1;
      i = end;
      continue;
    }
    i++;
  }
  return -1;
}
