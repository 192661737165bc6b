// Run-time failures inside an expression, shaped like .NET exceptions so that `catch (Exception e)`
// and `e.Message` work; the policy runner turns escaping ones into ExpressionValueEvaluationFailure.

export class CsException extends Error {
  readonly type: string;
  constructor(type: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = type;
    this.type = type;
  }
  get Message(): string {
    return this.message;
  }
  ToString(): string {
    return `System.${this.type}: ${this.message}`;
  }
}

/** Largest collection or string an expression may build: a policy must not exhaust gateway memory. */
export const MAX_ELEMENTS = 10_000_000;

export function checkSize(n: number, what: string): number {
  if (!Number.isFinite(n) || n < 0)
    throw new CsException("ArgumentOutOfRangeException", `${what}: size ${n} is out of range.`);
  if (n > MAX_ELEMENTS)
    throw new CsException("OutOfMemoryException", `${what}: size ${n} exceeds the limit of ${MAX_ELEMENTS}.`);
  return n;
}

export function nullReference(what: string): CsException {
  return new CsException("NullReferenceException", `Object reference not set to an instance of an object (${what}).`);
}

export function keyNotFound(key: unknown): CsException {
  return new CsException("KeyNotFoundException", `The given key '${String(key)}' was not present in the dictionary.`);
}

export function invalidCast(from: unknown, to: string): CsException {
  return new CsException(
    "InvalidCastException",
    `Unable to cast object of type '${runtimeTypeName(from)}' to type '${to}'.`,
  );
}

/** A .NET-like type name of a run-time value, for messages. */
export function runtimeTypeName(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return "String";
  if (typeof value === "number") return Number.isInteger(value) ? "Int32" : "Double";
  if (typeof value === "boolean") return "Boolean";
  if (value instanceof Uint8Array) return "Byte[]";
  if (Array.isArray(value)) return "Array";
  if (value instanceof Map) return "Dictionary";
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor?.replace(/^Cs/, "").replace(/View$/, "") ?? "Object";
}
