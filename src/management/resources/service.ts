// The service itself (kind "service", id ""). Its stored properties are Azure's `properties` plus
// the envelope fields sku, location, tags, zones and identity, so one entity holds the whole resource.
import { z } from "zod";
import type { StoredEntity } from "../../model/resources.js";
import { armProvider } from "../arm.js";
import type { Handler, RequestContext } from "../context.js";
import { checkPreconditions, etagHeaders, omit, writeOptions } from "../crud.js";
import { ApiError, validationError } from "../errors.js";
import {
  dnsSnapshot,
  type NetworkSnapshot,
  networkChanged,
  serviceAddresses,
  validateServiceNetwork,
} from "../service-network.js";
import { parseWith, requireObject } from "../validation.js";
import { anyArray, anyObject, optBool, optStr, stringList } from "./common.js";
import type { Props } from "./types.js";

const subnetId =
  /^\/subscriptions\/[^/]*\/resourceGroups\/[^/]*\/providers\/Microsoft\.(ClassicNetwork|Network)\/virtualNetworks\/[^/]*\/subnets\/[^/]*$/i;

const sku = z
  .object({
    name: z.enum([
      "Developer",
      "Standard",
      "Premium",
      "Basic",
      "Consumption",
      "Isolated",
      "BasicV2",
      "StandardV2",
      "PremiumV2",
    ]),
    capacity: z.number().int().min(0).max(100),
  })
  .strict();

const vnetConfig = z
  .object({
    subnetResourceId: z
      .string()
      .regex(subnetId, "must be a full subnet resource id (…/virtualNetworks/{vnet}/subnets/{subnet})"),
    vnetid: optStr,
    subnetname: optStr,
  })
  .strict();

const hostnameConfiguration = z
  .object({
    type: z.enum(["Proxy", "Portal", "Management", "Scm", "DeveloperPortal", "ConfigurationApi"]),
    hostName: z.string().min(1),
    keyVaultId: optStr,
    identityClientId: optStr,
    encodedCertificate: optStr,
    certificatePassword: optStr,
    defaultSslBinding: optBool,
    negotiateClientCertificate: optBool,
    certificate: anyObject.optional(),
    certificateSource: z.enum(["Managed", "KeyVault", "Custom", "BuiltIn"]).optional(),
    certificateStatus: z.enum(["Completed", "Failed", "InProgress"]).optional(),
  })
  .strict();

const additionalLocation = z
  .object({
    location: z.string().min(1),
    sku,
    zones: stringList.optional(),
    publicIPAddresses: stringList.optional(),
    privateIPAddresses: stringList.optional(),
    publicIpAddressId: optStr,
    virtualNetworkConfiguration: vnetConfig.optional(),
    gatewayRegionalUrl: optStr,
    disableGateway: optBool,
    platformVersion: optStr,
    natGatewayState: z.enum(["Enabled", "Disabled"]).optional(),
    outboundPublicIPAddresses: stringList.optional(),
  })
  .strict();

const readOnlyProps = [
  "provisioningState",
  "targetProvisioningState",
  "createdAtUtc",
  "gatewayUrl",
  "gatewayRegionalUrl",
  "portalUrl",
  "developerPortalUrl",
  "managementApiUrl",
  "scmUrl",
  "publicIPAddresses",
  "privateIPAddresses",
  "platformVersion",
  "outboundPublicIPAddresses",
  "networkSnapshot",
];

export const servicePropertiesSchema = z
  .object({
    publisherEmail: z.string().min(1).max(100),
    publisherName: z.string().min(1).max(100),
    notificationSenderEmail: z.string().max(100).optional(),
    hostnameConfigurations: z.array(hostnameConfiguration).optional(),
    virtualNetworkType: z.enum(["None", "External", "Internal"]),
    virtualNetworkConfiguration: vnetConfig.nullable().optional(),
    additionalLocations: z.array(additionalLocation).optional(),
    customProperties: z.record(z.string(), z.string()).optional(),
    certificates: anyArray.max(10).optional(),
    enableClientCertificate: optBool,
    disableGateway: optBool,
    apiVersionConstraint: z.object({ minApiVersion: optStr }).strict().optional(),
    restore: optBool,
    publicIpAddressId: optStr,
    publicNetworkAccess: z.enum(["Enabled", "Disabled"]).optional(),
    natGatewayState: z.enum(["Enabled", "Disabled"]).optional(),
    developerPortalStatus: z.enum(["Enabled", "Disabled"]).optional(),
    legacyPortalStatus: z.enum(["Enabled", "Disabled"]).optional(),
    configurationApi: anyObject.optional(),
    privateEndpointConnections: anyArray.optional(),
    // Read-only fields kept in the store (set by Moat, ignored in requests).
    provisioningState: optStr,
    createdAtUtc: optStr,
    publicIPAddresses: stringList.optional(),
    privateIPAddresses: stringList.optional(),
    /** DNS servers snapshotted at deployment and at applynetworkconfigurationupdates (never returned). */
    networkSnapshot: anyObject.optional(),
  })
  .strict()
  .superRefine((v, issue) => {
    if (v.virtualNetworkType !== "None" && !v.virtualNetworkConfiguration)
      issue.addIssue({
        code: "custom",
        path: ["virtualNetworkConfiguration"],
        message: `is required when virtualNetworkType is ${v.virtualNetworkType}`,
      });
  });

const envelopeKeys = ["sku", "location", "tags", "zones", "identity"] as const;
const envelopeSchema = z
  .object({
    sku: sku,
    location: z.string().min(1),
    tags: z.record(z.string(), z.string()).optional(),
    zones: stringList.optional(),
    identity: anyObject.nullable().optional(),
  })
  .strict();

export function defaultServiceProperties(ctx: Pick<RequestContext, "options">, nowIso: string): Props {
  return {
    sku: { name: "Developer", capacity: 1 },
    location: ctx.options.location,
    publisherEmail: "admin@localhost",
    publisherName: "Moat",
    virtualNetworkType: "None",
    provisioningState: "Succeeded",
    createdAtUtc: nowIso,
    publicIPAddresses: [],
    privateIPAddresses: [],
  };
}

export async function serviceEnvelope(ctx: RequestContext, entity: StoredEntity): Promise<Props> {
  const stored = entity.properties;
  const properties: Props = omit(stored, [...envelopeKeys, "networkSnapshot", "privateIPAddresses"]);
  Object.assign(properties, serviceAddresses(ctx, stored));
  for (const h of (properties.hostnameConfigurations as Props[] | undefined) ?? []) {
    delete h.certificatePassword;
    delete h.encodedCertificate;
  }
  const vnet = properties.virtualNetworkConfiguration as Props | undefined;
  if (vnet && typeof vnet.subnetResourceId === "string") {
    const m = /virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i.exec(vnet.subnetResourceId);
    properties.virtualNetworkConfiguration = { ...vnet, vnetid: m?.[1] ?? "", subnetname: m?.[2] ?? "" };
  }
  return {
    id: ctx.armBase,
    name: ctx.options.serviceName,
    type: `${armProvider}/service`,
    location: stored.location,
    etag: entity.etag.replace(/"/g, ""),
    tags: stored.tags ?? {},
    sku: stored.sku,
    ...(stored.zones ? { zones: stored.zones } : {}),
    ...(stored.identity ? { identity: stored.identity } : {}),
    properties: {
      ...properties,
      ...ctx.options.urls,
      provisioningState: "Succeeded",
      targetProvisioningState: "",
      platformVersion: "stv2",
    },
  };
}

async function readService(ctx: RequestContext): Promise<StoredEntity> {
  const entity = await ctx.options.store.get("service", "");
  if (!entity) throw new ApiError(404, "ResourceNotFound", "The service has not been initialised.");
  return entity;
}

function writeService(patch: boolean): Handler {
  return async (ctx) => {
    const existing = await readService(ctx);
    checkPreconditions(ctx, existing, false);
    const body = requireObject(ctx.body, "body");
    const allowed = new Set(["properties", "id", "name", "type", "etag", "systemData", ...envelopeKeys]);
    const unknown = Object.keys(body).filter((k) => !allowed.has(k));
    if (unknown.length > 0)
      throw validationError(
        unknown.map((k) => ({ code: "UnknownProperty", message: `unknown property '${k}'`, target: k })),
      );
    const input = omit(
      body.properties === undefined ? {} : requireObject(body.properties, "properties"),
      readOnlyProps,
    );
    const envelopeIn: Props = {};
    for (const k of envelopeKeys) if (body[k] !== undefined) envelopeIn[k] = body[k];
    const current = existing.properties;
    const currentEnvelope: Props = {};
    const currentProps: Props = {};
    for (const [k, v] of Object.entries(current)) {
      if ((envelopeKeys as readonly string[]).includes(k)) currentEnvelope[k] = v;
      else currentProps[k] = v;
    }
    const keep = {
      ...Object.fromEntries(readOnlyProps.map((k) => [k, currentProps[k]]).filter(([, v]) => v !== undefined)),
    };
    const mergedProps = patch ? { ...currentProps, ...input } : { virtualNetworkType: "None", ...input, ...keep };
    if (!patch) for (const k of readOnlyProps) if (keep[k] !== undefined) mergedProps[k] = keep[k];
    const props = parseWith(servicePropertiesSchema, mergedProps, "properties");
    const env = parseWith(envelopeSchema, patch ? { ...currentEnvelope, ...envelopeIn } : { ...envelopeIn }, "");
    if (props.virtualNetworkType === "None") delete props.virtualNetworkConfiguration;
    const next: Props = { ...props, ...env };
    let warnings: Props[] = [];
    if (networkChanged(current, next)) {
      // Validation before deployment (spec §12): errors reject the write, warnings are returned.
      const { index, warnings: found } =
        props.virtualNetworkType === "None"
          ? { index: undefined, warnings: [] }
          : await validateServiceNetwork(ctx, next, current);
      warnings = found.map((f) => ({
        severity: f.severity,
        code: f.code,
        message: f.message,
        fix: f.fix,
        path: f.path,
      }));
      const snapshot: NetworkSnapshot = {
        appliedAt: new Date(ctx.options.clock.now()).toISOString(),
        dnsServers: index ? dnsSnapshot(index, next) : {},
      };
      next.networkSnapshot = snapshot;
    }
    const entity = await ctx.options.store.put("service", "", next, writeOptions(ctx));
    const reply = await serviceEnvelope(ctx, entity);
    if (warnings.length > 0) (reply.properties as Props).networkValidationWarnings = warnings;
    return { status: 200, body: reply, headers: etagHeaders(entity) };
  };
}

export const serviceHandlers = {
  async get(ctx: RequestContext) {
    const entity = await readService(ctx);
    return { status: 200, body: await serviceEnvelope(ctx, entity), headers: etagHeaders(entity) };
  },
  put: writeService(false),
  patch: writeService(true),
} satisfies Record<string, Handler>;
