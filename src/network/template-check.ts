// `moat network check`: load an ARM template, turn its network resources into a Topology, validate
// each resource and every API Management service in a network, and collect all findings.
import type { Diagnostic } from "../core/errors.js";
import {
  type ArmScope,
  fromArmNetworkInterface,
  fromArmNetworkSecurityGroup,
  fromArmRouteTable,
  fromArmSubnet,
  fromArmVirtualNetwork,
} from "./arm-shapes.js";
import { type LoadedTemplate, loadTemplate, type TemplateOptions, type TemplateResource } from "./arm-template.js";
import {
  validateNetworkSecurityGroup,
  validateRouteTable,
  validateTopology,
  validateVirtualNetwork,
} from "./arm-validators.js";
import type { Topology } from "./model.js";
import type { ServiceTagCatalog } from "./service-tags.js";
import { compileNetwork, type NetworkOptions } from "./topology-index.js";
import {
  type ApimServiceInput,
  type DeploymentValidationOptions,
  type NetworkFinding,
  validateDeployment,
} from "./validate-deployment.js";

export interface TemplateCheckResult {
  readonly topology: Topology;
  readonly services: readonly { readonly name: string; readonly path: string; readonly virtualNetworkType: string }[];
  readonly findings: readonly (Diagnostic & Partial<NetworkFinding>)[];
}

const is = (r: TemplateResource, type: string) => r.type.toLowerCase() === type.toLowerCase();

/** Builds the topology described by a loaded template (child subnet/rule/route resources merged in). */
export function topologyFromTemplate(loaded: LoadedTemplate, scope: ArmScope): Topology {
  const topology: Topology = { virtualNetworks: [], networkSecurityGroups: [], routeTables: [], networkInterfaces: [] };
  const withId = (r: TemplateResource) => ({ ...r.body, id: r.id, name: r.name.split("/").pop() });
  for (const r of loaded.resources) {
    if (is(r, "Microsoft.Network/virtualNetworks"))
      topology.virtualNetworks.push(fromArmVirtualNetwork(withId(r), scope));
    else if (is(r, "Microsoft.Network/networkSecurityGroups"))
      topology.networkSecurityGroups.push(fromArmNetworkSecurityGroup(withId(r), scope));
    else if (is(r, "Microsoft.Network/routeTables")) topology.routeTables.push(fromArmRouteTable(withId(r), scope));
    else if (is(r, "Microsoft.Network/networkInterfaces")) {
      const nic = fromArmNetworkInterface(withId(r), scope);
      if (nic) topology.networkInterfaces?.push(nic);
    }
  }
  const parentId = (r: TemplateResource) =>
    r.id.slice(0, r.id.toLowerCase().lastIndexOf("/", r.id.toLowerCase().lastIndexOf("/") - 1));
  for (const r of loaded.resources) {
    const parent = parentId(r).toLowerCase();
    if (is(r, "Microsoft.Network/virtualNetworks/subnets")) {
      const vnet = topology.virtualNetworks.find((v) => v.id.toLowerCase() === parent);
      const subnet = fromArmSubnet({ ...r.body, id: r.id, name: r.name.split("/").pop() }, parent);
      if (vnet) vnet.subnets = [...vnet.subnets.filter((s) => s.id.toLowerCase() !== r.id.toLowerCase()), subnet];
    } else if (is(r, "Microsoft.Network/networkSecurityGroups/securityRules")) {
      const nsg = topology.networkSecurityGroups.find((n) => n.id.toLowerCase() === parent);
      nsg?.securityRules.push({ ...(r.body.properties as object), name: r.name.split("/").pop() ?? "" } as never);
    } else if (is(r, "Microsoft.Network/routeTables/routes")) {
      const table = topology.routeTables.find((t) => t.id.toLowerCase() === parent);
      table?.routes.push({ ...(r.body.properties as object), name: r.name.split("/").pop() ?? "" } as never);
    } else if (is(r, "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")) {
      const vnet = topology.virtualNetworks.find((v) => v.id.toLowerCase() === parent);
      const p = (r.body.properties ?? {}) as { remoteVirtualNetwork?: { id?: string } };
      if (vnet && p.remoteVirtualNetwork?.id)
        vnet.virtualNetworkPeerings = [
          ...(vnet.virtualNetworkPeerings ?? []),
          {
            name: r.name,
            remoteVirtualNetworkId: p.remoteVirtualNetwork.id,
            peeringState: "Connected",
          },
        ];
    }
  }
  return topology;
}

export interface TemplateCheckOptions extends TemplateOptions, NetworkOptions, DeploymentValidationOptions {
  readonly catalog: ServiceTagCatalog;
}

export function checkTemplate(template: unknown, options: TemplateCheckOptions): TemplateCheckResult {
  const loaded = loadTemplate(template, options);
  const scope: ArmScope = {
    subscriptionId: options.subscriptionId ?? "00000000-0000-0000-0000-000000000000",
    resourceGroup: options.resourceGroup ?? "rg",
  };
  const topology = topologyFromTemplate(loaded, scope);
  const findings: (Diagnostic & Partial<NetworkFinding>)[] = [...loaded.diagnostics];
  const at = (r: TemplateResource, ds: readonly Diagnostic[]) =>
    ds.map((d) => ({ ...d, path: `${r.path}${d.path ? `.${d.path}` : ""}` }));
  for (const r of loaded.resources) {
    if (is(r, "Microsoft.Network/virtualNetworks")) findings.push(...at(r, validateVirtualNetwork(r.body)));
    else if (is(r, "Microsoft.Network/networkSecurityGroups"))
      findings.push(...at(r, validateNetworkSecurityGroup(r.body, options.catalog)));
    else if (is(r, "Microsoft.Network/routeTables"))
      findings.push(...at(r, validateRouteTable(r.body, options.catalog)));
  }
  findings.push(...validateTopology(topology));
  const index = compileNetwork(topology, options.catalog, options);
  const services: { name: string; path: string; virtualNetworkType: string }[] = [];
  for (const r of loaded.resources) {
    if (!is(r, "Microsoft.ApiManagement/service")) continue;
    const body = r.body as Partial<ApimServiceInput> & { properties?: ApimServiceInput["properties"] };
    const service: ApimServiceInput = {
      id: r.id,
      name: r.name,
      location: typeof body.location === "string" ? body.location : (options.location ?? "westus"),
      sku: { name: String(body.sku?.name ?? ""), capacity: Number(body.sku?.capacity ?? 1) },
      properties: body.properties ?? {},
    };
    const type = String(service.properties.virtualNetworkType ?? "None");
    services.push({ name: r.name, path: r.path, virtualNetworkType: type });
    for (const f of validateDeployment(service, index, { ...options, subscriptionId: scope.subscriptionId })) {
      // NSG rule problems were already reported above with their template paths.
      if (f.check === "NSG") continue;
      // The template may point at a VNet deployed elsewhere: say so rather than fail the check.
      if (f.code === "SubnetNotFound")
        findings.push({
          ...f,
          severity: "warning",
          message: `${f.message} It is not defined in this template, so its NSG, routes and size were not checked.`,
          path: `${r.path}.${f.path}`,
        });
      else
        findings.push({
          ...f,
          path: f.path?.startsWith("properties") || f.path?.startsWith("sku") ? `${r.path}.${f.path}` : f.path,
        });
    }
  }
  return { topology, services, findings };
}
