// context.Variables: the variables of the request as a read-only dictionary, with typed reads.

import { isPolicyResponse, ResponseView } from "./message-views.js";
import { invalidCast, keyNotFound } from "./runtime/errors.js";
import { fromJToken, JToken, KeyValue } from "./runtime/json.js";
import { isOfType } from "./type-test.js";

/** context.Variables: IReadOnlyDictionary<string, object> with GetValueOrDefault<T>. */
export class VariablesView {
  constructor(private readonly vars: Map<string, unknown>) {}
  get_Item(name: string): unknown {
    if (!this.vars.has(name)) throw keyNotFound(name);
    return this.vars.get(name);
  }
  ContainsKey(name: string): boolean {
    return this.vars.has(name);
  }
  get Count(): number {
    return this.vars.size;
  }
  get Keys(): string[] {
    return [...this.vars.keys()];
  }
  GetValueOrDefault(name: string, defaultValue: unknown = null, type?: string): unknown {
    if (!this.vars.has(name)) return defaultValue;
    const value = this.vars.get(name);
    return type === undefined ? value : checkVariableType(value, type);
  }
  *[Symbol.iterator](): Iterator<KeyValue> {
    for (const [k, v] of this.vars) yield new KeyValue(k, v);
  }
}

/** GetValueOrDefault<T> throws on a type mismatch instead of converting. */
function checkVariableType(value: unknown, type: string): unknown {
  if (value === null || value === undefined || type === "object") return value ?? null;
  if (!isOfType(value, type)) {
    if (value instanceof JToken && ["string", "int", "long", "double", "bool"].includes(type))
      return fromJToken(value, type);
    throw invalidCast(value, type);
  }
  if (type === "IResponse" && isPolicyResponse(value)) return new ResponseView(value);
  return value;
}
