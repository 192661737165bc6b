// Backends, named values, tags, loggers, caches and portal settings.
import { z } from "zod";
import { ApiError } from "../errors.js";
import { absoluteUrl, anyObject, optBool, optStr, stringList } from "./common.js";
import { attributeMention, refuseIfReferenced } from "./policies.js";
import type { ResourceDef } from "./types.js";

const statusRange = z.object({ min: z.number().int(), max: z.number().int() }).strict();

export const backendDef: ResourceDef = {
  kind: "backend",
  pattern: "backends/{backendId}",
  maxNameLength: 80,
  async beforeDelete(ctx, entity) {
    await refuseIfReferenced(ctx, `Backend ${entity.name}`, attributeMention("backend-id", entity.name));
    return [];
  },
  schema: z
    .object({
      // Any scheme: Service Fabric backends use fabric:/app/service.
      url: absoluteUrl(),
      protocol: z.enum(["http", "soap"]),
      title: z.string().max(300).optional(),
      description: z.string().max(2000).optional(),
      resourceId: optStr,
      properties: anyObject.optional(),
      credentials: z
        .object({
          certificateIds: stringList.optional(),
          certificate: stringList.optional(),
          query: z.record(z.string(), stringList).optional(),
          header: z.record(z.string(), stringList).optional(),
          authorization: z.object({ scheme: z.string(), parameter: z.string() }).strict().optional(),
        })
        .strict()
        .optional(),
      proxy: z.object({ url: z.string(), username: optStr, password: optStr }).strict().optional(),
      tls: z.object({ validateCertificateChain: optBool, validateCertificateName: optBool }).strict().optional(),
      circuitBreaker: z
        .object({
          rules: z.array(
            z
              .object({
                name: z.string(),
                failureCondition: z
                  .object({
                    count: z.number().int().optional(),
                    percentage: z.number().optional(),
                    interval: z.string(),
                    statusCodeRanges: z.array(statusRange).optional(),
                    errorReasons: stringList.optional(),
                  })
                  .strict(),
                tripDuration: z.string(),
                acceptRetryAfter: optBool,
              })
              .strict(),
          ),
        })
        .strict()
        .optional(),
      type: z.enum(["Single", "Pool"]).optional(),
      pool: z
        .object({
          services: z.array(
            z.object({ id: z.string(), weight: z.number().optional(), priority: z.number().optional() }).strict(),
          ),
        })
        .strict()
        .optional(),
    })
    .strict(),
};

export const namedValueDef: ResourceDef = {
  kind: "namedValue",
  pattern: "namedValues/{namedValueId}",
  maxNameLength: 256,
  schema: z
    .object({
      displayName: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[A-Za-z0-9-._]+$/, "may contain only letters, digits, '.', '-' and '_'"),
      value: z.string().max(4096).optional(),
      secret: optBool,
      tags: z.array(z.string()).max(32).optional(),
      keyVault: anyObject.optional(),
    })
    .strict()
    .superRefine((v, issue) => {
      if (v.value === undefined && v.keyVault === undefined)
        issue.addIssue({ code: "custom", path: ["value"], message: "is required (or keyVault)" });
    }),
  defaults: () => ({ secret: false }),
  async prepare(ctx, props, id) {
    // Policies reference named values by displayName ({{name}}), so it must be unique.
    const name = String(props.displayName).toLowerCase();
    const clash = (await ctx.options.store.list("namedValue", { parentId: "" })).items.find(
      (nv) => nv.id !== id && String(nv.properties.displayName).toLowerCase() === name,
    );
    if (clash)
      throw new ApiError(
        409,
        "Conflict",
        `The named value ${clash.name} already has displayName ${props.displayName}.`,
        {
          details: [
            { code: "DuplicateDisplayName", message: `used by ${clash.name}`, target: "properties.displayName" },
          ],
        },
      );
    return { properties: props };
  },
  async beforeDelete(ctx, entity) {
    // Policies name it {{displayName}} (or {{id}}, which the policy environment also accepts).
    const tokens = [`{{${entity.name}}}`, `{{${String(entity.properties.displayName)}}}`];
    await refuseIfReferenced(ctx, `Named value ${entity.name}`, (xml) => tokens.some((t) => xml.includes(t)));
    return [];
  },
  present(_ctx, entity) {
    // Secret values are returned only by listValue.
    if (entity.properties.secret !== true) return entity.properties;
    const { value: _value, ...rest } = entity.properties;
    return rest;
  },
};

export const tagDef: ResourceDef = {
  kind: "tag",
  pattern: "tags/{tagId}",
  maxNameLength: 80,
  schema: z.object({ displayName: z.string().min(1).max(160) }).strict(),
};

export const loggerDef: ResourceDef = {
  kind: "logger",
  pattern: "loggers/{loggerId}",
  maxNameLength: 256,
  async beforeDelete(ctx, entity) {
    await refuseIfReferenced(ctx, `Logger ${entity.name}`, attributeMention("logger-id", entity.name));
    return [];
  },
  schema: z
    .object({
      loggerType: z.enum(["azureEventHub", "applicationInsights", "azureMonitor"]),
      description: z.string().max(256).optional(),
      credentials: z.record(z.string(), z.string()).optional(),
      isBuffered: optBool,
      resourceId: optStr,
    })
    .strict(),
  present(_ctx, entity) {
    const credentials = entity.properties.credentials as Record<string, string> | undefined;
    if (!credentials) return entity.properties;
    // Connection strings and instrumentation keys are secrets: mask them the way Azure does.
    return {
      ...entity.properties,
      credentials: Object.fromEntries(Object.keys(credentials).map((k) => [k, "{{Logger-Credentials}}"])),
    };
  },
};

export const cacheDef: ResourceDef = {
  kind: "cache",
  pattern: "caches/{cacheId}",
  maxNameLength: 80,
  schema: z
    .object({
      description: z.string().max(2000).optional(),
      connectionString: z.string().min(1).max(300),
      useFromLocation: z.string().min(1).max(256),
      resourceId: optStr,
    })
    .strict(),
  writeOnly: [],
  present(_ctx, entity) {
    const { connectionString: _c, ...rest } = entity.properties;
    return { ...rest, connectionString: "{{Cache-Connection-String}}" };
  },
};

const termsOfService = z.object({ text: optStr, enabled: optBool, consentRequired: optBool }).strict();

export const portalSettingDef: ResourceDef = {
  kind: "portalSetting",
  pattern: "portalsettings/{portalSettingName}",
  names: ["signin", "signup", "delegation"],
  patchStatus: 204,
  schema: z
    .object({
      enabled: optBool,
      termsOfService: termsOfService.optional(),
      url: optStr,
      validationKey: optStr,
      subscriptions: z.object({ enabled: optBool }).strict().optional(),
      userRegistration: z.object({ enabled: optBool }).strict().optional(),
    })
    .strict(),
  present(_ctx, entity) {
    const { validationKey: _k, ...rest } = entity.properties;
    return rest;
  },
};
