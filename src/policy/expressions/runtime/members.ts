// Instance member dispatch by run-time type, for receivers whose static type is not known at compile
// time (values read from context.Variables, JSON tokens, locals declared with var from such values).

import { isPolicyResponse, ResponseView } from "../message-views.js";
import { CsAnonymous, CsEnum, toPolicyString } from "../to-string.js";
import { symmetric } from "./crypto.js";
import { CsException, invalidCast, nullReference, runtimeTypeName } from "./errors.js";
import { fromJToken, JArray, JObject, JProperty, JToken, JValue, jGet, jSet, KeyValue, toJToken } from "./json.js";
import { LINQ, toIterable } from "./linq.js";
import { csEquals } from "./operators.js";
import { STRING_METHODS } from "./strings.js";
import { CsDateTime } from "./time.js";
import { formatNumberWith } from "./types.js";

type Method = (target: never, args: unknown[], typeArgs: string[]) => unknown;

function missing(target: unknown, name: string): CsException {
  return new CsException(
    "MissingMemberException",
    `'${runtimeTypeName(target)}' does not contain a definition for '${name}'.`,
  );
}

function keyNotFound(key: unknown): CsException {
  return new CsException(
    "KeyNotFoundException",
    `The given key '${toPolicyString(key)}' was not present in the dictionary.`,
  );
}

/** Dictionary lookups that join string[] values like APIM's header/claim dictionaries. */
function dictValue(value: unknown, defaultValue: unknown): unknown {
  if (
    Array.isArray(value) &&
    value.every((v) => typeof v === "string") &&
    (defaultValue === undefined || typeof defaultValue === "string" || defaultValue === null)
  )
    return value.join(",");
  return value;
}

const LIST_METHODS: Record<string, (list: unknown[], args: unknown[]) => unknown> = {
  Add: (l, [v]) => void l.push(v),
  AddRange: (l, [v]) => void l.push(...(toIterable(v) ?? [])),
  Insert: (l, [i, v]) => void l.splice(Number(i), 0, v),
  Remove: (l, [v]) => {
    const i = l.findIndex((x) => csEquals(x, v));
    if (i >= 0) l.splice(i, 1);
    return i >= 0;
  },
  RemoveAt: (l, [i]) => void l.splice(Number(i), 1),
  Clear: (l) => void l.splice(0, l.length),
  IndexOf: (l, [v]) => l.findIndex((x) => csEquals(x, v)),
  Sort: (l) => void l.sort(),
  Exists: (l, [f]) => l.some((x) => (f as (x: unknown) => unknown)(x) === true),
  Find: (l, [f]) => l.find((x) => (f as (x: unknown) => unknown)(x) === true) ?? null,
  FindIndex: (l, [f]) => l.findIndex((x) => (f as (x: unknown) => unknown)(x) === true),
  ForEach: (l, [f]) => {
    for (const x of l) (f as (x: unknown) => unknown)(x);
  },
  CopyTo: (l, [dst, at]) => void (dst as unknown[]).splice(Number(at ?? 0), l.length, ...l),
};

const DICT_METHODS: Record<string, (d: Map<unknown, unknown>, args: unknown[]) => unknown> = {
  ContainsKey: (d, [k]) => d.has(k),
  ContainsValue: (d, [v]) => [...d.values()].some((x) => csEquals(x, v)),
  GetValueOrDefault: (d, [k, def]) => (d.has(k) ? dictValue(d.get(k), def) : (def ?? null)),
  Add: (d, [k, v]) => {
    if (d.has(k))
      throw new CsException(
        "ArgumentException",
        `An item with the same key has already been added. Key: ${toPolicyString(k)}`,
      );
    d.set(k, v);
  },
  Remove: (d, [k]) => d.delete(k),
  Clear: (d) => d.clear(),
  TryAdd: (d, [k, v]) => {
    if (d.has(k)) return false;
    d.set(k, v);
    return true;
  },
  // APIM extension on the form dictionary from Body.AsFormUrlEncodedContent().
  ToFormUrlEncodedContent: (d) => {
    const form = new URLSearchParams();
    for (const [k, v] of d) for (const item of Array.isArray(v) ? v : [v]) form.append(String(k), toPolicyString(item));
    return form.toString();
  },
};

const JSON_METHODS: Record<string, Method> = {
  Value: (t: JToken, args, [type]) => fromJToken(args.length === 0 ? t : jGet(t, args[0]), type ?? "object"),
  Values: (t: JToken, _args, [type]) =>
    [...(toIterable(t) ?? [])].map((x) =>
      fromJToken(x instanceof KeyValue ? (x.Value as JToken) : (x as JToken), type ?? "object"),
    ),
  ToObject: (t: JToken, _args, [type]) => fromJToken(t, type ?? "object"),
  ToString: (t: JToken, [formatting]) =>
    t instanceof JValue ? t.ToString() : t.ToString(formatting instanceof CsEnum ? formatting.name : undefined),
  Remove: (t: JToken, args) => (args.length > 0 && t instanceof JObject ? t.RemoveKey(String(args[0])) : t.Remove()),
  Children: (t: JToken) => (t instanceof JObject ? t.Properties() : [...(toIterable(t) ?? [])]),
  GetValue: (t: JToken, [key]) => (t instanceof JObject ? t.get(String(key)) : null),
  TryGetValue: (t: JToken, [key]) => (t instanceof JObject ? t.get(String(key)) : null),
  Merge: (t: JToken, [other]) => {
    if (t instanceof JObject && other instanceof JObject) for (const [k, v] of other.props) t.set(k, v.DeepClone());
  },
};

export function callMethod(target: unknown, name: string, args: unknown[], typeArgs: string[]): unknown {
  if (target === null || target === undefined) throw nullReference(`calling '${name}'`);
  if (typeof target === "string") {
    const m = STRING_METHODS[name];
    if (m) return m(target, args);
  } else if (typeof target === "number" || typeof target === "boolean") {
    if (name === "ToString")
      return args.length > 0 && typeof target === "number"
        ? formatNumberWith(target, String(args[0]))
        : toPolicyString(target);
    if (name === "Equals") return csEquals(target, args[0]);
    if (name === "CompareTo") return Math.sign(Number(target) - Number(args[0]));
    if (name === "GetHashCode") return typeof target === "number" ? target | 0 : Number(target);
  } else if (target instanceof Uint8Array) {
    if (name === "Encrypt" || name === "Decrypt")
      return symmetric(name === "Encrypt" ? "encrypt" : "decrypt", target, args[0], args[1], args[2]);
  } else if (Array.isArray(target)) {
    const m = LIST_METHODS[name];
    if (m) return m(target, args);
  } else if (target instanceof Map) {
    if (name === "TryGetValue") throw new CsException("NotSupportedException", "TryGetValue needs an out argument.");
    const m = DICT_METHODS[name];
    if (m) return m(target, args);
  } else if (target instanceof JToken) {
    const m = JSON_METHODS[name];
    if (m) return m(target as never, args, typeArgs);
  } else if (isPolicyResponse(target)) {
    return callMethod(new ResponseView(target), name, args, typeArgs);
  }
  if (typeof target === "object") {
    const fn = (target as Record<string, unknown>)[name];
    if (typeof fn === "function" && isPascal(name)) {
      // Generic methods of views take their type argument last: As<T>(), GetValueOrDefault<T>().
      if (name === "As") return (fn as (...a: unknown[]) => unknown).call(target, typeArgs[0] ?? "string", args[0]);
      if (name === "GetValueOrDefault" && typeArgs.length > 0)
        return (fn as (...a: unknown[]) => unknown).call(target, args[0], args[1] ?? null, typeArgs[0]);
      return (fn as (...a: unknown[]) => unknown).apply(target, args);
    }
    if (isPlainObject(target)) {
      const rec = target as Record<string, unknown>;
      if (name === "ContainsKey") return Object.hasOwn(rec, String(args[0]));
      if (name === "GetValueOrDefault")
        return Object.hasOwn(rec, String(args[0])) ? dictValue(rec[String(args[0])], args[1]) : (args[1] ?? null);
    }
    if (name === "ToString") return toPolicyString(target);
    if (name === "Equals") return csEquals(target, args[0]);
    if (name === "GetHashCode") return 0;
  }
  const linq = LINQ[name];
  const items = toIterable(target);
  if (linq && items) {
    const list = [...items];
    if ((name === "OfType" || name === "Cast") && typeArgs[0]) return list.map((x) => castTo(x, typeArgs[0]!));
    return linq(list, args);
  }
  if (name === "ToString") return toPolicyString(target);
  if (name === "Equals") return csEquals(target, args[0]);
  throw missing(target, name);
}

/** Only PascalCase (C#) member names reach JS objects: internals stay unreachable. */
function isPascal(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 65 && c <= 90;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function getProperty(target: unknown, name: string): unknown {
  if (target === null || target === undefined) throw nullReference(`reading '${name}'`);
  if (typeof target === "string") {
    if (name === "Length") return target.length;
  } else if (Array.isArray(target) || target instanceof Uint8Array) {
    if (name === "Length" || name === "Count" || name === "LongLength") return target.length;
  } else if (target instanceof Map) {
    if (name === "Count") return target.size;
    if (name === "Keys") return [...target.keys()];
    if (name === "Values") return [...target.values()];
  } else if (target instanceof CsAnonymous) {
    if (Object.hasOwn(target.members, name)) return target.members[name];
  } else if (isPolicyResponse(target)) {
    return getProperty(new ResponseView(target), name);
  } else if (target instanceof Date) {
    return getProperty(new CsDateTime(target.getTime()), name);
  } else if (typeof target === "object" && isPascal(name) && name in target) {
    const v = (target as Record<string, unknown>)[name];
    if (typeof v !== "function") return v instanceof Date ? new CsDateTime(v.getTime()) : v;
  } else if (typeof target === "object" && isPlainObject(target) && Object.hasOwn(target, name)) {
    return (target as Record<string, unknown>)[name];
  }
  throw missing(target, name);
}

export function setProperty(target: unknown, name: string, value: unknown): void {
  if (target instanceof JProperty && name === "Value") {
    target.Value = toJToken(value);
    return;
  }
  throw new CsException(
    "InvalidOperationException",
    `Property '${name}' of '${runtimeTypeName(target)}' is read-only.`,
  );
}

export function indexGet(target: unknown, keys: unknown[]): unknown {
  const key = keys[0];
  if (target === null || target === undefined) throw nullReference("indexer");
  if (typeof target === "string" || Array.isArray(target) || target instanceof Uint8Array) {
    if (typeof key !== "number" || key < 0 || key >= target.length || !Number.isInteger(key))
      throw new CsException("IndexOutOfRangeException", "Index was outside the bounds of the array.");
    return target[key];
  }
  if (target instanceof JToken) return jGet(target, key);
  if (target instanceof Map) {
    if (!target.has(key)) throw keyNotFound(key);
    return target.get(key);
  }
  if (isPolicyResponse(target)) throw invalidCast(target, "indexable");
  const getItem = (target as { get_Item?: (k: unknown) => unknown }).get_Item;
  if (typeof getItem === "function") return getItem.call(target, key);
  if (typeof target === "object" && isPlainObject(target)) {
    if (!Object.hasOwn(target, String(key))) throw keyNotFound(key);
    return (target as Record<string, unknown>)[String(key)];
  }
  throw new CsException(
    "InvalidOperationException",
    `Cannot apply indexing to a value of type '${runtimeTypeName(target)}'.`,
  );
}

export function indexSet(target: unknown, keys: unknown[], value: unknown): void {
  const key = keys[0];
  if (Array.isArray(target) || target instanceof Uint8Array) {
    if (typeof key !== "number" || key < 0 || key >= target.length)
      throw new CsException("IndexOutOfRangeException", "Index was outside the bounds of the array.");
    if (target instanceof Uint8Array) target[key] = Number(value) & 0xff;
    else target[key] = value;
    return;
  }
  if (target instanceof JToken) {
    jSet(target, key, value);
    return;
  }
  if (target instanceof Map) {
    target.set(key, value);
    return;
  }
  throw new CsException(
    "InvalidOperationException",
    `Cannot assign through an indexer on a value of type '${runtimeTypeName(target)}'.`,
  );
}

const INT_TYPES: Record<string, (n: number) => number> = {
  int: (n) => Math.trunc(n) | 0,
  long: (n) => Math.trunc(n),
  short: (n) => (Math.trunc(n) << 16) >> 16,
  ushort: (n) => Math.trunc(n) & 0xffff,
  byte: (n) => Math.trunc(n) & 0xff,
  sbyte: (n) => (Math.trunc(n) << 24) >> 24,
  uint: (n) => Math.trunc(n) >>> 0,
  ulong: (n) => Math.trunc(n),
};

/** Explicit cast `(T)value` with .NET's rules for the types policies use. */
export function castTo(value: unknown, type: string): unknown {
  if (value === null || value === undefined) {
    if (
      type in INT_TYPES ||
      type === "double" ||
      type === "bool" ||
      type === "float" ||
      type === "decimal" ||
      type === "char"
    )
      throw nullReference(`cast to ${type}`);
    return null;
  }
  if (value instanceof JToken && type !== "JToken" && type !== "object") {
    if (type === "JObject" && value instanceof JObject) return value;
    if (type === "JArray" && value instanceof JArray) return value;
    if (type === "JValue" && value instanceof JValue) return value;
    if (type === "JProperty" && value instanceof JProperty) return value;
    if (type.startsWith("J")) throw invalidCast(value, type);
    return fromJToken(value, type);
  }
  const intCast = INT_TYPES[type];
  if (intCast) {
    if (typeof value === "number") return intCast(value);
    if (typeof value === "string" && value.length === 1) return value.charCodeAt(0);
    throw invalidCast(value, type);
  }
  switch (type) {
    case "double":
    case "float":
    case "decimal":
      if (typeof value === "number") return value;
      throw invalidCast(value, type);
    case "char":
      if (typeof value === "number") return String.fromCharCode(value);
      if (typeof value === "string" && value.length === 1) return value;
      throw invalidCast(value, type);
    case "string":
      if (typeof value === "string") return value;
      throw invalidCast(value, "String");
    case "bool":
      if (typeof value === "boolean") return value;
      throw invalidCast(value, "Boolean");
    case "IResponse":
      if (value instanceof ResponseView) return value;
      if (isPolicyResponse(value)) return new ResponseView(value);
      throw invalidCast(value, type);
    case "DateTime":
    case "DateTimeOffset":
      if (value instanceof CsDateTime) return value;
      if (value instanceof Date) return new CsDateTime(value.getTime());
      throw invalidCast(value, type);
    case "JObject":
    case "JArray":
    case "JToken":
    case "JValue":
      if (type === "JToken" && value instanceof JToken) return value;
      throw invalidCast(value, type);
  }
  return value;
}
