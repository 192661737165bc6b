// The declared network behind the management API: the virtualNetworks, networkSecurityGroups and
// routeTables stored with the service, compiled into one NetworkIndex for validation and the
// network questions (IP flow verify, next hop, effective rules). Built per request that needs it;
// network writes are rare and the index is cheap next to a store round trip.

import type { Diagnostic } from "../core/errors.js";
import type { ResourceKind, StoredEntity } from "../model/resources.js";
import {
  compileNetwork,
  loadServiceTags,
  type NetworkIndex,
  parseSubnetId,
  type ServiceTagCatalog,
  topologyFromDocument,
  validateNetworkSecurityGroup,
  validateRouteTable,
  validateVirtualNetwork,
} from "../network/index.js";
import type { RequestContext } from "./context.js";

export interface NetworkKind {
  readonly kind: ResourceKind;
  readonly collection: string;
  readonly param: string;
  readonly armType: string;
  validate(resource: unknown, catalog: ServiceTagCatalog): Diagnostic[];
}

export const networkKinds: readonly NetworkKind[] = [
  {
    kind: "virtualNetwork",
    collection: "virtualNetworks",
    param: "virtualNetworkName",
    armType: "Microsoft.Network/virtualNetworks",
    validate: (r) => validateVirtualNetwork(r),
  },
  {
    kind: "networkSecurityGroup",
    collection: "networkSecurityGroups",
    param: "networkSecurityGroupName",
    armType: "Microsoft.Network/networkSecurityGroups",
    validate: (r, c) => validateNetworkSecurityGroup(r, c),
  },
  {
    kind: "routeTable",
    collection: "routeTables",
    param: "routeTableName",
    armType: "Microsoft.Network/routeTables",
    validate: (r, c) => validateRouteTable(r, c),
  },
];

let fallbackCatalog: ServiceTagCatalog | undefined;

/** The service-tag catalog given by the composition root, or placeholders when none was given. */
export function catalogOf(ctx: Pick<RequestContext, "options">): ServiceTagCatalog {
  if (ctx.options.serviceTags) return ctx.options.serviceTags;
  fallbackCatalog ??= loadServiceTags([], { placeholders: true }).catalog;
  return fallbackCatalog;
}

/** Subscription and resource group of the request's ARM path: network resources live beside the service. */
export function networkScope(ctx: Pick<RequestContext, "armBase">): { subscriptionId: string; resourceGroup: string } {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i.exec(ctx.armBase);
  return { subscriptionId: m?.[1] ?? "00000000-0000-0000-0000-000000000000", resourceGroup: m?.[2] ?? "moat" };
}

export function networkArmId(ctx: Pick<RequestContext, "armBase">, kind: NetworkKind, name: string): string {
  const s = networkScope(ctx);
  return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/${kind.armType}/${name}`;
}

/** The stored entity as an ARM resource ({ id, name, type, location, tags, properties }). */
export function networkResource(ctx: Pick<RequestContext, "armBase">, kind: NetworkKind, e: StoredEntity) {
  const p = e.properties as Record<string, unknown>;
  return {
    id: networkArmId(ctx, kind, e.name),
    name: e.name,
    type: kind.armType,
    location: p.location ?? "",
    tags: p.tags ?? {},
    etag: e.etag.replace(/"/g, ""),
    properties: (p.properties as Record<string, unknown> | undefined) ?? {},
  };
}

/**
 * Compiles the stored network. Resources are named by name only; their ids take the subscription and
 * resource group of `subnetId` (the service's subnet) when given, else of the request's path, so a
 * service naming ".../sub-1/resourceGroups/rg/.../subnets/x" finds the stored VNet either way.
 */
export async function loadNetworkIndex(
  ctx: RequestContext,
  subnetId?: string,
): Promise<{ index: NetworkIndex; diagnostics: Diagnostic[] }> {
  const parsed = subnetId ? parseSubnetId(subnetId) : undefined;
  const scope = parsed
    ? { subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup }
    : networkScope(ctx);
  const at = { armBase: `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}` };
  const value: unknown[] = [];
  for (const kind of networkKinds)
    for (const e of (await ctx.options.store.list(kind.kind, {})).items) value.push(networkResource(at, kind, e));
  const catalog = catalogOf(ctx);
  const { topology, diagnostics } = topologyFromDocument({ value }, catalog, scope);
  return { index: compileNetwork(topology, catalog), diagnostics: [...diagnostics] };
}
