// exportOpenApi: the stored API and operations back to a document (OpenAPI 3 JSON or YAML, Swagger 2 JSON).
import { stringify } from "yaml";
import type { ApiProperties } from "../model/resources.js";
import { exportSwagger2 } from "./export-v2.js";
import { exportOpenApi3 } from "./export-v3.js";
import type { ExportOptions, ImportedOperation, JsonObject } from "./types.js";

export interface ExportResult {
  /** The document as an object (for embedding in an ARM response). */
  document: JsonObject;
  /** The document as text in the requested format. */
  value: string;
  contentType: string;
}

export function exportOpenApi(
  api: ApiProperties,
  operations: readonly ImportedOperation[],
  options: ExportOptions,
): ExportResult {
  if (options.format === "swagger-json") {
    const document = exportSwagger2(api, operations, options);
    return { document, value: JSON.stringify(document, null, 2), contentType: "application/json" };
  }
  const document = exportOpenApi3(api, operations, options);
  if (options.format === "openapi") {
    // aliasDuplicateObjects off: shared example objects are written out, not as YAML anchors.
    return {
      document,
      value: stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 }),
      contentType: "application/yaml",
    };
  }
  return { document, value: JSON.stringify(document, null, 2), contentType: "application/json" };
}
