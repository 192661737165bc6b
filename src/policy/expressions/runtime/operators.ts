// C# operator semantics over the run-time value model: string concatenation, integer division,
// DateTime/TimeSpan arithmetic, lifted nulls, 64-bit shifts.
import { CsEnum, toPolicyString } from "../to-string.js";
import { CsException } from "./errors.js";
import { JValue } from "./json.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./time.js";
import { XName } from "./xml.js";

export type NumKind = "int" | "long" | "double" | undefined;

export function csEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) {
    // A JSON null token compares equal to null, like Newtonsoft's JValue operator.
    if (a instanceof JValue) return a.value === null;
    if (b instanceof JValue) return b.value === null;
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  // XName converts implicitly from string.
  if (a instanceof XName) return a.matches(b);
  if (b instanceof XName) return b.matches(a);
  if (a instanceof JValue && !(b instanceof JValue)) return csEquals(a.value, b);
  if (b instanceof JValue && !(a instanceof JValue)) return csEquals(a, b.value);
  if (a instanceof JValue && b instanceof JValue) return a.value === b.value;
  if (a instanceof CsDateTime && b instanceof CsDateTime) return a.ms === b.ms;
  if (a instanceof CsTimeSpan && b instanceof CsTimeSpan) return a.ms === b.ms;
  if (a instanceof CsGuid && b instanceof CsGuid) return a.text === b.text;
  if (a instanceof CsEnum && b instanceof CsEnum) return a.type === b.type && a.value === b.value;
  return false;
}

function isIntegral(kind: NumKind, a: number, b: number): boolean {
  if (kind !== undefined) return kind !== "double";
  return Number.isInteger(a) && Number.isInteger(b);
}

function num(v: unknown, op: string): number {
  if (typeof v === "number") return v;
  if (v instanceof JValue && typeof v.value === "number") return v.value;
  // char arithmetic ('a' + 1) uses the code unit.
  if (typeof v === "string" && v.length === 1) return v.charCodeAt(0);
  throw new CsException(
    "InvalidOperationException",
    `Operator '${op}' cannot be applied to a value of type ${typeof v}.`,
  );
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === "string" || typeof b === "string") return toPolicyString(a) + toPolicyString(b);
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (a instanceof CsDateTime && b instanceof CsTimeSpan) return a.Add(b);
  if (a instanceof CsTimeSpan && b instanceof CsTimeSpan) return a.Add(b);
  return num(a, "+") + num(b, "+");
}

export function subtract(a: unknown, b: unknown): unknown {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (a instanceof CsDateTime && (b instanceof CsDateTime || b instanceof CsTimeSpan)) return a.Subtract(b);
  if (a instanceof CsTimeSpan && b instanceof CsTimeSpan) return a.Subtract(b);
  return num(a, "-") - num(b, "-");
}

export function arith(op: string, a: unknown, b: unknown, kind: NumKind): unknown {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const x = num(a, op);
  const y = num(b, op);
  switch (op) {
    case "*":
      return x * y;
    case "/":
      if (isIntegral(kind, x, y)) {
        if (y === 0) throw new CsException("DivideByZeroException", "Attempted to divide by zero.");
        return Math.trunc(x / y);
      }
      return x / y;
    case "%":
      if (isIntegral(kind, x, y) && y === 0)
        throw new CsException("DivideByZeroException", "Attempted to divide by zero.");
      return x % y;
  }
  throw new CsException("InvalidOperationException", `unknown operator ${op}`);
}

const INT32 = 2 ** 31;

export function bitwise(op: string, a: unknown, b: unknown, kind: NumKind): unknown {
  if (typeof a === "boolean" && typeof b === "boolean") {
    if (op === "&") return a && b;
    if (op === "|") return a || b;
    if (op === "^") return a !== b;
  }
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const x = num(a, op);
  const y = num(b, op);
  const wide = kind === "long" || Math.abs(x) >= INT32 || Math.abs(y) >= INT32;
  if (!wide) {
    switch (op) {
      case "&":
        return x & y;
      case "|":
        return x | y;
      case "^":
        return x ^ y;
      case "<<":
        return x << y;
      case ">>":
        return x >> y;
    }
  }
  const bx = BigInt.asIntN(64, BigInt(Math.trunc(x)));
  const by = BigInt(Math.trunc(y));
  let r: bigint;
  switch (op) {
    case "&":
      r = bx & by;
      break;
    case "|":
      r = bx | by;
      break;
    case "^":
      r = bx ^ by;
      break;
    case "<<":
      r = bx << (by & 63n);
      break;
    default:
      r = bx >> (by & 63n);
  }
  return Number(BigInt.asIntN(64, r));
}

export function compare(op: string, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  let x: number;
  let y: number;
  if (a instanceof CsDateTime && b instanceof CsDateTime) {
    x = a.ms;
    y = b.ms;
  } else if (a instanceof CsTimeSpan && b instanceof CsTimeSpan) {
    x = a.ms;
    y = b.ms;
  } else {
    x = num(a, op);
    y = num(b, op);
  }
  switch (op) {
    case "<":
      return x < y;
    case ">":
      return x > y;
    case "<=":
      return x <= y;
    default:
      return x >= y;
  }
}

export function negate(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof CsTimeSpan) return v.Negate();
  return -num(v, "-");
}

export function truthy(v: unknown, what: string): boolean {
  if (typeof v === "boolean") return v;
  if (v instanceof JValue && typeof v.value === "boolean") return v.value;
  if (v === null || v === undefined)
    throw new CsException("InvalidOperationException", `Nullable object must have a value (${what}).`);
  throw new CsException(
    "InvalidCastException",
    `Cannot implicitly convert a value of type ${typeof v} to bool (${what}).`,
  );
}
