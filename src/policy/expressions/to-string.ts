// C#-style ToString for expression results: what a header, variable or body gets when a value is
// written as text (invariant culture, True/False, null → "").
import { CsDateTime } from "./runtime/time.js";

/** .NET enum value (StringComparison.OrdinalIgnoreCase, Formatting.None, …). */
export class CsEnum {
  constructor(
    readonly type: string,
    readonly name: string,
    readonly value: number,
  ) {}
  ToString(): string {
    return this.name;
  }
  toString(): string {
    return this.name;
  }
}

/** Anonymous object `new { a = 1 }`: members in declaration order. */
export class CsAnonymous {
  constructor(readonly members: Record<string, unknown>) {}
  ToString(): string {
    const body = Object.entries(this.members)
      .map(([k, v]) => `${k} = ${toPolicyString(v)}`)
      .join(", ");
    return body ? `{ ${body} }` : "{ }";
  }
}

/** Formats a double like .NET Core's shortest round-trip ToString(). */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "∞";
  if (n === Number.NEGATIVE_INFINITY) return "-∞";
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return Object.is(n, -0) ? "-0" : BigInt(n).toString();
  const abs = Math.abs(n);
  if (abs >= 1e15 || abs < 1e-4) {
    const [mantissa, exp] = n.toExponential().split("e");
    const e = Number(exp);
    return `${mantissa}E${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(n);
}

export function toPolicyString(value: unknown): string {
  if (value === null || value === undefined) return "";
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "True" : "False";
    case "number":
      return formatNumber(value);
    case "bigint":
      return value.toString();
    case "function":
      return "System.Func";
  }
  if (value instanceof Date) return new CsDateTime(value.getTime()).ToString();
  if (value instanceof Uint8Array) return "System.Byte[]";
  if (Array.isArray(value)) return `System.${elementTypeName(value)}[]`;
  if (value instanceof Map) return "System.Collections.Generic.Dictionary`2[System.String,System.Object]";
  const withToString = value as { ToString?: () => string };
  if (typeof withToString.ToString === "function") return withToString.ToString();
  return String(value);
}

function elementTypeName(items: unknown[]): string {
  if (items.length > 0 && items.every((i) => typeof i === "string")) return "String";
  if (items.length > 0 && items.every((i) => typeof i === "number" && Number.isInteger(i))) return "Int32";
  return "Object";
}
