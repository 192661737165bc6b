// System.Linq.Enumerable over anything iterable (arrays, strings, JArray, JObject, dictionaries).
// Lambdas arrive as plain JS functions compiled from the expression tree.
import { CsException } from "./errors.js";
import { JArray, JObject, KeyValue } from "./json.js";
import { compare, csEquals } from "./operators.js";

type Fn = (...args: unknown[]) => unknown;

export function toIterable(value: unknown): Iterable<unknown> | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) || value instanceof Uint8Array) return value;
  if (value instanceof JArray) return value.items;
  if (value instanceof JObject) return value;
  if (value instanceof Map) return [...value].map(([k, v]) => new KeyValue(k, v));
  if (value !== null && typeof value === "object" && Symbol.iterator in value) return value as Iterable<unknown>;
  return undefined;
}

function fn(f: unknown, method: string): Fn {
  if (typeof f !== "function") throw new CsException("ArgumentException", `${method} expects a lambda.`);
  return f as Fn;
}

function noElements(): CsException {
  return new CsException("InvalidOperationException", "Sequence contains no elements");
}

function sortKey(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (compare("<", a, b)) return -1;
  if (compare(">", a, b)) return 1;
  return 0;
}

const comparerIgnoresCase = (c: unknown) => String(c ?? "").includes("IgnoreCase");

export const LINQ: Record<string, (items: unknown[], args: unknown[]) => unknown> = {
  Where: (items, [f]) => items.filter((x, i) => fn(f, "Where")(x, i) === true),
  Select: (items, [f]) => items.map((x, i) => fn(f, "Select")(x, i)),
  SelectMany: (items, [f]) => items.flatMap((x) => [...(toIterable(fn(f, "SelectMany")(x)) ?? [])]),
  Any: (items, [f]) => (f === undefined ? items.length > 0 : items.some((x) => fn(f, "Any")(x) === true)),
  All: (items, [f]) => items.every((x) => fn(f, "All")(x) === true),
  Count: (items, [f]) => (f === undefined ? items.length : items.filter((x) => fn(f, "Count")(x) === true).length),
  LongCount: (items, [f]) => (f === undefined ? items.length : items.filter((x) => fn(f, "Count")(x) === true).length),
  First: (items, [f]) => {
    const found = f === undefined ? items : items.filter((x) => fn(f, "First")(x) === true);
    if (found.length === 0) throw noElements();
    return found[0];
  },
  FirstOrDefault: (items, [f]) =>
    (f === undefined ? items[0] : items.find((x) => fn(f, "FirstOrDefault")(x) === true)) ?? null,
  Last: (items, [f]) => {
    const found = f === undefined ? items : items.filter((x) => fn(f, "Last")(x) === true);
    if (found.length === 0) throw noElements();
    return found[found.length - 1];
  },
  LastOrDefault: (items, [f]) => {
    const found = f === undefined ? items : items.filter((x) => fn(f, "LastOrDefault")(x) === true);
    return found[found.length - 1] ?? null;
  },
  Single: (items, [f]) => {
    const found = f === undefined ? items : items.filter((x) => fn(f, "Single")(x) === true);
    if (found.length !== 1)
      throw new CsException(
        "InvalidOperationException",
        found.length === 0
          ? "Sequence contains no matching element"
          : "Sequence contains more than one matching element",
      );
    return found[0];
  },
  SingleOrDefault: (items, [f]) => {
    const found = f === undefined ? items : items.filter((x) => fn(f, "SingleOrDefault")(x) === true);
    if (found.length > 1)
      throw new CsException("InvalidOperationException", "Sequence contains more than one matching element");
    return found[0] ?? null;
  },
  ElementAt: (items, [i]) => {
    const v = items[Number(i)];
    if (v === undefined) throw new CsException("ArgumentOutOfRangeException", "Index was out of range.");
    return v;
  },
  ElementAtOrDefault: (items, [i]) => items[Number(i)] ?? null,
  Contains: (items, [v, comparer]) =>
    items.some((x) =>
      comparer !== undefined && comparerIgnoresCase(comparer) && typeof x === "string" && typeof v === "string"
        ? x.toLowerCase() === v.toLowerCase()
        : csEquals(x, v),
    ),
  ToArray: (items) => items,
  ToList: (items) => items,
  AsEnumerable: (items) => items,
  OrderBy: (items, [f]) => [...items].sort((a, b) => sortKey(fn(f, "OrderBy")(a), fn(f, "OrderBy")(b))),
  OrderByDescending: (items, [f]) => [...items].sort((a, b) => sortKey(fn(f, "OrderBy")(b), fn(f, "OrderBy")(a))),
  Reverse: (items) => [...items].reverse(),
  Concat: (items, [other]) => [...items, ...(toIterable(other) ?? [])],
  Append: (items, [v]) => [...items, v],
  Prepend: (items, [v]) => [v, ...items],
  Distinct: (items) => items.filter((x, i) => items.findIndex((y) => csEquals(x, y)) === i),
  Except: (items, [other]) => {
    const o = [...(toIterable(other) ?? [])];
    return items.filter((x, i) => !o.some((y) => csEquals(x, y)) && items.findIndex((y) => csEquals(x, y)) === i);
  },
  Intersect: (items, [other]) => {
    const o = [...(toIterable(other) ?? [])];
    return items.filter((x, i) => o.some((y) => csEquals(x, y)) && items.findIndex((y) => csEquals(x, y)) === i);
  },
  Union: (items, [other]) => LINQ.Distinct!([...items, ...(toIterable(other) ?? [])], []),
  Skip: (items, [n]) => items.slice(Math.max(0, Number(n))),
  Take: (items, [n]) => items.slice(0, Math.max(0, Number(n))),
  SkipWhile: (items, [f]) => {
    const i = items.findIndex((x) => fn(f, "SkipWhile")(x) !== true);
    return i < 0 ? [] : items.slice(i);
  },
  TakeWhile: (items, [f]) => {
    const i = items.findIndex((x) => fn(f, "TakeWhile")(x) !== true);
    return i < 0 ? items : items.slice(0, i);
  },
  Sum: (items, [f]) => items.reduce((acc: number, x) => acc + Number(f === undefined ? x : fn(f, "Sum")(x)), 0),
  Average: (items, [f]) => {
    if (items.length === 0) throw noElements();
    return (LINQ.Sum!(items, [f]) as number) / items.length;
  },
  Max: (items, [f]) => {
    if (items.length === 0) throw noElements();
    return items.map((x) => (f === undefined ? x : fn(f, "Max")(x))).reduce((a, b) => (sortKey(a, b) >= 0 ? a : b));
  },
  Min: (items, [f]) => {
    if (items.length === 0) throw noElements();
    return items.map((x) => (f === undefined ? x : fn(f, "Min")(x))).reduce((a, b) => (sortKey(a, b) <= 0 ? a : b));
  },
  Aggregate: (items, args) => {
    if (args.length === 1) {
      if (items.length === 0) throw noElements();
      return items.slice(1).reduce((acc, x) => fn(args[0], "Aggregate")(acc, x), items[0]);
    }
    const result = items.reduce((acc, x) => fn(args[1], "Aggregate")(acc, x), args[0]);
    return args.length > 2 ? fn(args[2], "Aggregate")(result) : result;
  },
  GroupBy: (items, [f]) => {
    const groups: Array<{ Key: unknown; items: unknown[] }> = [];
    for (const x of items) {
      const k = fn(f, "GroupBy")(x);
      const g = groups.find((gr) => csEquals(gr.Key, k));
      if (g) g.items.push(x);
      else groups.push({ Key: k, items: [x] });
    }
    return groups.map((g) => Object.assign(g.items, { Key: g.Key }));
  },
  ToDictionary: (items, [k, v]) =>
    new Map(items.map((x) => [fn(k, "ToDictionary")(x), v === undefined ? x : fn(v, "ToDictionary")(x)])),
  Zip: (items, [other, f]) => {
    const o = [...(toIterable(other) ?? [])];
    return items
      .slice(0, Math.min(items.length, o.length))
      .map((x, i) => (f === undefined ? [x, o[i]] : fn(f, "Zip")(x, o[i])));
  },
  DefaultIfEmpty: (items, [d]) => (items.length === 0 ? [d ?? null] : items),
  SequenceEqual: (items, [other]) => {
    const o = [...(toIterable(other) ?? [])];
    return o.length === items.length && items.every((x, i) => csEquals(x, o[i]));
  },
  OfType: (items) => items,
  Cast: (items) => items,
};
