// Newtonsoft.Json: JsonConvert, Formatting and the JToken family's Parse, FromObject and constructors.
import { CsEnum } from "../../to-string.js";
import { CsException } from "../errors.js";
import { JArray, JObject, JProperty, JToken, JValue, parseJson, toJToken, toPlainJson } from "../json.js";
import { castTo } from "../members.js";
import { enumType, type Method, type StaticTypes } from "./static-type.js";

const jsonParse =
  (expected: typeof JObject | typeof JArray | typeof JToken, name: string): Method =>
  ([v]) => {
    const token = parseJson(String(v));
    if (!(token instanceof expected))
      throw new CsException(
        "JsonReaderException",
        `Error reading ${name} from JsonReader. Current JsonReader item is not ${name === "JObject" ? "an object" : "an array"}.`,
      );
    return token;
  };

const fromObject: Method = ([v]) => toJToken(v);

function newJObject(args: unknown[]): JObject {
  const o = new JObject();
  for (const a of args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args) {
    if (a instanceof JProperty) o.Add(a);
    else if (a instanceof JObject) for (const [k, v] of a.props) o.set(k, v.DeepClone());
    else throw new CsException("ArgumentException", `Could not add ${typeof a} to JObject.`);
  }
  return o;
}

export const JSON_TYPES: StaticTypes = {
  JsonConvert: {
    methods: {
      SerializeObject: ([v, formatting]) =>
        JSON.stringify(
          toPlainJson(v),
          null,
          formatting instanceof CsEnum && formatting.name === "Indented" ? 2 : undefined,
        ),
      DeserializeObject: ([v], [type]) => {
        const token = parseJson(String(v));
        return type === undefined || type.startsWith("J") || type === "object" ? token : castTo(token, type);
      },
    },
    types: { SerializeObject: "string" },
  },
  Formatting: enumType("Formatting", ["None", "Indented"]),
  JObject: {
    methods: { Parse: jsonParse(JObject, "JObject"), FromObject: fromObject },
    ctor: (args) => newJObject(args),
  },
  JArray: {
    methods: { Parse: jsonParse(JArray, "JArray"), FromObject: fromObject },
    ctor: (args) => new JArray(args.length === 1 ? args[0] : args),
  },
  JToken: { methods: { Parse: jsonParse(JToken, "JToken"), FromObject: fromObject } },
  JProperty: { ctor: ([name, value]) => new JProperty(String(name), value) },
  JValue: { ctor: ([v]) => new JValue(v === undefined ? null : (toPlainJson(v) as string)) },
};
