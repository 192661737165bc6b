// Inline body schemas become named definitions of the API's schema document, as APIM does on import
// ("ListPets200ApplicationJsonResponse", "CreatePetRequest"), so representations can point at them with
// typeName: the export writes them back as $refs and validate-content can check bodies against them.
import type { ParameterContext } from "./parameters.js";
import { deref, typeNameOf } from "./refs.js";
import { isObject, type JsonObject } from "./types.js";

/** Only structured schemas are worth a definition; a bare {type: string} stays inline. */
function isStructured(schema: JsonObject): boolean {
  return (
    schema.type === "object" ||
    schema.type === "array" ||
    isObject(schema.properties) ||
    schema.items !== undefined ||
    ["allOf", "oneOf", "anyOf"].some((k) => Array.isArray(schema[k]))
  );
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => (w[0] ?? "").toUpperCase() + w.slice(1))
    .join("");
}

/** "listPets" → "ListPets"; without operationId, "GET /pets/{id}" → "GetPetsId". */
export function inlineBaseName(operationId: unknown, method: string, urlTemplate: string): string {
  const fromId = typeof operationId === "string" ? pascal(operationId) : "";
  return fromId || pascal(`${method} ${urlTemplate}`) || "Operation";
}

/** A content type as a name part: "application/json" → "ApplicationJson". */
export function contentTypeName(contentType: string): string {
  return pascal(contentType.split(";")[0] ?? contentType);
}

/**
 * The representation's type name: the $ref'd definition's, or a new definition registered for an inline
 * structured schema (identical schemas under one name share it; a taken name gets a counter).
 */
export function bodyTypeName(schema: unknown, ctx: ParameterContext, name: string): string | undefined {
  const named = typeNameOf(schema, ctx.doc);
  if (named || !ctx.inline || !isObject(schema) || schema.$ref !== undefined) return named;
  const resolved = deref(ctx.doc, schema);
  if (!resolved || !isStructured(resolved)) return undefined;
  const text = JSON.stringify(resolved);
  for (let i = 1; i < 1000; i++) {
    const candidate = i === 1 ? name : `${name}${i}`;
    const existing = ctx.inline.get(candidate);
    if (existing === undefined && !ctx.reserved?.has(candidate)) {
      ctx.inline.set(candidate, resolved);
      return candidate;
    }
    if (existing !== undefined && JSON.stringify(existing) === text) return candidate;
  }
  return undefined;
}
