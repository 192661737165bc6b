// Whether a run-time value is of a C# type, as `is` tests it: by the JavaScript shape this runtime gives
// each .NET type. Interfaces and helper types the runtime does not model pass.

import { isPolicyResponse, ResponseView } from "./message-views.js";
import { JArray, JObject, JProperty, JToken, JValue } from "./runtime/json.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./runtime/time.js";

/** The run-time type test of `is` / `as` and of Variables.GetValueOrDefault<T>. */
export function isOfType(v: unknown, type: string): boolean {
  if (v === null || v === undefined) return false;
  switch (type) {
    case "int":
    case "long":
    case "short":
    case "byte":
      return typeof v === "number" && Number.isInteger(v);
    case "double":
    case "float":
    case "decimal":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "object":
      return true;
    case "JObject":
      return v instanceof JObject;
    case "JArray":
      return v instanceof JArray;
    case "JValue":
      return v instanceof JValue;
    case "JProperty":
      return v instanceof JProperty;
    case "JToken":
      return v instanceof JToken;
    case "DateTime":
    case "DateTimeOffset":
      return v instanceof CsDateTime;
    case "TimeSpan":
      return v instanceof CsTimeSpan;
    case "Guid":
      return v instanceof CsGuid;
    case "byte[]":
      return v instanceof Uint8Array;
    case "IResponse":
      return v instanceof ResponseView || isPolicyResponse(v);
    default:
      if (type.endsWith("[]")) return Array.isArray(v) || v instanceof Uint8Array;
      // Interfaces and helper types (Jwt, IEnumerable …) are not distinguished at run time.
      return true;
  }
}
