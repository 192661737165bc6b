// importOpenApi: a document (object or JSON/YAML text) → the API, its operations and its schemas,
// or diagnostics and nothing else. The management API stores the result in one transaction.
import { createHash } from "node:crypto";
import { type Diagnostic, errorDiagnostic } from "../core/errors.js";
import type { MappedDocument } from "./import-common.js";
import { mapSwagger2 } from "./import-v2.js";
import { mapOpenApi3 } from "./import-v3.js";
import { createNameAllocator, deriveOperationName, sanitizeOperationId } from "./operation-names.js";
import type { ParameterContext } from "./parameters.js";
import { parseOpenApiText } from "./parse-text.js";
import {
  type ImportedOperation,
  type ImportedSchema,
  type ImportOptions,
  type ImportResult,
  isObject,
  type JsonObject,
  OPENAPI_COMPONENTS_CONTENT_TYPE,
  SWAGGER_DEFINITIONS_CONTENT_TYPE,
} from "./types.js";
import { checkVersion, expandedSize, findExternalRefs, validateDocument } from "./validate.js";

/**
 * Limit on the dereferenced size validation walks: 4× the largest real document in our corpus
 * (Azure's OpenAI spec, ~124 000 nodes), a few seconds of validation at most.
 */
const MAX_EXPANDED_NODES = 500_000;

export async function importOpenApi(document: unknown, options: ImportOptions): Promise<ImportResult> {
  try {
    return await importDocument(document, options);
  } catch (error) {
    // Whatever a document does to the parsers (absurd nesting overflowing the stack, say), the
    // caller gets a diagnostic, never an exception.
    const message = error instanceof RangeError ? "the document is nested too deeply" : String(error);
    return rejected([errorDiagnostic("OPENAPI_ERR_INVALID", `the document cannot be processed: ${message}`)]);
  }
}

async function importDocument(document: unknown, options: ImportOptions): Promise<ImportResult> {
  let value = document;
  if (typeof document === "string" || Buffer.isBuffer(document)) {
    const parsed = parseOpenApiText(document.toString());
    if (parsed.diagnostics.length > 0) return rejected(parsed.diagnostics);
    value = parsed.value;
  }
  if (!isObject(value)) {
    return rejected([errorDiagnostic("OPENAPI_ERR_NOT_OPENAPI", "the document must be a JSON/YAML object")]);
  }
  const doc = value;
  const versionProblem = checkVersion(doc);
  if (versionProblem) return rejected([versionProblem]);
  const external = findExternalRefs(doc);
  if (external.length > 0) return rejected(external);
  if (!isObject(doc.paths) && !isObject(doc.webhooks)) {
    return rejected([errorDiagnostic("OPENAPI_ERR_NO_PATHS", '"paths" must be an object', { path: "paths" })]);
  }

  if (expandedSize(doc, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES) {
    return rejected([
      errorDiagnostic(
        "OPENAPI_ERR_TOO_COMPLEX",
        `with its $refs expanded the document exceeds ${MAX_EXPANDED_NODES} nodes (refs that fan out exponentially?)`,
      ),
    ]);
  }
  const validation = await validateDocument(doc);
  if (validation.errors.length > 0) return rejected(validation.errors, validation.warnings);
  const warnings = [...validation.warnings];

  const schemas = collectSchemas(doc, options.apiId);
  const named = namedDefinitions(doc);
  const ctx: ParameterContext = {
    doc,
    // Inline body schemas join the document's definitions (or a schema entity of their own).
    schemaId: schemas[0]?.id ?? schemaEntityId(options.apiId, "inline"),
    errors: [],
    inline: new Map(),
    reserved: new Set(Object.keys(named)),
  };
  const mapped: MappedDocument =
    doc.swagger === "2.0" ? mapSwagger2(doc, options, ctx, warnings) : mapOpenApi3(doc, options, ctx, warnings);
  if (ctx.errors.length > 0) return rejected(ctx.errors, warnings);
  if (ctx.inline && ctx.inline.size > 0) addInlineSchemas(doc, schemas, ctx.schemaId as string, ctx.inline);

  const duplicates = findDuplicateRoutes(mapped);
  if (duplicates.length > 0) return rejected(duplicates, warnings);
  if (mapped.operations.length === 0) {
    warnings.push({
      ...errorDiagnostic("OPENAPI_WARN_NO_OPERATIONS", "the document defines no operations", { path: "paths" }),
      severity: "warning",
    });
  }

  const allocate = createNameAllocator();
  const operations: ImportedOperation[] = mapped.operations.map((op) => {
    const sanitized = op.operationId ? sanitizeOperationId(op.operationId) : "";
    const id = allocate(sanitized || deriveOperationName(op.method, op.urlTemplate));
    return { id, properties: op.properties };
  });
  return { api: mapped.api, operations, schemas, diagnostics: [], warnings };
}

function rejected(diagnostics: Diagnostic[], warnings: Diagnostic[] = []): ImportResult {
  return { api: { displayName: "", path: "" }, operations: [], schemas: [], diagnostics, warnings };
}

function namedDefinitions(doc: JsonObject): JsonObject {
  const components = isObject(doc.components) ? doc.components : {};
  const source = doc.swagger === "2.0" ? doc.definitions : components.schemas;
  return isObject(source) ? source : {};
}

/** Deterministic id: re-importing the same document yields the same schema entity. */
function schemaEntityId(apiId: string, content: string): string {
  return createHash("sha256").update(apiId).update("\0").update(content).digest("hex").slice(0, 24);
}

function schemaDocument(doc: JsonObject, source: JsonObject): ImportedSchema["properties"] {
  const isSwagger = doc.swagger === "2.0";
  return {
    contentType: isSwagger ? SWAGGER_DEFINITIONS_CONTENT_TYPE : OPENAPI_COMPONENTS_CONTENT_TYPE,
    document: isSwagger ? { definitions: source } : { components: { schemas: source } },
  };
}

/** definitions / components.schemas become one schema entity, as APIM creates on import. */
function collectSchemas(doc: JsonObject, apiId: string): ImportedSchema[] {
  const source = namedDefinitions(doc);
  if (Object.keys(source).length === 0) return [];
  return [{ id: schemaEntityId(apiId, JSON.stringify(source)), properties: schemaDocument(doc, source) }];
}

/** Named inline schemas go next to the document's own definitions (the entity keeps its id). */
function addInlineSchemas(doc: JsonObject, schemas: ImportedSchema[], id: string, inline: Map<string, JsonObject>) {
  const merged: JsonObject = { ...namedDefinitions(doc), ...Object.fromEntries(inline) };
  const entity = { id, properties: schemaDocument(doc, merged) };
  if (schemas.length > 0) schemas[0] = entity;
  else schemas.push(entity);
}

/** Two operations on the same method and template (ignoring parameter names) cannot both be routed. */
function findDuplicateRoutes(mapped: MappedDocument): Diagnostic[] {
  const seen = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const op of mapped.operations) {
    const key = `${op.method} ${op.urlTemplate.replace(/\{[^{}]+\}/g, "{}").toLowerCase()}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, op.path);
    else {
      out.push(
        errorDiagnostic(
          "OPENAPI_ERR_DUPLICATE_OPERATION",
          `${op.method} ${op.urlTemplate} has the same method and URL template as ${first}`,
          { path: op.path },
        ),
      );
    }
  }
  return out;
}
