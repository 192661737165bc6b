// Newtonsoft.Json's LINQ-to-JSON model (JToken, JObject, JArray, JValue, JProperty) over plain JSON,
// with parent links so that `token.Remove()` and `obj.Property(name).Remove()` work like in .NET.
import { CsAnonymous, CsEnum } from "../to-string.js";
import { CsException, invalidCast } from "./errors.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./time.js";

export abstract class JToken {
  parent: JObject | JArray | JProperty | undefined;
  abstract get Type(): string;
  abstract toJSON(): unknown;
  abstract DeepClone(): JToken;
  get Parent(): JToken | undefined {
    return this.parent;
  }
  get HasValues(): boolean {
    return false;
  }
  /** Indented JSON for containers, the raw text for values (Newtonsoft's ToString()). */
  ToString(formatting?: unknown): string {
    return JSON.stringify(this.toJSON(), null, formatting === "None" ? undefined : 2);
  }
  toString(): string {
    return this.ToString();
  }
  Remove(): void {
    const p = this.parent;
    if (p instanceof JProperty) {
      p.Remove();
      return;
    }
    if (p instanceof JArray) p.items.splice(p.items.indexOf(this), 1);
    else if (p instanceof JObject)
      for (const [k, v] of p.props)
        if (v === this) p.props.delete(k);
        else throw new CsException("InvalidOperationException", "The parent is missing.");
    this.parent = undefined;
  }
  SelectToken(path: string): JToken | null {
    return selectToken(this, path);
  }
}

export type JPrimitive = string | number | boolean | null;

export class JValue extends JToken {
  constructor(
    public value: JPrimitive,
    readonly float = false,
  ) {
    super();
  }
  get Type(): string {
    const v = this.value;
    if (v === null) return "Null";
    if (typeof v === "string") return "String";
    if (typeof v === "boolean") return "Boolean";
    return this.float || !Number.isInteger(v) ? "Float" : "Integer";
  }
  get Value(): JPrimitive {
    return this.value;
  }
  toJSON(): unknown {
    return this.value;
  }
  DeepClone(): JValue {
    return new JValue(this.value, this.float);
  }
  override ToString(): string {
    const v = this.value;
    if (v === null) return "";
    if (typeof v === "boolean") return v ? "True" : "False";
    return String(v);
  }
}

export class JProperty extends JToken {
  private val: JToken;
  constructor(
    readonly name: string,
    value: unknown,
  ) {
    super();
    this.val = adopt(toJToken(value), this);
  }
  get Type(): string {
    return "Property";
  }
  get Name(): string {
    return this.name;
  }
  get Value(): JToken {
    return this.val;
  }
  set Value(v: JToken) {
    this.val = adopt(toJToken(v), this);
    if (this.parent instanceof JObject) this.parent.props.set(this.name, this.val);
  }
  toJSON(): unknown {
    return { [this.name]: this.val.toJSON() };
  }
  DeepClone(): JProperty {
    return new JProperty(this.name, this.val.DeepClone());
  }
  override Remove(): void {
    const p = this.parent;
    if (p instanceof JObject) p.props.delete(this.name);
    this.parent = undefined;
  }
}

export class JObject extends JToken {
  readonly props = new Map<string, JToken>();
  get Type(): string {
    return "Object";
  }
  override get HasValues(): boolean {
    return this.props.size > 0;
  }
  get Count(): number {
    return this.props.size;
  }
  toJSON(): unknown {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.props) out[k] = v.toJSON();
    return out;
  }
  DeepClone(): JObject {
    const o = new JObject();
    for (const [k, v] of this.props) o.set(k, v.DeepClone());
    return o;
  }
  get(key: string): JToken | null {
    return this.props.get(key) ?? null;
  }
  set(key: string, value: unknown): void {
    this.props.set(key, adopt(toJToken(value), this));
  }
  /** A live JProperty view: its Remove() deletes the key, setting Value replaces it. */
  Property(name: string): JProperty | null {
    const v = this.props.get(name);
    if (v === undefined) return null;
    const prop = new JProperty(name, null);
    (prop as unknown as { val: JToken }).val = v;
    prop.parent = this;
    return prop;
  }
  Properties(): JProperty[] {
    return [...this.props.keys()].map((k) => this.Property(k)!);
  }
  Add(nameOrProp: unknown, value?: unknown): void {
    if (nameOrProp instanceof JProperty) {
      if (this.props.has(nameOrProp.name))
        throw new CsException(
          "ArgumentException",
          `Can not add property ${nameOrProp.name} to JObject. Property with the same name already exists on object.`,
        );
      this.set(nameOrProp.name, nameOrProp.Value);
      return;
    }
    if (typeof nameOrProp !== "string")
      throw new CsException("ArgumentException", "Can not add a value without a property name to JObject.");
    if (this.props.has(nameOrProp))
      throw new CsException(
        "ArgumentException",
        `An item with the same key has already been added. Key: ${nameOrProp}`,
      );
    this.set(nameOrProp, value);
  }
  ContainsKey(name: string): boolean {
    return this.props.has(name);
  }
  RemoveKey(name: string): boolean {
    return this.props.delete(name);
  }
  GetValue(name: string): JToken | null {
    return this.get(name);
  }
  *[Symbol.iterator](): Iterator<KeyValue> {
    for (const [k, v] of this.props) yield new KeyValue(k, v);
  }
}

export class JArray extends JToken {
  readonly items: JToken[] = [];
  constructor(content?: unknown) {
    super();
    if (content !== undefined) for (const item of iterateContent(content)) this.Add(item);
  }
  get Type(): string {
    return "Array";
  }
  override get HasValues(): boolean {
    return this.items.length > 0;
  }
  get Count(): number {
    return this.items.length;
  }
  toJSON(): unknown {
    return this.items.map((i) => i.toJSON());
  }
  DeepClone(): JArray {
    return new JArray(this.items.map((i) => i.DeepClone()));
  }
  Add(value: unknown): void {
    this.items.push(adopt(toJToken(value), this));
  }
  [Symbol.iterator](): Iterator<JToken> {
    return this.items[Symbol.iterator]();
  }
}

/** KeyValuePair<TKey, TValue> for dictionary and JObject enumeration. */
export class KeyValue {
  constructor(
    readonly Key: unknown,
    readonly Value: unknown,
  ) {}
}

function iterateContent(content: unknown): unknown[] {
  if (Array.isArray(content)) return content;
  if (content instanceof JArray) return [...content.items];
  return [content];
}

function adopt<T extends JToken>(token: T, parent: JObject | JArray | JProperty): T {
  // Newtonsoft copies a token that already belongs to another container.
  const own = token.parent && token.parent !== parent ? (token.DeepClone() as T) : token;
  own.parent = parent;
  return own;
}

/** Implicit conversions of .NET values into JSON tokens (JToken.FromObject for objects). */
export function toJToken(value: unknown): JToken {
  if (value instanceof JToken) return value;
  if (value === null || value === undefined) return new JValue(null);
  if (typeof value === "string" || typeof value === "boolean") return new JValue(value);
  if (typeof value === "number") return new JValue(value);
  return fromPlain(toPlainJson(value));
}

/** Parses JSON text (JObject.Parse / JToken.Parse / JsonConvert.DeserializeObject). */
export function parseJson(text: string): JToken {
  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch (error) {
    throw new CsException("JsonReaderException", `Error reading JSON: ${(error as Error).message}`);
  }
  return fromPlain(plain, text);
}

function fromPlain(plain: unknown, source?: string): JToken {
  if (plain === null || typeof plain !== "object") {
    const float = typeof plain === "number" && source !== undefined && /^\s*-?\d+\.\d*0\s*$/.test(source);
    return new JValue(plain as JPrimitive, float);
  }
  if (Array.isArray(plain)) return new JArray(plain.map((p) => fromPlain(p)));
  const o = new JObject();
  for (const [k, v] of Object.entries(plain)) o.set(k, fromPlain(v));
  return o;
}

/** A JSON-serializable plain value for any expression value (JsonConvert.SerializeObject). */
export function toPlainJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof JToken) return value.toJSON();
  if (typeof value !== "object") return value;
  if (value instanceof CsDateTime)
    return value.ToString(value.isOffset ? "yyyy-MM-ddTHH:mm:sszzz" : "yyyy-MM-ddTHH:mm:ssK");
  if (value instanceof CsGuid) return value.text;
  if (value instanceof CsTimeSpan) return value.ToString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toPlainJson(v);
    return out;
  }
  if (value instanceof KeyValue) return { Key: toPlainJson(value.Key), Value: toPlainJson(value.Value) };
  if (value instanceof CsAnonymous) return toPlainJson(value.members);
  if (value instanceof CsEnum) return value.value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlainJson(v);
  return out;
}

/** `token[key]` for JObject (by name) and JArray (by position). */
export function jGet(token: JToken, key: unknown): JToken | null {
  if (token instanceof JObject) {
    if (typeof key !== "string")
      throw new CsException(
        "ArgumentException",
        "Accessed JObject values with invalid key value. Object property name expected.",
      );
    return token.get(key);
  }
  if (token instanceof JArray) {
    if (typeof key !== "number")
      throw new CsException(
        "ArgumentException",
        "Accessed JArray values with invalid key value. Int32 array index expected.",
      );
    const item = token.items[key];
    if (item === undefined)
      throw new CsException(
        "ArgumentOutOfRangeException",
        "Index was out of range. Must be non-negative and less than the size of the collection.",
      );
    return item;
  }
  if (token instanceof JProperty) return jGet(token.Value, key);
  throw new CsException("InvalidOperationException", `Cannot access child value on ${token.constructor.name}.`);
}

export function jSet(token: JToken, key: unknown, value: unknown): void {
  if (token instanceof JObject && typeof key === "string") token.set(key, value);
  else if (token instanceof JArray && typeof key === "number") {
    if (key < 0 || key >= token.items.length)
      throw new CsException("ArgumentOutOfRangeException", "Index was out of range.");
    const t = toJToken(value);
    t.parent = token;
    token.items[key] = t;
  } else throw new CsException("ArgumentException", `Set JSON value with invalid key value: ${String(key)}.`);
}

/** Explicit conversion of a JToken to a .NET primitive: `(string)token`, `(int)token`, `Value<T>()`. */
export function fromJToken(token: JToken | null, type: string): unknown {
  if (token === null) return null;
  if (token instanceof JProperty) return fromJToken(token.Value, type);
  if (!(token instanceof JValue)) {
    if (type === "string" || type === "object") {
      if (type === "object") return token;
    }
    throw new CsException("ArgumentException", `Can not convert ${token.Type} to ${type}.`);
  }
  const v = token.value;
  if (v === null) return null;
  switch (type) {
    case "string":
      return typeof v === "boolean" ? (v ? "True" : "False") : String(v);
    case "bool": {
      if (typeof v === "boolean") return v;
      if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
      if (typeof v === "number") return v !== 0;
      throw invalidCast(v, "Boolean");
    }
    case "int":
    case "long":
    case "short":
    case "byte": {
      const n = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : Number(v.trim());
      if (!Number.isFinite(n) || (typeof v === "string" && !/^\s*[-+]?\d+\s*$/.test(v)))
        throw new CsException("FormatException", `Could not convert string to integer: ${v}.`);
      return Math.round(n);
    }
    case "double":
    case "float":
    case "decimal": {
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isFinite(n)) throw new CsException("FormatException", `Could not convert string to double: ${v}.`);
      return n;
    }
    case "DateTime":
      if (typeof v === "string") {
        const ms = Date.parse(v);
        if (Number.isFinite(ms)) return new CsDateTime(ms, /Z|[+-]\d\d:\d\d$/.test(v) ? "Utc" : "Unspecified");
      }
      throw invalidCast(v, "DateTime");
    case "Guid":
      return CsGuid.parse(String(v));
    default:
      return v;
  }
}

/** SelectToken for the simple paths policies use: `a.b[0].c`, `$.a`, `['a b'].c`. */
export function selectToken(root: JToken, path: string): JToken | null {
  let current: JToken | null = root;
  const re = /\s*(?:\$|\.?([^.[\]'"]+)|\[\s*(\d+)\s*\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/y;
  let i = 0;
  while (i < path.length && current !== null) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m || m[0].length === 0)
      throw new CsException("JsonException", `Unexpected character while parsing path: ${path.slice(i)}`);
    i = re.lastIndex;
    if (m[0].trim() === "$") continue;
    const name = m[1] ?? m[3] ?? m[4];
    if (name !== undefined) current = current instanceof JObject ? current.get(name.trim()) : null;
    else if (m[2] !== undefined) current = current instanceof JArray ? (current.items[Number(m[2])] ?? null) : null;
  }
  return current;
}

export function isJToken(value: unknown): value is JToken {
  return value instanceof JToken;
}

export { invalidCast };
