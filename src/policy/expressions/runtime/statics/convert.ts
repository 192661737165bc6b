// System.Convert (base64, hex, numbers, booleans, dates) and BitConverter.
import { toPolicyString } from "../../to-string.js";
import { BIT_CONVERTER } from "../crypto.js";
import { CsException } from "../errors.js";
import { JToken } from "../json.js";
import { castTo } from "../members.js";
import { CsDateTime, parseDate } from "../time.js";
import { parseNumber } from "../types.js";
import type { StaticType, StaticTypes } from "./static-type.js";
import { textOrNull } from "./static-type.js";

const bytes = (v: unknown, what: string): Buffer => {
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (v === null || v === undefined) throw new CsException("ArgumentNullException", `Value cannot be null. (${what})`);
  throw new CsException("ArgumentException", `${what} expects a byte[].`);
};

function toInteger(v: unknown, base: unknown, type: string): number {
  if (typeof v === "number") return castTo(Math.round(v), type) as number;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === null || v === undefined) return 0;
  if (typeof base === "number") {
    const n = Number.parseInt(String(v), base);
    if (Number.isNaN(n))
      throw new CsException("FormatException", `Could not find any recognizable digits in '${String(v)}'.`);
    return castTo(n, type) as number;
  }
  if (v instanceof JToken) return castTo(v, type) as number;
  return parseNumber(String(v), type) as number;
}

const toDouble = ([v]: unknown[]) => (typeof v === "number" ? v : parseNumber(textOrNull(v), "double"));

const CONVERT: StaticType = {
  methods: {
    ToBase64String: ([v]) => bytes(v, "Convert.ToBase64String").toString("base64"),
    FromBase64String: ([v]) => {
      const text = String(v ?? "").replace(/\s/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
        throw new CsException(
          "FormatException",
          "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.",
        );
      return new Uint8Array(Buffer.from(text, "base64"));
    },
    ToInt32: ([v, base]) => toInteger(v, base, "int"),
    ToInt64: ([v, base]) => toInteger(v, base, "long"),
    ToInt16: ([v, base]) => toInteger(v, base, "short"),
    ToByte: ([v, base]) => toInteger(v, base, "byte"),
    ToDouble: toDouble,
    ToDecimal: toDouble,
    ToBoolean: ([v]) =>
      typeof v === "boolean" ? v : typeof v === "number" ? v !== 0 : parseNumber(textOrNull(v), "bool"),
    ToString: ([v]) => toPolicyString(v),
    ToHexString: ([v]) => bytes(v, "Convert.ToHexString").toString("hex").toUpperCase(),
    FromHexString: ([v]) => new Uint8Array(Buffer.from(String(v), "hex")),
    ToDateTime: ([v]) => (v instanceof CsDateTime ? v : parseDate(String(v), false)),
  },
  types: {
    ToInt32: "int",
    ToInt64: "long",
    ToInt16: "int",
    ToByte: "int",
    ToDouble: "double",
    ToDecimal: "double",
    ToBoolean: "bool",
    ToString: "string",
    ToBase64String: "string",
  },
};

export const CONVERT_TYPES: StaticTypes = {
  Convert: CONVERT,
  BitConverter: {
    methods: {
      ToString: (a) => BIT_CONVERTER.ToString(a[0], a[1], a[2]),
      ToInt32: (a) => BIT_CONVERTER.ToInt32(a[0], a[1]),
      ToInt64: (a) => BIT_CONVERTER.ToInt64(a[0], a[1]),
      GetBytes: (a) => BIT_CONVERTER.GetBytes(a[0]),
    },
    types: { ToInt32: "int", ToInt64: "long", ToString: "string" },
  },
};
