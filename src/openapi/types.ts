// Shapes shared by the importer and the exporter.
import type { Diagnostic } from "../core/errors.js";
import type { ApiProperties, OperationProperties } from "../model/resources.js";

export type JsonObject = Record<string, unknown>;

export interface ImportOptions {
  /** Name of the API entity ("apis/{apiId}"): seeds the schema id. */
  apiId: string;
  /** API URL suffix on the gateway. */
  path?: string;
  /** Backend base URL; overrides servers[0] / host+basePath. */
  serviceUrl?: string;
  /** Where the document came from (for `*-link` formats): relative server URLs resolve against it. */
  sourceUrl?: string;
}

/** An API schema entity ("apis/{apiId}/schemas/{id}") holding the document's reusable schemas. */
export interface ImportedSchema {
  id: string;
  properties: { contentType: string; document: JsonObject };
}

export interface ImportedOperation {
  id: string;
  properties: OperationProperties;
}

export interface ImportResult {
  api: ApiProperties;
  operations: ImportedOperation[];
  /** Reusable schemas (definitions / components.schemas) referenced by representations' schemaId. */
  schemas: ImportedSchema[];
  /** Errors only: non-empty means the document was rejected and api/operations are empty. */
  diagnostics: Diagnostic[];
  /** Problems APIM tolerates on import too (loose JSON Schemas, unsupported features skipped). */
  warnings: Diagnostic[];
}

export type ExportFormat = "openapi+json" | "openapi" | "swagger-json";

export interface ExportOptions {
  format: ExportFormat;
  /** Schema entities of the API, so that representations' typeName can become $refs. */
  schemas?: readonly ImportedSchema[];
  /** Server URL to advertise (e.g. the gateway URL + API path); defaults to the API's serviceUrl. */
  serverUrl?: string;
}

/** Content types of the schema entity, as APIM names them. */
export const OPENAPI_COMPONENTS_CONTENT_TYPE = "application/vnd.oai.openapi.components+json";
export const SWAGGER_DEFINITIONS_CONTENT_TYPE = "application/vnd.ms-azure-apim.swagger.definitions+json";

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
