// Where does a policy expression end? Attribute values may hold raw `"` and `<` inside C# strings, so
// the XML reader asks here instead of stopping at the first quote.
import { LexError, skipLiteral } from "./lexer.js";

/**
 * `text[start]` is the `@` of `@(` or `@{`. Returns the index just after the matching close bracket,
 * skipping C# strings, chars and comments; undefined when the brackets never balance.
 */
export function findExpressionEnd(text: string, start: number): number | undefined {
  const open = text[start + 1];
  if (text[start] !== "@" || (open !== "(" && open !== "{")) return undefined;
  let depth = 0;
  let i = start + 1;
  try {
    while (i < text.length) {
      const c = text[i]!;
      const next = text[i + 1];
      if (c === '"' || c === "'" || ((c === "@" || c === "$") && (next === '"' || (c === "$" && next === "@")))) {
        i = skipLiteral(text, i);
        continue;
      }
      if (c === "/" && next === "/") {
        const nl = text.indexOf("\n", i);
        if (nl < 0) return undefined;
        i = nl + 1;
        continue;
      }
      if (c === "/" && next === "*") {
        const close = text.indexOf("*/", i + 2);
        if (close < 0) return undefined;
        i = close + 2;
        continue;
      }
      if (c === "(" || c === "{" || c === "[") depth++;
      else if (c === ")" || c === "}" || c === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
  } catch (error) {
    if (error instanceof LexError) return undefined;
    throw error;
  }
  return undefined;
}
