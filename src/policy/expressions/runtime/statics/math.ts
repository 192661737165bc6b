// System.Math (with .NET's rounding of halves to even) and Random.
import { CsRandom } from "../crypto.js";
import type { StaticType, StaticTypes } from "./static-type.js";

const MATH: StaticType = {
  props: { PI: () => Math.PI, E: () => Math.E },
  methods: {
    Max: ([a, b]) => Math.max(Number(a), Number(b)),
    Min: ([a, b]) => Math.min(Number(a), Number(b)),
    Abs: ([a]) => Math.abs(Number(a)),
    Floor: ([a]) => Math.floor(Number(a)),
    Ceiling: ([a]) => Math.ceil(Number(a)),
    Sqrt: ([a]) => Math.sqrt(Number(a)),
    Pow: ([a, b]) => Number(a) ** Number(b),
    Log: ([a, b]) => (b === undefined ? Math.log(Number(a)) : Math.log(Number(a)) / Math.log(Number(b))),
    Log10: ([a]) => Math.log10(Number(a)),
    Sign: ([a]) => Math.sign(Number(a)),
    Truncate: ([a]) => Math.trunc(Number(a)),
    // .NET rounds half to even by default.
    Round: ([a, digits]) => {
      const f = 10 ** (typeof digits === "number" ? digits : 0);
      const x = Number(a) * f;
      const r = Math.round(x);
      const even = Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
      return even / f;
    },
  },
  types: { Floor: "double", Ceiling: "double", Sqrt: "double", Pow: "double", Round: "double", Log: "double" },
};

export const MATH_TYPES: StaticTypes = {
  Math: MATH,
  Random: { ctor: ([seed]) => new CsRandom(seed) },
};
