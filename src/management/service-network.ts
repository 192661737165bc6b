// The service's network settings as the management API applies them (spec network.md §12, §13,
// §17.1, §17.7): pre-deployment validation on every write that changes the network (errors reject
// the write with every finding, warnings are returned), the DNS-server snapshot taken at deployment
// and at each applynetworkconfigurationupdates, and the addresses each mode exposes.
import type { StoredEntity } from "../model/resources.js";
import {
  type ApimServiceInput,
  type NetworkFinding,
  type NetworkIndex,
  parseSubnetId,
  sameRegion,
  toNetworkValidationResults,
  validateDeployment,
  virtualNetworkIdOfSubnet,
} from "../network/index.js";
import type { RequestContext } from "./context.js";
import { ApiError } from "./errors.js";
import { loadNetworkIndex } from "./network-model.js";

type Props = Record<string, unknown>;
type VnetConfig = { subnetResourceId?: string } | null | undefined;
type Location = { location: string; virtualNetworkConfiguration?: VnetConfig };

export interface NetworkSnapshot {
  readonly appliedAt: string;
  /** DNS servers of each location's VNet at deployment/apply time (empty = Azure-provided DNS). */
  readonly dnsServers: Record<string, string[]>;
}

export function serviceLocations(props: Props): string[] {
  return [
    String(props.location ?? ""),
    ...((props.additionalLocations as Location[] | undefined) ?? []).map((l) => l.location),
  ];
}

function subnetsByLocation(props: Props): Record<string, string | undefined> {
  const type = props.virtualNetworkType ?? "None";
  const out: Record<string, string | undefined> = {};
  const primary = props.virtualNetworkConfiguration as VnetConfig;
  out[String(props.location ?? "")] = type === "None" ? undefined : primary?.subnetResourceId;
  for (const l of (props.additionalLocations as Location[] | undefined) ?? [])
    out[l.location] = type === "None" ? undefined : (l.virtualNetworkConfiguration?.subnetResourceId ?? undefined);
  return out;
}

/** True when the write moves the service into, out of or within a network, or switches the mode. */
export function networkChanged(before: Props, after: Props): boolean {
  if ((before.virtualNetworkType ?? "None") !== (after.virtualNetworkType ?? "None")) return true;
  return (
    JSON.stringify(subnetsByLocation(before)).toLowerCase() !== JSON.stringify(subnetsByLocation(after)).toLowerCase()
  );
}

function serviceInput(ctx: RequestContext, props: Props): ApimServiceInput {
  return {
    id: ctx.armBase,
    name: ctx.options.serviceName,
    location: String(props.location ?? ""),
    sku: props.sku as ApimServiceInput["sku"],
    properties: {
      virtualNetworkType: String(props.virtualNetworkType ?? "None"),
      virtualNetworkConfiguration: (props.virtualNetworkConfiguration as VnetConfig) ?? null,
      additionalLocations: (props.additionalLocations as ApimServiceInput["properties"]["additionalLocations"]) ?? [],
      // Moat serves the stv2 shape (GET reports platformVersion stv2): validate as stv2.
      platformVersion: "stv2",
    },
  };
}

/**
 * Runs the pre-deployment validation for the service as it would be after the write. Errors throw
 * a 400 naming every finding; warnings and infos come back for the reply.
 */
export async function validateServiceNetwork(
  ctx: RequestContext,
  props: Props,
  previous: Props | undefined,
): Promise<{ index: NetworkIndex; warnings: NetworkFinding[] }> {
  const { index } = await loadNetworkIndex(ctx, Object.values(subnetsByLocation(props)).find(Boolean));
  const prevLocations: Record<string, { subnetResourceId?: string }> = {};
  for (const [l, s] of Object.entries(previous ? subnetsByLocation(previous) : {}))
    prevLocations[l] = s ? { subnetResourceId: s } : {};
  // The network model is opt-in: with no VNet declared to Moat there is nothing to check against, so
  // the write goes through with a warning instead of failing every subnet as unknown.
  if (index.topology.virtualNetworks.length === 0)
    return {
      index,
      warnings: [
        {
          severity: "warning",
          code: "NetworkNotDeclared",
          check: "V0",
          location: String(props.location ?? ""),
          message: "No virtual network is declared to Moat, so the pre-deployment network checks were skipped.",
          rule: "Validation runs against the VNets, NSGs and route tables stored under this service.",
          fix: "PUT the VNet (and its NSGs and route tables) under virtualNetworks/{name}, then write the service again.",
          path: "properties.virtualNetworkConfiguration.subnetResourceId",
          sourceRef: "S1",
        },
      ],
    };
  const findings = validateDeployment(serviceInput(ctx, props), index, {
    platformVersion: "stv2",
    nowMs: ctx.options.clock.now(),
    ...(previous
      ? { previous: { virtualNetworkType: String(previous.virtualNetworkType ?? "None"), locations: prevLocations } }
      : {}),
  });
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length > 0) {
    const results = toNetworkValidationResults(errors);
    throw new ApiError(
      400,
      "InvalidNetworkConfiguration",
      `The network configuration is invalid: ${errors.map((f) => `${f.code} (${f.path ?? f.location}): ${f.message}`).join(" | ")}`,
      {
        details: results.map((r, i) => ({
          code: r.code,
          message: r.message,
          target: errors[i]?.path ?? r.target ?? r.location,
        })),
      },
    );
  }
  return { index, warnings: findings.filter((f) => f.severity !== "error") };
}

/** DNS servers of each location's VNet, for locations in `only` (all when undefined). */
export function dnsSnapshot(
  index: NetworkIndex,
  props: Props,
  base: Record<string, string[]> = {},
  only?: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = { ...base };
  for (const [location, subnet] of Object.entries(subnetsByLocation(props))) {
    if (only !== undefined && !sameRegion(location, only)) continue;
    const vnet = subnet && parseSubnetId(subnet) ? index.vnet(virtualNetworkIdOfSubnet(subnet)) : undefined;
    out[location] = [...(vnet?.dhcpOptions?.dnsServers ?? [])];
  }
  for (const key of Object.keys(out)) if (!serviceLocations(props).some((l) => sameRegion(l, key))) delete out[key];
  return out;
}

/** Addresses the service shows for its mode: the private one only in Internal mode (spec §9.1). */
export function serviceAddresses(
  ctx: RequestContext,
  props: Props,
): { publicIPAddresses: string[]; privateIPAddresses?: string[] } {
  const n = ctx.options.network;
  const pub = n?.publicAddress ? [n.publicAddress] : ((props.publicIPAddresses as string[] | undefined) ?? []);
  if (props.virtualNetworkType !== "Internal") return { publicIPAddresses: pub };
  return { publicIPAddresses: pub, privateIPAddresses: n?.privateAddress ? [n.privateAddress] : [] };
}

/** applynetworkconfigurationupdates: re-validate, new DNS snapshot for one location or all. */
export async function applyNetworkConfiguration(
  ctx: RequestContext,
  location: string | undefined,
): Promise<StoredEntity> {
  const entity = await ctx.options.store.get("service", "");
  if (!entity) throw new ApiError(404, "ResourceNotFound", "The service has not been initialised.");
  const props = entity.properties as Props;
  if (location !== undefined && !serviceLocations(props).some((l) => sameRegion(l, location)))
    throw new ApiError(404, "LocationNotFound", `The service has no location '${location}'.`);
  const { index } =
    (props.virtualNetworkType ?? "None") === "None"
      ? await loadNetworkIndex(ctx)
      : await validateServiceNetwork(ctx, props, undefined);
  const before = (props.networkSnapshot as NetworkSnapshot | undefined)?.dnsServers ?? {};
  const networkSnapshot: NetworkSnapshot = {
    appliedAt: new Date(ctx.options.clock.now()).toISOString(),
    dnsServers: dnsSnapshot(index, props, before, location),
  };
  return ctx.options.store.put("service", "", { ...props, networkSnapshot }, { ifMatch: entity.etag });
}
