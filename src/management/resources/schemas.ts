// API schemas ("apis/{apiId}/schemas/{schemaId}"): the reusable schemas of an API, written by the
// OpenAPI import (components / definitions) or by clients, and read back by the export.
import { z } from "zod";
import { anyObject, optStr } from "./common.js";
import type { ResourceDef } from "./types.js";

export const apiSchemaDef: ResourceDef = {
  kind: "apiSchema",
  pattern: "apis/{apiId}/schemas/{schemaId}",
  maxNameLength: 80,
  schema: z
    .object({
      contentType: z.string().min(1).max(256),
      description: optStr,
      document: z
        .object({
          value: optStr,
          definitions: anyObject.optional(),
          components: anyObject.optional(),
        })
        .strict(),
    })
    .strict(),
};
