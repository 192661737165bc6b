// API schemas ("apis/{apiId}/schemas/{schemaId}"): the reusable schemas of an API, written by the
// OpenAPI import (components / definitions) or by clients, and read back by the export.
// Service schemas ("schemas/{schemaId}", Azure's Microsoft.ApiManagement/service/schemas, "global schemas"):
// a JSON Schema (`schemaType: json`, `document`) or an XSD (`schemaType: xml`, `value`) that validate-content
// names with `schema-id` when the API's definition does not have it.
import { XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { compileBodyValidator } from "../../policy/index.js";
import type { RequestContext } from "../context.js";
import { ApiError, validationError } from "../errors.js";
import { anyObject, optStr } from "./common.js";
import { attributeMention } from "./policies.js";
import type { Props, ResourceDef } from "./types.js";

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

/** An XSD's root element must be (xs|xsd|…):schema. */
const XSD_ROOT = /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[A-Za-z_][\w.-]*:)?schema[\s>/]/;

function checkServiceSchema(props: Props, existing: Props | undefined): Props {
  const type = props.schemaType as "json" | "xml";
  if (existing && existing.schemaType !== type)
    throw validationError([
      {
        code: "ImmutableProperty",
        message: `schemaType cannot change (it is ${String(existing.schemaType)}); delete the schema and create it again`,
        target: "properties.schemaType",
      },
    ]);
  if (type === "json") {
    if (props.value !== undefined)
      throw validationError([
        {
          code: "InvalidProperty",
          message: "a json schema is sent as properties.document (an object), not properties.value",
          target: "properties.value",
        },
      ]);
    if (props.document === undefined)
      throw validationError([
        { code: "MissingProperty", message: "a json schema needs properties.document", target: "properties.document" },
      ]);
    // Compiled once here so a schema that would fail every request is refused when it is written.
    const compiled = compileBodyValidator(props.document, {});
    if (compiled instanceof Error)
      throw validationError([
        {
          code: "InvalidSchema",
          message: `document is not a valid JSON Schema: ${compiled.message}`,
          target: "properties.document",
        },
      ]);
    return props;
  }
  if (props.document !== undefined)
    throw validationError([
      {
        code: "InvalidProperty",
        message: "an xml schema is sent as properties.value (the XSD text), not properties.document",
        target: "properties.document",
      },
    ]);
  const value = props.value;
  if (typeof value !== "string" || value.trim() === "")
    throw validationError([
      {
        code: "MissingProperty",
        message: "an xml schema needs properties.value (the XSD text)",
        target: "properties.value",
      },
    ]);
  const wellFormed = XMLValidator.validate(value);
  if (wellFormed !== true)
    throw validationError([
      {
        code: "InvalidSchema",
        message: `value is not well-formed XML (line ${wellFormed.err.line}, column ${wellFormed.err.col}): ${wellFormed.err.msg}`,
        target: "properties.value",
      },
    ]);
  if (!XSD_ROOT.test(value))
    throw validationError([
      {
        code: "InvalidSchema",
        message: "value must be an XML Schema (root element <xs:schema>)",
        target: "properties.value",
      },
    ]);
  return props;
}

/**
 * A service schema may not go while a policy names it in `schema-id`, unless that policy belongs to an
 * API with its own schema of that id (validate-content looks there first, so the API's one is used).
 */
async function refuseIfUsed(ctx: RequestContext, name: string): Promise<void> {
  const { store } = ctx.options;
  const mentions = attributeMention("schema-id", name);
  const [policies, fragments] = await Promise.all([store.list("policy"), store.list("policyFragment")]);
  const users: string[] = [];
  for (const e of [...policies.items, ...fragments.items]) {
    if (!mentions(String(e.properties.value ?? ""))) continue;
    const api = /^apis\/([^/]+)\//.exec(e.id)?.[1];
    if (api && (await store.get("apiSchema", `apis/${api}/schemas/${name}`))) continue;
    users.push(e.id);
  }
  if (users.length === 0) return;
  throw new ApiError(
    409,
    "Conflict",
    `Schema ${name} is referenced by ${users.length} policy document(s); remove it there first.`,
    {
      details: users.map((id) => ({ code: "ReferencedByPolicy", message: `referenced by ${id}`, target: id })),
    },
  );
}

export const serviceSchemaDef: ResourceDef = {
  kind: "schema",
  pattern: "schemas/{schemaId}",
  maxNameLength: 80,
  readOnly: ["provisioningState"],
  schema: z
    .object({
      schemaType: z.enum(["json", "xml"]),
      description: z.string().max(1000).optional(),
      /** The XSD text of an xml schema. */
      value: z.unknown().optional(),
      /** The JSON Schema of a json schema. */
      document: anyObject.optional(),
      provisioningState: optStr,
    })
    .strict(),
  defaults: () => ({ provisioningState: "Succeeded" }),
  async prepare(_ctx, props, _id, existing) {
    return { properties: checkServiceSchema(props, existing?.properties) };
  },
  async beforeDelete(ctx, entity) {
    await refuseIfUsed(ctx, entity.name);
    return [];
  },
};
