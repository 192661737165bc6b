// APIs, their operations and API version sets.
import { z } from "zod";
import type { WriteOp } from "../../store/contract.js";
import { ApiError } from "../errors.js";
import { apiPathsGuard, operationsGuard } from "../write-guard.js";
import { absoluteUrl, anyArray, anyObject, expandIfRef, optBool, optStr, resolveRef } from "./common.js";
import type { ResourceDef } from "./types.js";
import { assertUniqueApiPath, assertUniqueOperation } from "./uniqueness.js";

const protocol = z.enum(["http", "https", "ws", "wss"]);

export const importFormats = [
  "openapi",
  "openapi+json",
  "openapi-link",
  "openapi+json-link",
  "swagger-json",
  "swagger-link-json",
] as const;

export const apiSchema = z
  .object({
    displayName: z.string().min(1).max(300),
    path: z
      .string()
      .max(400)
      .regex(/^[^?#]*$/, "must not contain ? or #"),
    serviceUrl: absoluteUrl(["http", "https", "ws", "wss"]).optional(),
    protocols: z.array(protocol).optional(),
    apiType: z.enum(["http", "soap", "websocket", "graphql", "odata", "grpc"]).optional(),
    type: z.enum(["http", "soap", "websocket", "graphql", "odata", "grpc"]).optional(),
    description: optStr,
    subscriptionRequired: optBool,
    subscriptionKeyParameterNames: z.object({ header: optStr, query: optStr }).strict().optional(),
    authenticationSettings: anyObject.optional(),
    apiRevision: z.string().max(100).optional(),
    apiRevisionDescription: optStr,
    isCurrent: optBool,
    isOnline: optBool,
    apiVersion: z.string().max(100).optional(),
    apiVersionDescription: optStr,
    apiVersionSetId: optStr,
    apiVersionSet: anyObject.optional(),
    sourceApiId: optStr,
    termsOfServiceUrl: optStr,
    contact: z.object({ name: optStr, url: optStr, email: optStr }).strict().optional(),
    license: z.object({ name: optStr, url: optStr }).strict().optional(),
    provisioningState: optStr,
    translateRequiredQueryParameters: z.enum(["query", "template"]).optional(),
    wsdlSelector: anyObject.optional(),
    // Import inputs: consumed on PUT, never stored.
    format: z.string().optional(),
    value: z.unknown().optional(),
    // Written by the OpenAPI import for export and the portal.
    openApiDocument: z.unknown().optional(),
  })
  .strict();

export const apiDef: ResourceDef = {
  kind: "api",
  pattern: "apis/{apiId}",
  schema: apiSchema,
  readOnly: ["isOnline", "provisioningState"],
  maxNameLength: 256,
  defaults: () => ({
    apiRevision: "1",
    isCurrent: true,
    protocols: ["https"],
    subscriptionRequired: true,
    subscriptionKeyParameterNames: { header: "Ocp-Apim-Subscription-Key", query: "subscription-key" },
  }),
  async prepare(ctx, props, id, _existing, guards) {
    const out = { ...props };
    // Taken before anything is read: every API write bumps it, so a concurrent path claim is seen.
    const pathGuard = await guards.take(apiPathsGuard);
    if (typeof out.apiVersionSetId === "string")
      out.apiVersionSetId = await resolveRef(
        ctx,
        out.apiVersionSetId,
        "properties.apiVersionSetId",
        "apiVersionSet",
        "apiVersionSets",
      );
    if (out.format !== undefined)
      throw new ApiError(500, "InternalError", "import must be handled before the generic API write");
    await assertUniqueApiPath(ctx, id, out);
    return { properties: out, extraOps: [pathGuard] };
  },
  async beforeDelete(ctx, entity) {
    // Deleting an API deletes its revisions and the subscriptions scoped to it, as in APIM.
    const ops: WriteOp[] = [];
    if (!entity.name.includes(";rev="))
      for (const api of (await ctx.options.store.list("api", { parentId: "" })).items)
        if (api.name.startsWith(`${entity.name};rev=`)) ops.push({ op: "delete", kind: "api", id: api.id });
    for (const sub of (await ctx.options.store.list("subscription", { parentId: "" })).items)
      if (sub.properties.scope === `/${entity.id}`) ops.push({ op: "delete", kind: "subscription", id: sub.id });
    return ops;
  },
  present(ctx, entity) {
    const { openApiDocument: _doc, ...props } = entity.properties;
    return {
      ...props,
      isOnline: true,
      ...(typeof props.apiVersionSetId === "string"
        ? { apiVersionSetId: expandIfRef(ctx, props.apiVersionSetId) }
        : {}),
    };
  },
};

const parameter = z
  .object({
    name: z.string().min(1),
    type: z.string(),
    description: optStr,
    required: optBool,
    defaultValue: optStr,
    values: z.array(z.string()).optional(),
    schemaId: optStr,
    typeName: optStr,
    examples: anyObject.optional(),
  })
  .strict();

export const operationSchema = z
  .object({
    displayName: z.string().min(1).max(300),
    method: z.string().regex(/^[A-Za-z]+$/, "must be an HTTP method"),
    urlTemplate: z.string().min(1).max(1000),
    templateParameters: z.array(parameter).optional(),
    description: z.string().max(1000).optional(),
    request: z
      .object({
        description: optStr,
        queryParameters: z.array(parameter).optional(),
        headers: z.array(parameter).optional(),
        representations: anyArray.optional(),
      })
      .strict()
      .optional(),
    responses: z
      .array(
        z
          .object({
            statusCode: z.number().int().min(100).max(599),
            description: optStr,
            representations: anyArray.optional(),
            headers: z.array(parameter).optional(),
          })
          .strict(),
      )
      .optional(),
    policies: optStr,
  })
  .strict();

export const operationDef: ResourceDef = {
  kind: "operation",
  pattern: "apis/{apiId}/operations/{operationId}",
  schema: operationSchema,
  maxNameLength: 80,
  async prepare(ctx, props, id, _existing, guards) {
    const apiId = id.split("/").slice(0, 2).join("/");
    const guard = await guards.take(operationsGuard(apiId));
    const out = { ...props, method: String(props.method).toUpperCase() };
    assertUniqueOperation(id, out, (await ctx.options.store.list("operation", { parentId: apiId })).items);
    return { properties: out, extraOps: [guard] };
  },
};

export const apiVersionSetDef: ResourceDef = {
  kind: "apiVersionSet",
  pattern: "apiVersionSets/{versionSetId}",
  maxNameLength: 80,
  schema: z
    .object({
      displayName: z.string().min(1).max(100),
      versioningScheme: z.enum(["Segment", "Query", "Header"]),
      versionQueryName: z.string().min(1).max(100).optional(),
      versionHeaderName: z.string().min(1).max(100).optional(),
      description: optStr,
    })
    .strict()
    .superRefine((v, issue) => {
      if (v.versioningScheme === "Query" && !v.versionQueryName)
        issue.addIssue({
          code: "custom",
          path: ["versionQueryName"],
          message: "is required when versioningScheme is Query",
        });
      if (v.versioningScheme === "Header" && !v.versionHeaderName)
        issue.addIssue({
          code: "custom",
          path: ["versionHeaderName"],
          message: "is required when versioningScheme is Header",
        });
    }),
};
