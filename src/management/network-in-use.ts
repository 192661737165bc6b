// Deletes Azure refuses because something still uses the resource: the subnet (or VNet) the service
// sits in, and an NSG or route table a subnet names. Shared by the service-scoped network routes and
// the Microsoft.Network provider paths, so both refuse the same deletes with the same errors.
import type { StoredEntity } from "../model/resources.js";
import type { RequestContext } from "./context.js";
import { ApiError } from "./errors.js";
import { type NetworkKind, networkArmId, networkKinds } from "./network-model.js";

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const virtualNetworkKind = networkKinds.find((n) => n.kind === "virtualNetwork") as NetworkKind;

export const vnetsOf = async (ctx: RequestContext) => (await ctx.options.store.list("virtualNetwork", {})).items;

/** Subnets (as { id }) whose `field` names the resource `id`. */
export function backRefs(ctx: RequestContext, vnets: readonly StoredEntity[], field: string, id: string): Json[] {
  const out: Json[] = [];
  for (const v of vnets)
    for (const s of (obj(v.properties.properties).subnets as unknown[] | undefined) ?? []) {
      const ref = String(obj(obj(obj(s).properties)[field]).id ?? "");
      if (ref !== "" && sameTail(ref, id))
        out.push({ id: `${networkArmId(ctx, virtualNetworkKind, v.name)}/subnets/${String(obj(s).name)}` });
    }
  return out;
}

/** Resource ids compared by provider path (resource group ignored: one namespace). */
function sameTail(a: string, b: string): boolean {
  const tail = (s: string) => s.toLowerCase().replace(/^.*\/providers\//, "");
  return tail(a) === tail(b);
}

/** Azure refuses to delete an NSG or route table that a subnet still uses. */
export async function assertUnreferenced(ctx: RequestContext, kind: NetworkKind, name: string): Promise<void> {
  if (kind.kind === "virtualNetwork") return;
  const field = kind.kind === "networkSecurityGroup" ? "networkSecurityGroup" : "routeTable";
  const refs = backRefs(ctx, await vnetsOf(ctx), field, networkArmId(ctx, kind, name));
  if (refs.length > 0) {
    const code =
      kind.kind === "networkSecurityGroup"
        ? "InUseNetworkSecurityGroupCannotBeDeleted"
        : "InUseRouteTableCannotBeDeleted";
    throw new ApiError(
      409,
      code,
      `${kind.armType} '${name}' is in use by ${refs.map((r) => r.id).join(", ")}; remove it from the subnet first.`,
      { details: refs.map((r) => ({ code, message: String(r.id), target: "properties.subnets" })) },
    );
  }
}

/**
 * A subnet the service sits in cannot disappear under it (Azure: InUseSubnetCannotBeDeleted): checks
 * the whole VNet, or only `subnet` of it.
 */
export async function assertNotInUse(ctx: RequestContext, vnet: string, subnet?: string): Promise<void> {
  const service = await ctx.options.store.get("service", "");
  const inner = `/virtualnetworks/${vnet.toLowerCase()}/subnets/`;
  const hit = subnetIdsOf(service?.properties ?? {}).find((s) => {
    const lower = s.toLowerCase();
    return subnet === undefined ? lower.includes(inner) : lower.endsWith(`${inner}${subnet.toLowerCase()}`);
  });
  if (hit)
    throw new ApiError(
      409,
      "InUseSubnetCannotBeDeleted",
      subnet === undefined
        ? `Virtual network ${vnet} holds the subnet of this API Management service; move the service out first.`
        : `Subnet ${subnet} of virtual network ${vnet} is in use by this API Management service; move the service out first.`,
      {
        details: [
          { code: "InUseSubnetCannotBeDeleted", message: hit, target: "virtualNetworkConfiguration.subnetResourceId" },
        ],
      },
    );
}

/** Subnet ids the service uses, primary first, then each additional location's. */
export function subnetIdsOf(props: Record<string, unknown>): string[] {
  if ((props.virtualNetworkType ?? "None") === "None") return [];
  const out: string[] = [];
  const primary = (props.virtualNetworkConfiguration as { subnetResourceId?: string } | null | undefined)
    ?.subnetResourceId;
  if (primary) out.push(primary);
  for (const l of (props.additionalLocations as { virtualNetworkConfiguration?: { subnetResourceId?: string } }[]) ??
    [])
    if (l.virtualNetworkConfiguration?.subnetResourceId) out.push(l.virtualNetworkConfiguration.subnetResourceId);
  return out;
}
