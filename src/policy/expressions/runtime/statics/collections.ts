// Collections: Array's static helpers, List/Dictionary/HashSet constructors (JS arrays and Maps), Enumerable.
import { checkSize } from "../errors.js";
import type { StaticTypes } from "./static-type.js";

const empty = () => [];

export const COLLECTION_TYPES: StaticTypes = {
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
      Empty: empty,
    },
  },
  List: {
    ctor: ([items]) => (items === undefined || typeof items === "number" ? [] : [...(items as Iterable<unknown>)]),
  },
  Dictionary: { ctor: () => new Map() },
  HashSet: { ctor: ([items]) => (items === undefined ? [] : [...new Set(items as Iterable<unknown>)]) },
  Enumerable: {
    methods: {
      Range: ([start, count]) =>
        Array.from({ length: checkSize(Number(count), "Enumerable.Range") }, (_, i) => Number(start) + i),
      Repeat: ([v, count]) => Array.from({ length: checkSize(Number(count), "Enumerable.Repeat") }, () => v),
      Empty: empty,
    },
  },
};
