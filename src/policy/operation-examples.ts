// mock-response's answers: an operation's response example for a status code and content type, as APIM
// picks it — the representation's first example, else its text sample, else a body generated from its schema
// (enum, default or example values first, then a placeholder per type), else nothing.
// The gateway builds one provider per operation with the configuration; answers are memoised per key.
import type { DeclaredRepresentation, OperationContract } from "./types.js";

type Json = Record<string, unknown>;
export type ExampleProvider = (
  statusCode: number,
  contentType: string | undefined,
) => { contentType: string; body: string } | undefined;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_DEPTH = 8;

export function createExampleProvider(
  contract: OperationContract | undefined,
  apiSchemas: ReadonlyMap<string, unknown> | undefined,
): ExampleProvider {
  const memo = new Map<string, { contentType: string; body: string } | null>();
  return (statusCode, contentType) => {
    const key = `${statusCode} ${contentType ?? ""}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const response = contract?.responses?.find((r) => r.statusCode === statusCode);
    const reps = response?.representations ?? [];
    const wanted = contentType?.split(";")[0]?.trim().toLowerCase();
    const rep = wanted ? reps.find((r) => r.contentType.toLowerCase() === wanted) : reps[0];
    const answer = rep ? exampleOf(rep, apiSchemas) : undefined;
    memo.set(key, answer ?? null);
    return answer;
  };
}

function exampleOf(
  rep: DeclaredRepresentation,
  apiSchemas: ReadonlyMap<string, unknown> | undefined,
): { contentType: string; body: string } | undefined {
  const first = rep.examples
    ? Object.values(rep.examples).find((e) => isObject(e) && e.value !== undefined)
    : undefined;
  if (first) return { contentType: rep.contentType, body: render(first.value, rep.contentType) };
  if (typeof rep.sample === "string" && rep.sample !== "") return { contentType: rep.contentType, body: rep.sample };
  if (!rep.schemaId || !rep.typeName || !isJsonType(rep.contentType)) return undefined;
  const document = apiSchemas?.get(rep.schemaId);
  const named = namedSchemas(document);
  const item = rep.typeName.endsWith("Array") ? rep.typeName.slice(0, -"Array".length) : undefined;
  // Through $refs, so a type that contains itself is cut at its first repetition.
  const refTo = (name: string) => ({ $ref: `#/components/schemas/${name.replace(/~/g, "~0").replace(/\//g, "~1")}` });
  const schema =
    named[rep.typeName] !== undefined
      ? refTo(rep.typeName)
      : item && named[item] !== undefined
        ? { type: "array", items: refTo(item) }
        : undefined;
  if (schema === undefined) return undefined;
  return { contentType: rep.contentType, body: JSON.stringify(generate(schema, named, 0, new Set()), null, 2) };
}

function isJsonType(type: string): boolean {
  const t = type.split(";")[0]?.trim().toLowerCase() ?? "";
  return t === "application/json" || t === "text/json" || t.endsWith("+json");
}

function render(value: unknown, contentType: string): string {
  return typeof value === "string" && !isJsonType(contentType) ? value : JSON.stringify(value, null, 2);
}

function namedSchemas(document: unknown): Json {
  if (!isObject(document)) return {};
  if (isObject(document.components) && isObject(document.components.schemas)) return document.components.schemas;
  if (isObject(document.definitions)) return document.definitions;
  return {};
}

function refName(ref: unknown): string | undefined {
  if (typeof ref !== "string") return undefined;
  const m = /^#\/(?:components\/schemas|definitions)\/(.+)$/.exec(ref);
  return m?.[1]?.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** A value matching the schema; $ref cycles and deep nesting end in null / [] / {}. */
export function generate(schema: unknown, named: Json, depth: number, visiting: Set<string>): unknown {
  if (!isObject(schema)) return null;
  const ref = refName(schema.$ref);
  if (ref) {
    if (visiting.has(ref) || depth > MAX_DEPTH) return null;
    visiting.add(ref);
    const out = generate(named[ref], named, depth + 1, visiting);
    visiting.delete(ref);
    return out;
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ["allOf", "oneOf", "anyOf"]) {
    const list = schema[key];
    if (!Array.isArray(list) || list.length === 0) continue;
    if (key !== "allOf") return generate(list[0], named, depth + 1, visiting);
    const merged: Json = {};
    for (const part of list) {
      const v = generate(part, named, depth + 1, visiting);
      if (isObject(v)) Object.assign(merged, v);
    }
    return merged;
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "array") return depth > MAX_DEPTH ? [] : [generate(schema.items, named, depth + 1, visiting)];
  if (type === "object" || isObject(schema.properties)) {
    if (depth > MAX_DEPTH || !isObject(schema.properties)) return {};
    return Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, generate(v, named, depth + 1, visiting)]),
    );
  }
  if (type === "integer" || type === "number") return typeof schema.minimum === "number" ? schema.minimum : 0;
  if (type === "boolean") return true;
  if (type === "string") return stringFor(schema.format);
  return null;
}

/** Placeholders per string format: constants, so mocks are stable across calls and restarts. */
function stringFor(format: unknown): string {
  switch (format) {
    case "date-time":
      return "2024-01-01T00:00:00Z";
    case "date":
      return "2024-01-01";
    case "uuid":
      return "00000000-0000-0000-0000-000000000000";
    case "email":
      return "user@example.com";
    case "uri":
    case "url":
      return "https://example.com";
    case "byte":
      return "c3RyaW5n";
    default:
      return "string";
  }
}
