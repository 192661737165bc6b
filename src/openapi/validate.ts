// Validation with @apidevtools/swagger-parser, sorted into what rejects a document and what APIM
// tolerates. Azure's importer accepts documents whose JSON Schemas are loose (`type: "file"` in a
// 3.0 schema, operations without responses), which real-world specs rely on; those become warnings.
// Everything else the official schemas reject (wrong parameter locations, missing info, bad paths)
// is an error, like a missing $ref target or an external $ref (never fetched: an import must not read
// files or call URLs the document names).
import SwaggerParser from "@apidevtools/swagger-parser";
import { type Diagnostic, errorDiagnostic } from "../core/errors.js";
import { getPointer } from "./refs.js";
import { isObject, type JsonObject } from "./types.js";

/** swagger-parser's document type, named without importing openapi-types (not our dependency). */
type ApiDocument = Parameters<typeof SwaggerParser.dereference>[1];

export interface ValidationOutcome {
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
}

const SUPPORTED_3 = /^3\.[01]\.\d+$/;

/** Checks the document's version field before the heavier validation runs. */
export function checkVersion(doc: JsonObject): Diagnostic | undefined {
  if ("swagger" in doc) {
    return doc.swagger === "2.0"
      ? undefined
      : errorDiagnostic("OPENAPI_ERR_VERSION", `unsupported swagger version ${JSON.stringify(doc.swagger)}`, {
          path: "swagger",
        });
  }
  if ("openapi" in doc) {
    return typeof doc.openapi === "string" && SUPPORTED_3.test(doc.openapi)
      ? undefined
      : errorDiagnostic(
          "OPENAPI_ERR_VERSION",
          `unsupported openapi version ${JSON.stringify(doc.openapi)} (2.0, 3.0.x and 3.1.x are supported)`,
          { path: "openapi" },
        );
  }
  return errorDiagnostic(
    "OPENAPI_ERR_NOT_OPENAPI",
    'not an OpenAPI document: neither "openapi" nor "swagger" is set at the top level',
  );
}

/** Every $ref that points outside the document, with its location. */
export function findExternalRefs(value: unknown, path: string[] = [], out: Diagnostic[] = []): Diagnostic[] {
  if (out.length >= 20) return out;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      findExternalRefs(item, [...path, String(index)], out);
    });
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string" && !child.startsWith("#")) {
        out.push(
          errorDiagnostic(
            "OPENAPI_ERR_EXTERNAL_REF",
            `external reference "${child}" is not supported: bundle the document into one file first`,
            { path: pointerToPath(path) },
          ),
        );
      } else if (key !== "example" && key !== "examples" && !isExtension(key, path)) {
        findExternalRefs(child, [...path, key], out);
      }
    }
  }
  return out;
}

/**
 * An `x-` key is a vendor extension (ignored by the importer, like APIM does) unless it names a
 * property or definition inside a schema map.
 */
function isExtension(key: string, path: readonly string[]): boolean {
  if (!key.startsWith("x-")) return false;
  const parent = path.at(-1);
  return parent !== "properties" && parent !== "definitions" && parent !== "schemas" && parent !== "headers";
}

/** Deep copy without the vendor extensions that hold $refs (their targets are often not in the document). */
function copyForValidation(value: unknown, path: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => copyForValidation(item, path));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (isExtension(key, path) && containsRef(child)) continue;
    out[key] = copyForValidation(child, [...path, key]);
  }
  return out;
}

function containsRef(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsRef);
  if (!isObject(value)) return false;
  return Object.entries(value).some(([key, child]) => key === "$ref" || containsRef(child));
}

/**
 * Nodes the document would have with every $ref expanded (each target counted once per use,
 * cycles once). Validation walks the dereferenced tree, so a document whose refs fan out
 * exponentially ("$ref bomb") would take forever; this count is linear in the document's size.
 */
export function expandedSize(doc: JsonObject, cap: number): number {
  const memo = new Map<string, number>();
  const active = new Set<string>();
  const visit = (node: unknown): number => {
    if (Array.isArray(node)) {
      let total = 1;
      for (const item of node) {
        total += visit(item);
        if (total > cap) return total;
      }
      return total;
    }
    if (!isObject(node)) return 1;
    const ref = node.$ref;
    if (typeof ref === "string" && ref.startsWith("#")) {
      const known = memo.get(ref);
      if (known !== undefined) return known;
      if (active.has(ref)) return 1;
      active.add(ref);
      const size = visit(getPointer(doc, ref));
      active.delete(ref);
      memo.set(ref, size);
      return size;
    }
    let total = 1;
    for (const child of Object.values(node)) {
      total += visit(child);
      if (total > cap) return total;
    }
    return total;
  };
  return visit(doc);
}

const LOCATIONS_2 = ["path", "query", "header", "body", "formData"];
const LOCATIONS_3 = ["path", "query", "header", "cookie"];
/** Serialisation hints APIM ignores: a wrong value there does not make the API unusable. */
const IGNORED_KEYS = new Set([
  "style",
  "explode",
  "allowReserved",
  "allowEmptyValue",
  "deprecated",
  "collectionFormat",
]);

/** Runs swagger-parser's schema and spec validation on a copy (it dereferences in place). */
export async function validateDocument(doc: JsonObject): Promise<ValidationOutcome> {
  try {
    // The version check ran first, so the object is a Swagger/OpenAPI document as far as typing goes.
    await SwaggerParser.validate(copyForValidation(doc) as unknown as ApiDocument, {
      resolve: { external: false },
      dereference: { circular: "ignore" },
    });
    return { errors: [], warnings: [] };
  } catch (error) {
    const details = (error as { details?: unknown }).details;
    if (Array.isArray(details) && details.length > 0) return classifyAjvErrors(doc, details as AjvError[]);
    const message = error instanceof Error ? error.message : String(error);
    return { errors: [errorDiagnostic("OPENAPI_ERR_INVALID", message.split("\n")[0] ?? message)], warnings: [] };
  }
}

function classifyAjvErrors(doc: JsonObject, details: AjvError[]): ValidationOutcome {
  const locations = doc.swagger === "2.0" ? LOCATIONS_2 : LOCATIONS_3;
  // oneOf/anyOf failures repeat on every ancestor of the real problem: keep the deepest ones only.
  const paths = details.map((d) => d.instancePath);
  const deepest = details.filter((d) => !paths.some((p) => p.startsWith(`${d.instancePath}/`)));
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const detail of deepest) {
    const key = `${detail.instancePath} ${detail.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const segments = detail.instancePath.split("/").slice(1).map(unescapePointer);
    // "in must be one of" comes from the oneOf branches for the other locations: not the real problem.
    if (segments.at(-1) === "in" && locations.includes(String(valueAt(doc, segments)))) continue;
    // "required must be true" is the path-parameter branch complaining about a query/header one.
    if (segments.at(-1) === "required" && valueAt(doc, [...segments.slice(0, -1), "in"]) !== "path") continue;
    const diagnostic = errorDiagnostic("OPENAPI_ERR_SCHEMA", `${detail.message ?? detail.keyword} (OpenAPI schema)`, {
      path: pointerToPath(segments),
    });
    if (isTolerated(segments, detail.keyword)) {
      warnings.push({ ...diagnostic, severity: "warning", code: "OPENAPI_WARN_SCHEMA" });
    } else errors.push(diagnostic);
  }
  return { errors: errors.slice(0, 50), warnings: warnings.slice(0, 50) };
}

function valueAt(doc: JsonObject, segments: readonly string[]): unknown {
  let node: unknown = doc;
  for (const segment of segments) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

function isTolerated(segments: string[], keyword: string): boolean {
  if (IGNORED_KEYS.has(segments.at(-1) ?? "")) return true;
  if (segments.some((s) => s === "schema" || s === "definitions" || s === "schemas" || s === "properties")) {
    return true;
  }
  if (segments.at(-1) === "responses" && (keyword === "minProperties" || keyword === "not")) return true;
  return segments.includes("examples") || segments.includes("example");
}

function unescapePointer(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** "paths./pets/{id}.get.parameters[0]": the dotted form used in diagnostics across Moat. */
export function pointerToPath(segments: readonly string[]): string {
  let out = "";
  let previous = "";
  for (const segment of segments) {
    // Status codes are keys of "responses", not array indexes.
    if (/^\d+$/.test(segment) && previous !== "responses" && previous !== "examples") out += `[${segment}]`;
    else out += out.length === 0 ? segment : `.${segment}`;
    previous = segment;
  }
  return out;
}
