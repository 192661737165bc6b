// Turns an API's OpenAPI document (3.x or Swagger 2, as exported by the management API) — or, when
// there is none, its operation contracts — into the plain view model the API page renders:
// operations with parameters, request/response schemas and examples. Local $refs are resolved with a
// depth limit so recursive schemas render as "(recursive)" instead of looping.

export interface ParamView {
  readonly name: string;
  readonly in: string;
  readonly required: boolean;
  readonly type: string;
  readonly description: string;
  readonly example: string;
}

export interface BodyView {
  readonly contentType: string;
  readonly schema: string;
  readonly example: string;
}

export interface ResponseView {
  readonly status: string;
  readonly description: string;
  readonly body?: BodyView;
}

export interface OperationView {
  readonly id: string;
  readonly name: string;
  readonly method: string;
  /** Relative to the API path, with {template} parameters, e.g. "/users/{id}". */
  readonly path: string;
  readonly description: string;
  readonly params: readonly ParamView[];
  readonly requestBody?: BodyView;
  readonly responses: readonly ResponseView[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function resolveRef(doc: Json, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObj(node) ? node[key] : undefined;
  }
  return node;
}

function deref(doc: Json, v: unknown, depth = 0): unknown {
  let cur = v;
  for (let i = 0; i < 10 && isObj(cur) && typeof cur.$ref === "string"; i++) cur = resolveRef(doc, cur.$ref);
  return depth > 20 ? undefined : cur;
}

/** A schema with every local $ref inlined, cut at `maxDepth`. */
export function simplifySchema(doc: Json, schema: unknown, depth = 0, seen: readonly string[] = []): unknown {
  if (isObj(schema) && typeof schema.$ref === "string") {
    if (seen.includes(schema.$ref) || depth > 8) return `(recursive: ${schema.$ref.split("/").pop()})`;
    return simplifySchema(doc, resolveRef(doc, schema.$ref), depth + 1, [...seen, schema.$ref]);
  }
  if (Array.isArray(schema)) return schema.map((s) => simplifySchema(doc, s, depth + 1, seen));
  if (!isObj(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "example" || k === "examples" || k === "xml") continue;
    out[k] = isObj(v) || Array.isArray(v) ? simplifySchema(doc, v, depth + 1, seen) : v;
  }
  return out;
}

/** An example value built from a schema: explicit example, default, enum, then by type. */
export function exampleFor(doc: Json, schema: unknown, depth = 0): unknown {
  const s = deref(doc, schema);
  if (!isObj(s) || depth > 8) return null;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const all = [s.allOf, s.oneOf, s.anyOf].find(Array.isArray) as unknown[] | undefined;
  if (all && all.length > 0) {
    if (s.allOf) return Object.assign({}, ...all.map((x) => exampleFor(doc, x, depth + 1)).filter(isObj));
    return exampleFor(doc, all[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" || isObj(s.properties)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(isObj(s.properties) ? s.properties : {}))
      out[k] = exampleFor(doc, v, depth + 1);
    return out;
  }
  if (type === "array") return [exampleFor(doc, s.items, depth + 1)];
  if (type === "integer" || type === "number") return 0;
  if (type === "boolean") return true;
  if (type === "string") {
    const formats: Record<string, string> = {
      "date-time": "2024-01-01T00:00:00Z",
      date: "2024-01-01",
      email: "user@example.com",
      uuid: "00000000-0000-0000-0000-000000000000",
      uri: "https://example.com",
    };
    return formats[str(s.format)] ?? "string";
  }
  return null;
}

const pretty = (v: unknown) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v, null, 2));

function bodyFrom(doc: Json, content: unknown): BodyView | undefined {
  if (!isObj(content)) return undefined;
  const [contentType, media] = Object.entries(content)[0] ?? [];
  if (!contentType || !isObj(media)) return undefined;
  let example: unknown = media.example;
  if (example === undefined && isObj(media.examples)) {
    const first = deref(doc, Object.values(media.examples)[0]);
    if (isObj(first)) example = first.value;
  }
  if (example === undefined && media.schema !== undefined) example = exampleFor(doc, media.schema);
  return { contentType, schema: pretty(simplifySchema(doc, media.schema)), example: pretty(example) };
}

function paramFrom(doc: Json, raw: unknown): ParamView | undefined {
  const p = deref(doc, raw);
  if (!isObj(p) || typeof p.name !== "string") return undefined;
  const schema = isObj(deref(doc, p.schema)) ? (deref(doc, p.schema) as Json) : p;
  const type = str(schema.type, "string") + (schema.format ? ` (${str(schema.format)})` : "");
  const example =
    p.example ?? schema.example ?? schema.default ?? (Array.isArray(schema.enum) ? schema.enum[0] : undefined);
  return {
    name: p.name,
    in: str(p.in, "query"),
    required: p.required === true || p.in === "path",
    type,
    description: str(p.description),
    example: example === undefined ? "" : String(example),
  };
}

export function operationsFromOpenApi(doc: Json): OperationView[] {
  const out: OperationView[] = [];
  const paths = isObj(doc.paths) ? doc.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = deref(doc, rawItem);
    if (!isObj(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of methods) {
      const op = item[method];
      if (!isObj(op)) continue;
      const byKey = new Map<string, ParamView>();
      const bodyParams: unknown[] = [];
      for (const raw of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const resolved = deref(doc, raw);
        // Swagger 2 carries the body as a parameter.
        if (isObj(resolved) && resolved.in === "body") bodyParams.push(resolved.schema);
        const p = paramFrom(doc, raw);
        if (p && p.in !== "body") byKey.set(`${p.in}:${p.name}`, p);
      }
      const consumes = Array.isArray(op.consumes) ? str(op.consumes[0], "application/json") : "application/json";
      const requestBody = isObj(deref(doc, op.requestBody))
        ? bodyFrom(doc, (deref(doc, op.requestBody) as Json).content)
        : bodyParams.length > 0
          ? bodyFrom(doc, { [consumes]: { schema: bodyParams[0] } })
          : undefined;
      const responses: ResponseView[] = [];
      for (const [status, rawRes] of Object.entries(isObj(op.responses) ? op.responses : {})) {
        const r = deref(doc, rawRes);
        if (!isObj(r)) continue;
        const body = isObj(r.content)
          ? bodyFrom(doc, r.content)
          : r.schema
            ? bodyFrom(doc, {
                "application/json": {
                  schema: r.schema,
                  example: isObj(r.examples) ? Object.values(r.examples)[0] : undefined,
                },
              })
            : undefined;
        responses.push({ status, description: str(r.description), ...(body ? { body } : {}) });
      }
      const id = str(op.operationId) || `${method}-${path}`.replace(/[^A-Za-z0-9_-]+/g, "-");
      out.push({
        id,
        name: str(op.summary) || str(op.operationId) || `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        description: str(op.description),
        params: [...byKey.values()],
        ...(requestBody ? { requestBody } : {}),
        responses,
      });
    }
  }
  return out;
}

/** From the management API's operation contracts (`GET /apis/{a}/operations`), when there is no document. */
export function operationsFromContracts(items: readonly { name: string; properties: Json }[]): OperationView[] {
  const params = (list: unknown, where: string): ParamView[] =>
    (Array.isArray(list) ? list : []).filter(isObj).map((p) => ({
      name: str(p.name),
      in: where,
      required: where === "path" || p.required === true,
      type: str(p.type, "string"),
      description: str(p.description),
      example: str(p.defaultValue) || (Array.isArray(p.values) ? str(p.values[0]) : ""),
    }));
  return items.map(({ name, properties: p }) => {
    const req = isObj(p.request) ? p.request : {};
    const reps = Array.isArray(req.representations) ? req.representations.filter(isObj) : [];
    const first = reps[0];
    return {
      id: name,
      name: str(p.displayName, name),
      method: str(p.method, "GET").toUpperCase(),
      path: str(p.urlTemplate, "/"),
      description: str(p.description),
      params: [
        ...params(p.templateParameters, "path"),
        ...params(req.queryParameters, "query"),
        ...params(req.headers, "header"),
      ],
      ...(first
        ? {
            requestBody: {
              contentType: str(first.contentType, "application/json"),
              schema: "",
              example: str(first.sample) || pretty(first.examples),
            },
          }
        : {}),
      responses: (Array.isArray(p.responses) ? p.responses : [])
        .filter(isObj)
        .map((r) => ({ status: String(r.statusCode ?? ""), description: str(r.description) })),
    };
  });
}

/** The OpenAPI document from an export answer: `{value: doc}`, `{value: "json text"}` or the document itself. */
export function documentFromExport(body: unknown): Json | undefined {
  let v: unknown = isObj(body) && "value" in body && !("paths" in body) ? body.value : body;
  if (isObj(v) && isObj(v.value) && !("paths" in v)) v = v.value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return isObj(v) && isObj(v.paths) ? v : undefined;
}
