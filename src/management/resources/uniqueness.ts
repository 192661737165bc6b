// Uniqueness rules Azure API Management enforces across entities, answered the way Azure answers them:
// 400 ValidationError, "One or more fields contain incorrect values:", one detail naming the field.
//   - An API path (case-insensitive, slashes trimmed as the gateway matches it) belongs to one API,
//     its revisions ("echo;rev=2") and the other versions of its version set; versions in one set
//     must differ by apiVersion.
//   - Within an API, method + URL template identify one operation; templates that differ only in
//     parameter names ("/users/{id}" and "/users/{userId}") are the same signature.
// Callers take the matching write guard (write-guard.ts) before reading the entities checked here.
import type { StoredEntity } from "../../model/resources.js";
import { normalizeRef } from "../arm.js";
import type { RequestContext } from "../context.js";
import { validationError } from "../errors.js";

const incorrectValues = "One or more fields contain incorrect values:";

/** The path as the gateway's route table keys it: segments without empty ones, lower-cased. */
export function normalizeApiPath(path: string): string {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => s.toLowerCase())
    .join("/");
}

/** "echo;rev=2" → "echo": revisions are the same API. */
export function baseApiName(name: string): string {
  const at = name.indexOf(";rev=");
  return at < 0 ? name : name.slice(0, at);
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * Throws 400 when another API (not a revision of this one) claims the same path, unless both are
 * versions of one version set with different apiVersion values.
 */
export async function assertUniqueApiPath(
  ctx: RequestContext,
  id: string,
  props: Record<string, unknown>,
): Promise<void> {
  const name = id.slice("apis/".length);
  const path = normalizeApiPath(text(props.path));
  // Imports keep the reference as sent (possibly a full ARM id): compare service-relative forms.
  const setOf = (value: unknown) =>
    text(value) === "" ? "" : (normalizeRef(text(value), ctx.options.serviceName) ?? "");
  const versionSet = setOf(props.apiVersionSetId);
  const version = text(props.apiVersion).toLowerCase();
  const apis = (await ctx.options.store.list("api", { parentId: "" })).items;
  for (const other of apis) {
    if (other.id === id || baseApiName(other.name) === baseApiName(name)) continue;
    if (normalizeApiPath(text(other.properties.path)) !== path) continue;
    const sameSet = versionSet !== "" && setOf(other.properties.apiVersionSetId) === versionSet;
    if (sameSet && text(other.properties.apiVersion).toLowerCase() !== version) continue;
    const message = sameSet
      ? `Cannot create API '${name}' with the same Path '${text(props.path)}' and version '${text(props.apiVersion)}' as API '${other.name}' of the same version set`
      : `Cannot create API '${name}' with the same Path '${text(props.path)}' as API '${other.name}' unless it's a part of the same version set`;
    throw validationError([{ code: "ValidationError", message, target: "path" }], incorrectValues);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Canonical "METHOD /segments?query" of an operation: parameter names replaced by "{}", a trailing
 * wildcard by "{*}", literal segments decoded and lower-cased (the gateway matches them so), template
 * query parameters sorted. Two operations with the same signature can never be told apart by a request.
 */
export function operationSignature(method: string, urlTemplate: string): string {
  const q = urlTemplate.indexOf("?");
  const pathPart = q < 0 ? urlTemplate : urlTemplate.slice(0, q);
  const queryPart = q < 0 ? "" : urlTemplate.slice(q + 1);
  const segments = pathPart
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      if (s === "*" || /^\{\*[^{}]*\}$/.test(s)) return "{*}";
      if (/^\{[^{}]+\}$/.test(s)) return "{}";
      return decodeSegment(s).toLowerCase();
    });
  const query = queryPart
    .split("&")
    .filter((p) => p !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? "" : pair.slice(eq + 1);
      return `${key}=${/^\{[^{}]+\}$/.test(value) ? "{}" : value}`;
    })
    .sort();
  return `${method.toUpperCase()} /${segments.join("/")}${query.length > 0 ? `?${query.join("&")}` : ""}`;
}

/** Throws 400 when another operation of the API has the same method and an equivalent URL template. */
export function assertUniqueOperation(
  id: string,
  props: Record<string, unknown>,
  siblings: readonly StoredEntity[],
): void {
  const signature = operationSignature(text(props.method), text(props.urlTemplate));
  for (const other of siblings) {
    if (other.id === id) continue;
    if (operationSignature(text(other.properties.method), text(other.properties.urlTemplate)) !== signature) continue;
    const message = `Operation with the same method and URL template already exists: ${text(props.method).toUpperCase()}, ${text(props.urlTemplate)} (operation '${other.name}': ${text(other.properties.urlTemplate)})`;
    throw validationError([{ code: "ValidationError", message, target: "urlTemplate" }], incorrectValues);
  }
}
