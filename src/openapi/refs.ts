// Local JSON-pointer references ("#/components/parameters/limit"), resolved on demand on the
// original document so that schema $refs keep their names (APIM's representation typeName).
import { isObject, type JsonObject } from "./types.js";

export function getPointer(doc: JsonObject, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = doc;
  const body = ref.slice(1);
  if (body === "" || body === "/") return body === "" ? doc : undefined;
  for (const raw of body.slice(1).split("/")) {
    const segment = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = Object.hasOwn(node, segment) ? node[segment] : undefined;
    else return undefined;
  }
  return node;
}

/** Follows a chain of $refs (cycles and dangling ends give undefined). */
export function deref(doc: JsonObject, value: unknown): JsonObject | undefined {
  let node = value;
  for (let hops = 0; hops < 32; hops++) {
    if (!isObject(node)) return undefined;
    const ref = node.$ref;
    if (typeof ref !== "string") return node;
    node = getPointer(doc, ref);
  }
  return undefined;
}

/** "#/components/schemas/Pet" → "Pet"; "#/definitions/Pet" → "Pet"; otherwise undefined. */
export function schemaRefName(schema: unknown): string | undefined {
  if (!isObject(schema) || typeof schema.$ref !== "string") return undefined;
  const match = /^#\/(?:definitions|components\/schemas)\/([^/]+)$/.exec(schema.$ref);
  return match?.[1] ? decodeURIComponent(match[1]).replaceAll("~1", "/").replaceAll("~0", "~") : undefined;
}

/** APIM's typeName for a body schema: the referenced definition, or "{Name}Array" for an array of one. */
export function typeNameOf(schema: unknown, doc: JsonObject): string | undefined {
  const direct = schemaRefName(schema);
  if (direct) return direct;
  const resolved = deref(doc, schema);
  if (resolved?.type === "array") {
    const item = schemaRefName(resolved.items);
    if (item) return `${item}Array`;
  }
  return undefined;
}
