// Network operations of the service (spec network.md §9.3, §5.6, §7, §10): NetworkStatus per
// location, applynetworkconfigurationupdates, and the questions users ask of the declared network
// (IP flow verify, next hop, effective security rules, subnet sizing) as POST actions.
import type { StoredEntity } from "../model/resources.js";
import type { NetworkStatusContract } from "../netstatus/index.js";
import {
  effectiveSecurityRules,
  hostVipText,
  type IpConsumptionModel,
  ipFlowVerify,
  nextHop,
  parseIpv4,
  sameRegion,
  sizeSubnet,
} from "../network/index.js";
import { StoreError } from "../store/contract.js";
import type { Handler, RequestContext } from "./context.js";
import { ApiError, diagnosticsToDetails, validationError } from "./errors.js";
import { subnetIdsOf } from "./network-in-use.js";
import { loadNetworkIndex } from "./network-model.js";
import { operationsOf, serviceOperationHeaders } from "./operations.js";
import { serviceEnvelope } from "./resources/service.js";
import { applyNetworkConfiguration, serviceLocations } from "./service-network.js";

async function service(ctx: RequestContext): Promise<StoredEntity> {
  const entity = await ctx.options.store.get("service", "");
  if (!entity) throw new ApiError(404, "ResourceNotFound", "The service has not been initialised.");
  return entity;
}

function statusOf(ctx: RequestContext, entity: StoredEntity, location: string): NetworkStatusContract {
  const live = ctx.options.network?.status?.(location);
  if (live) return live;
  // No monitor in this process (or not started yet): the DNS snapshot and no probes so far.
  const snapshot = (entity.properties.networkSnapshot as { dnsServers?: Record<string, string[]> } | undefined)
    ?.dnsServers;
  const servers = Object.entries(snapshot ?? {}).find(([l]) => sameRegion(l, location))?.[1] ?? [];
  return { dnsServers: servers.length > 0 ? servers : [hostVipText], connectivityStatus: [] };
}

export const networkStatusAll: Handler = async (ctx) => {
  const entity = await service(ctx);
  return {
    status: 200,
    body: serviceLocations(entity.properties).map((location) => ({
      location,
      networkStatus: statusOf(ctx, entity, location),
    })),
  };
};

export const networkStatusByLocation: Handler = async (ctx) => {
  const entity = await service(ctx);
  const wanted = ctx.params.locationName as string;
  const location = serviceLocations(entity.properties).find((l) => sameRegion(l, wanted));
  if (!location)
    throw new ApiError(404, "LocationNotFound", `The service has no location '${wanted}'.`, {
      details: [{ code: "LocationNotFound", message: `no location '${wanted}'`, target: "locationName" }],
    });
  return { status: 200, body: statusOf(ctx, entity, location) };
};

/**
 * POST applynetworkconfigurationupdates: optional { location }; re-validates the service against the
 * declared network and re-snapshots DNS. Long-running as on Azure: the input is checked here, the
 * reply is 202 with Location / Azure-AsyncOperation, and a failure of the work (the network no
 * longer valid for the service, the service changed meanwhile) is the operation's error.
 */
export const applyNetworkUpdates: Handler = async (ctx) => {
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const input = typeof body.properties === "object" && body.properties !== null ? body.properties : body;
  const location = (input as { location?: unknown }).location;
  if (location !== undefined && typeof location !== "string")
    throw validationError([{ code: "InvalidLocation", message: "must be a region name", target: "location" }]);
  const entity = await service(ctx);
  if (location !== undefined && !serviceLocations(entity.properties).some((l) => sameRegion(l, location)))
    throw new ApiError(404, "LocationNotFound", `The service has no location '${location}'.`, {
      details: [{ code: "LocationNotFound", message: `no location '${location}'`, target: "location" }],
    });
  const record = operationsOf(ctx.options).start(
    async () => {
      try {
        const applied = await applyNetworkConfiguration(ctx, location);
        return { status: 200, body: await serviceEnvelope(ctx, applied) };
      } catch (err) {
        if (err instanceof StoreError && err.code === "STORE_ERR_PRECONDITION")
          throw new ApiError(
            409,
            "Conflict",
            "The service was changed while the network configuration was being applied; nothing was applied. Send applynetworkconfigurationupdates again.",
            { cause: err },
          );
        throw err;
      }
    },
    "service/applynetworkconfigurationupdates",
    "the service's network configuration",
  );
  return { status: 202, headers: serviceOperationHeaders(ctx, record) };
};

function bodyOf(ctx: RequestContext): Record<string, unknown> {
  const b = ctx.body;
  if (typeof b !== "object" || b === null || Array.isArray(b))
    throw validationError([{ code: "InvalidRequestContent", message: "must be a JSON object", target: "body" }]);
  return b as Record<string, unknown>;
}

const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

async function defaultSubnet(ctx: RequestContext): Promise<string | undefined> {
  return subnetIdsOf((await service(ctx)).properties)[0];
}

export const ipFlowVerifyAction: Handler = async (ctx) => {
  const b = bodyOf(ctx);
  const target = text(b.targetResourceId) ?? (await defaultSubnet(ctx));
  const { index, diagnostics } = await loadNetworkIndex(ctx, await defaultSubnet(ctx));
  if (!target)
    throw validationError([
      {
        code: "MissingProperty",
        message: "is required when the service is not in a network",
        target: "targetResourceId",
      },
    ]);
  const r = ipFlowVerify(index, {
    targetResourceId: target,
    direction: text(b.direction) ?? "",
    protocol: text(b.protocol) ?? "",
    localPort: text(b.localPort) ?? "",
    remotePort: text(b.remotePort) ?? "*",
    localIPAddress: text(b.localIPAddress) ?? "",
    remoteIPAddress: text(b.remoteIPAddress) ?? "",
  });
  if (!r.ok) throw validationError(diagnosticsToDetails([...r.diagnostics, ...diagnostics]));
  return { status: 200, body: { access: r.result.access, ruleName: r.result.ruleName ?? "" } };
};

export const nextHopAction: Handler = async (ctx) => {
  const b = bodyOf(ctx);
  const { index } = await loadNetworkIndex(ctx, await defaultSubnet(ctx));
  const source = text(b.sourceIPAddress);
  const destination = text(b.destinationIPAddress);
  const problems = [];
  if (!destination || parseIpv4(destination) === undefined)
    problems.push({ code: "InvalidIpAddress", message: "must be an IPv4 address", target: "destinationIPAddress" });
  const sourceIp = source === undefined ? undefined : parseIpv4(source);
  if (source !== undefined && sourceIp === undefined)
    problems.push({ code: "InvalidIpAddress", message: "must be an IPv4 address", target: "sourceIPAddress" });
  if (problems.length > 0) throw validationError(problems);
  const subnetId =
    text(b.targetResourceId) ??
    (sourceIp === undefined ? undefined : index.subnetOfIp(sourceIp)?.subnet.id) ??
    (await defaultSubnet(ctx));
  if (!subnetId || !index.subnet(subnetId))
    throw validationError([
      {
        code: "SubnetNotFound",
        message: "no subnet of the declared network holds the source",
        target: "targetResourceId",
      },
    ]);
  const hop = nextHop(index, subnetId, destination as string);
  if (!hop) throw validationError([{ code: "NoRoute", message: "no route matches", target: "destinationIPAddress" }]);
  return {
    status: 200,
    body: {
      nextHopType: hop.nextHopType,
      nextHopIpAddress: hop.nextHopIpAddress ?? "",
      routeTableId: hop.routeTableId,
      ...(hop.matchedPrefix ? { matchedPrefix: hop.matchedPrefix } : {}),
    },
  };
};

export const effectiveRulesAction: Handler = async (ctx) => {
  const b = (ctx.body ?? {}) as Record<string, unknown>;
  const subnetId = text(b.subnetResourceId) ?? (await defaultSubnet(ctx));
  const { index } = await loadNetworkIndex(ctx, await defaultSubnet(ctx));
  if (!subnetId)
    throw validationError([
      {
        code: "MissingProperty",
        message: "is required when the service is not in a network",
        target: "subnetResourceId",
      },
    ]);
  const groups = effectiveSecurityRules(index, subnetId);
  if ("error" in groups)
    throw validationError([{ code: "SubnetNotFound", message: groups.error, target: "subnetResourceId" }]);
  return { status: 200, body: { value: groups } };
};

export const subnetSizingAction: Handler = async (ctx) => {
  const b = bodyOf(ctx);
  const mode = text(b.mode) ?? "External";
  if (mode !== "External" && mode !== "Internal")
    throw validationError([{ code: "InvalidMode", message: "must be External or Internal", target: "mode" }]);
  const model = text(b.ipConsumptionModel) ?? "current";
  if (model !== "current" && model !== "seed2020")
    throw validationError([
      { code: "InvalidModel", message: "must be current or seed2020", target: "ipConsumptionModel" },
    ]);
  const r = sizeSubnet(text(b.addressPrefix) ?? "", text(b.sku) ?? "Premium", mode, model as IpConsumptionModel);
  if (!r.ok) throw validationError([{ code: r.code, message: r.message, target: "addressPrefix" }]);
  return { status: 200, body: r.sizing };
};
