// Numbers, bool and char: limits, Parse/TryParse and the char classification methods.
import { parseNumber } from "../types.js";
import { type StaticType, type StaticTypes, textOrNull, tryParsing } from "./static-type.js";

function numberType(type: string, min: number, max: number): StaticType {
  return {
    props: { MaxValue: () => max, MinValue: () => min },
    methods: { Parse: ([v]) => parseNumber(textOrNull(v), type) },
    outMethods: {
      TryParse: tryParsing(
        (v) => parseNumber(textOrNull(v), type),
        () => 0,
      ),
    },
    types: { Parse: type, MaxValue: type, MinValue: type },
  };
}

const parseBool = ([v]: unknown[]) => parseNumber(textOrNull(v), "bool");

export const PRIMITIVE_TYPES: StaticTypes = {
  int: numberType("int", -2147483648, 2147483647),
  Int32: numberType("int", -2147483648, 2147483647),
  long: numberType("long", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  Int64: numberType("long", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  short: numberType("short", -32768, 32767),
  double: numberType("double", -Number.MAX_VALUE, Number.MAX_VALUE),
  Double: numberType("double", -Number.MAX_VALUE, Number.MAX_VALUE),
  decimal: numberType("double", -7.9e28, 7.9e28),
  Decimal: numberType("double", -7.9e28, 7.9e28),
  byte: numberType("int", 0, 255),
  Byte: numberType("int", 0, 255),
  bool: {
    methods: { Parse: parseBool },
    outMethods: {
      TryParse: ([v]) => (/^\s*(true|false)\s*$/i.test(String(v)) ? [true, /true/i.test(String(v))] : [false, false]),
    },
  },
  Boolean: { methods: { Parse: parseBool } },
  char: {
    methods: {
      IsDigit: ([c]) => /^[0-9]$/.test(String(c)),
      IsLetter: ([c]) => /^\p{L}$/u.test(String(c)),
      IsLetterOrDigit: ([c]) => /^[\p{L}0-9]$/u.test(String(c)),
      IsWhiteSpace: ([c]) => /^\s$/.test(String(c)),
      IsUpper: ([c]) => /^\p{Lu}$/u.test(String(c)),
      IsLower: ([c]) => /^\p{Ll}$/u.test(String(c)),
      ToUpper: ([c]) => String(c).toUpperCase(),
      ToLower: ([c]) => String(c).toLowerCase(),
    },
  },
};
