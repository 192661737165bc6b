// `moat network <sub>`: offline questions about a network (check a template, IP flow verify, next
// hop, effective rules, subnet sizing) and the equivalents of New-AzApiManagement -VirtualNetwork
// (create) and Update-AzApiManagementRegion (update-region). Exit 0 = fine, 1 = findings with
// errors (or a denied flow), 2 = bad usage or unreadable input.
import { readFileSync } from "node:fs";
import { formatDiagnostic } from "../../core/errors.js";
import {
  checkTemplate,
  compileNetwork,
  effectiveRoutes,
  effectiveSecurityRules,
  type IpConsumptionModel,
  ipFlowVerify,
  loadServiceTags,
  type NetworkFinding,
  nextHop,
  parseIpv4,
  parseSubnetId,
  type ServiceTagCatalog,
  sizeSubnet,
  topologyFromDocument,
  validateDeployment,
} from "../../network/index.js";
import { type ParsedArgs, parseArgs } from "../args.js";
import type { Command } from "./command.js";

const defaultTags = new URL("../../../data/service-tags.json", import.meta.url);
const usage = `Usage: moat network <command> [options]
  check <template.json> [--parameters p.json] [--service-tags a.json,b.json] [--no-placeholders] [--location westus] [--subscription id]
        [--platform stv1|stv2] [--ip-model current|seed2020] [--json]
  flow --network net.json --from 10.0.0.4[:port] --to 10.0.1.5:443 [--protocol tcp|udp] [--direction Inbound|Outbound]
  next-hop --network net.json --subnet <subnet id|name> --to 8.8.8.8
  routes --network net.json --subnet <subnet id|name>          (effective routes, incl. Invalid ones)
  effective-rules --network net.json --subnet <subnet id|name>
  size --prefix 10.0.0.0/27 --sku Premium [--mode External|Internal] [--ip-model current|seed2020]
  create --name contoso --subnet <subnet id> --vpn-type External|Internal [--location "West US"] [--sku Premium]
         [--capacity 1] [--publisher-email a@b] [--publisher-name X] [--network net.json]
         [--management-url https://host:3443 --admin-key KEY]
  update-region --service service.json --location "East US" --subnet <subnet id> [--vpn-type ...] [--capacity n]
         [--network net.json] [--management-url ... --admin-key ...]`;

class UsageError extends Error {}

function flag(args: ParsedArgs, name: string, required = false): string | undefined {
  const v = args.flags[name];
  if (typeof v === "string") return v;
  if (required) throw new UsageError(`--${name} is required`);
  return undefined;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${path} is not JSON: ${(e as Error).message}`);
  }
}

function catalogFrom(args: ParsedArgs, out: string[]): ServiceTagCatalog {
  const files = [defaultTags.pathname, ...(flag(args, "service-tags")?.split(",").filter(Boolean) ?? [])];
  // Placeholders by default: the shipped sample has no Storage/Sql ranges, and a check that can only
  // say "unknown" for them is of little use; findings say when a placeholder was used.
  const { catalog, diagnostics } = loadServiceTags(
    files.map((f) => readJson(f, "service-tag file")),
    { placeholders: args.flags["no-placeholders"] !== true },
  );
  for (const d of diagnostics) out.push(formatDiagnostic(d));
  return catalog;
}

function loadNetwork(args: ParsedArgs, catalog: ServiceTagCatalog, out: string[]) {
  const { topology, diagnostics } = topologyFromDocument(
    readJson(flag(args, "network", true) as string, "network file"),
    catalog,
  );
  for (const d of diagnostics) out.push(formatDiagnostic(d));
  return { index: compileNetwork(topology, catalog), topology };
}

function resolveSubnet(topology: ReturnType<typeof loadNetwork>["topology"], text: string): string {
  for (const v of topology.virtualNetworks)
    for (const s of v.subnets)
      if (s.id.toLowerCase() === text.toLowerCase() || s.name === text || `${v.name}/${s.name}` === text) return s.id;
  throw new UsageError(`subnet ${text} is not in the network file`);
}

function endpoint(text: string, what: string): { ip: string; port?: number } {
  const [ip, port] = text.split(":");
  if (!ip || parseIpv4(ip) === undefined)
    throw new UsageError(`${what} must be an IPv4 address (with :port); got ${text}`);
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`${what} port must be 0-65535; got ${port}`);
  return { ip, port: port === undefined ? undefined : Number(port) };
}

function printFindings(
  findings: readonly (NetworkFinding | { severity: string; code: string; message: string; path?: string })[],
  out: string[],
): void {
  for (const f of findings) {
    out.push(formatDiagnostic(f as NetworkFinding));
    if ("fix" in f && f.fix) out.push(`    rule: ${f.rule}\n    fix:  ${f.fix}`);
  }
}

async function run(argv: readonly string[], out: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, new Set(["json", "no-placeholders"]));
  const json = args.flags.json === true;
  switch (sub) {
    case "check": {
      const file = args.positionals[0];
      if (!file) throw new UsageError("check needs a template file");
      if (/\.(bicep|tf|hcl)$/i.test(file))
        throw new UsageError(
          `${file}: Bicep and Terraform are not read; compile Bicep to JSON first (az bicep build --file ${file}) or export the deployment's ARM template`,
        );
      const catalog = catalogFrom(args, out);
      const parameters = flag(args, "parameters");
      const result = checkTemplate(readJson(file, "template"), {
        catalog,
        parameters: parameters ? readJson(parameters, "parameters file") : undefined,
        location: flag(args, "location"),
        subscriptionId: flag(args, "subscription"),
        platformVersion: flag(args, "platform") === "stv2" ? "stv2" : undefined,
        ipConsumptionModel: flag(args, "ip-model") as IpConsumptionModel | undefined,
      });
      if (json) out.push(JSON.stringify({ services: result.services, findings: result.findings }, null, 2));
      else {
        out.push(
          result.services.length
            ? result.services.map((s) => `service ${s.name} (${s.virtualNetworkType}) at ${s.path}`).join("\n")
            : "no Microsoft.ApiManagement/service in this template",
        );
        printFindings(result.findings, out);
        const count = (s: string) => result.findings.filter((f) => f.severity === s).length;
        out.push(`${count("error")} error(s), ${count("warning")} warning(s), ${count("info")} info`);
      }
      return result.findings.some((f) => f.severity === "error") ? 1 : 0;
    }
    case "flow": {
      const catalog = catalogFrom(args, out);
      const { index, topology } = loadNetwork(args, catalog, out);
      const from = endpoint(flag(args, "from", true) as string, "--from");
      const to = endpoint(flag(args, "to", true) as string, "--to");
      const toSubnet = index.subnetOfIp(parseIpv4(to.ip) as number);
      const fromSubnet = index.subnetOfIp(parseIpv4(from.ip) as number);
      const direction = flag(args, "direction") ?? (toSubnet ? "Inbound" : "Outbound");
      const local = direction === "Inbound" ? to : from;
      const remote = direction === "Inbound" ? from : to;
      const subnet = direction === "Inbound" ? toSubnet : fromSubnet;
      if (!subnet) throw new UsageError(`${local.ip} is not in any subnet of the network file`);
      const nic = index.nicByIp(local.ip);
      const r = ipFlowVerify(index, {
        targetResourceId: nic?.id ?? subnet.subnet.id,
        direction,
        protocol: flag(args, "protocol") ?? "tcp",
        localPort: String(local.port ?? "*"),
        remotePort: String(remote.port ?? "*"),
        localIPAddress: local.ip,
        remoteIPAddress: remote.ip,
      });
      void topology;
      if (!r.ok) {
        printFindings(r.diagnostics, out);
        return 2;
      }
      out.push(
        json
          ? JSON.stringify({ ...r.result, trace: r.decision.trace }, null, 2)
          : `${r.result.access}${r.result.ruleName ? ` by ${r.result.ruleName}` : " (no NSG applies)"}${r.decision.nsgId ? ` in ${r.decision.nsgId}` : ""}`,
      );
      return r.result.access === "Allow" ? 0 : 1;
    }
    case "next-hop": {
      const catalog = catalogFrom(args, out);
      const { index, topology } = loadNetwork(args, catalog, out);
      const subnetId = resolveSubnet(topology, flag(args, "subnet", true) as string);
      const to = endpoint(flag(args, "to", true) as string, "--to");
      const hop = nextHop(index, subnetId, to.ip);
      if (!hop) throw new UsageError("no next hop");
      const result = {
        nextHopType: hop.nextHopType,
        nextHopIpAddress: hop.nextHopIpAddress,
        routeTableId: hop.routeTableId,
        matchedPrefix: hop.matchedPrefix,
      };
      out.push(
        json
          ? JSON.stringify(result, null, 2)
          : `${hop.nextHopType}${hop.nextHopIpAddress ? ` ${hop.nextHopIpAddress}` : ""} via ${hop.matchedPrefix} (${hop.routeTableId})`,
      );
      return 0;
    }
    case "routes": {
      const catalog = catalogFrom(args, out);
      const { index, topology } = loadNetwork(args, catalog, out);
      const routes = effectiveRoutes(index, resolveSubnet(topology, flag(args, "subnet", true) as string));
      const rows = routes.map((r) => ({
        source: r.source,
        state: r.state,
        name: r.name,
        addressPrefix: r.addressPrefix,
        prefixes: r.prefixes.map((p) => p.text),
        nextHopType: r.nextHopType,
        nextHopIpAddress: r.nextHopIpAddress,
      }));
      if (json) out.push(JSON.stringify({ value: rows }, null, 2));
      else
        for (const r of rows)
          out.push(
            `${r.source.padEnd(21)} ${r.state.padEnd(7)} ${r.addressPrefix.padEnd(24)} ${r.nextHopType}${r.nextHopIpAddress ? ` ${r.nextHopIpAddress}` : ""}${r.prefixes.length > 1 || r.prefixes[0] !== r.addressPrefix ? `  (${r.prefixes.length} prefix(es))` : ""}`,
          );
      return 0;
    }
    case "effective-rules": {
      const catalog = catalogFrom(args, out);
      const { index, topology } = loadNetwork(args, catalog, out);
      const groups = effectiveSecurityRules(index, resolveSubnet(topology, flag(args, "subnet", true) as string));
      if ("error" in groups) throw new UsageError(groups.error);
      if (json) out.push(JSON.stringify({ value: groups }, null, 2));
      else
        for (const g of groups) {
          out.push(`${g.networkSecurityGroup.id}`);
          for (const r of g.effectiveSecurityRules)
            out.push(
              `  ${r.direction.padEnd(8)} ${String(r.priority).padStart(5)} ${r.access.padEnd(5)} ${r.protocol.padEnd(4)} ${r.sourceAddressPrefix} -> ${r.destinationAddressPrefix}:${r.destinationPortRanges.join(",")}  ${r.name}`,
            );
        }
      return 0;
    }
    case "size": {
      const mode = flag(args, "mode") ?? "External";
      if (mode !== "External" && mode !== "Internal") throw new UsageError("--mode must be External or Internal");
      const r = sizeSubnet(
        flag(args, "prefix", true) as string,
        flag(args, "sku") ?? "Premium",
        mode,
        (flag(args, "ip-model") as IpConsumptionModel) ?? "current",
      );
      if (!r.ok) throw new UsageError(r.message);
      const s = r.sizing;
      out.push(
        json
          ? JSON.stringify(s, null, 2)
          : `${s.prefix}: ${s.usable} usable (${s.usableFirst}-${s.usableLast}; reserved ${s.reserved.join(" ")}); ${s.perUnit} per unit + ${s.overhead} overhead -> ${s.maxUnits} unit(s)${s.unitsByAddresses > s.skuMaxUnits ? ` (SKU cap ${s.skuMaxUnits}; addresses allow ${s.unitsByAddresses})` : ""}${s.tooSmall ? "; smaller than /29: not allowed" : ""}`,
      );
      return s.tooSmall || s.maxUnits === 0 ? 1 : 0;
    }
    case "create":
    case "update-region":
      return createOrUpdate(sub, args, out);
    default:
      throw new UsageError(sub ? `unknown network command "${sub}"` : "missing network command");
  }
}

async function createOrUpdate(sub: "create" | "update-region", args: ParsedArgs, out: string[]): Promise<number> {
  const vpnType = flag(args, "vpn-type");
  if (vpnType !== undefined && !["None", "External", "Internal"].includes(vpnType))
    throw new UsageError("--vpn-type must be None, External or Internal");
  const subnetId = flag(args, "subnet", sub === "update-region" || vpnType !== "None");
  const parsed = subnetId ? parseSubnetId(subnetId) : undefined;
  if (subnetId && !parsed) throw new UsageError(`--subnet is not a subnet resource id: ${subnetId}`);
  let body: {
    id?: string;
    name?: string;
    location: string;
    sku: { name: string; capacity: number };
    properties: Record<string, unknown>;
  };
  if (sub === "create") {
    const name = flag(args, "name", true) as string;
    const subscription = flag(args, "subscription") ?? parsed?.subscriptionId ?? "00000000-0000-0000-0000-000000000000";
    const group = flag(args, "resource-group") ?? parsed?.resourceGroup ?? "moat";
    body = {
      id: `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ApiManagement/service/${name}`,
      name,
      location: flag(args, "location") ?? "West US",
      sku: { name: flag(args, "sku") ?? "Developer", capacity: Number(flag(args, "capacity") ?? 1) },
      properties: {
        publisherEmail: flag(args, "publisher-email") ?? "admin@example.com",
        publisherName: flag(args, "publisher-name") ?? name,
        virtualNetworkType: vpnType ?? "External",
        ...(subnetId && vpnType !== "None" ? { virtualNetworkConfiguration: { subnetResourceId: subnetId } } : {}),
      },
    };
  } else {
    body = readJson(flag(args, "service", true) as string, "service file") as typeof body;
    const location = flag(args, "location", true) as string;
    const norm = (l: string) => l.replace(/\s+/g, "").toLowerCase();
    const config = { subnetResourceId: subnetId };
    body.properties = { ...(body.properties ?? {}) };
    if (vpnType) body.properties.virtualNetworkType = vpnType;
    if (norm(body.location ?? "") === norm(location)) {
      body.properties.virtualNetworkConfiguration = config;
      if (flag(args, "capacity")) body.sku = { ...body.sku, capacity: Number(flag(args, "capacity")) };
    } else {
      const extra = (Array.isArray(body.properties.additionalLocations) ? body.properties.additionalLocations : []) as {
        location: string;
        sku?: unknown;
      }[];
      const at = extra.findIndex((l) => norm(l.location) === norm(location));
      if (at < 0)
        throw new UsageError(
          `location ${location} is neither the primary location nor an additional location of the service`,
        );
      extra[at] = {
        ...extra[at],
        location: extra[at]?.location ?? location,
        virtualNetworkConfiguration: config,
        ...(flag(args, "capacity") ? { sku: { name: body.sku.name, capacity: Number(flag(args, "capacity")) } } : {}),
      } as (typeof extra)[number];
      body.properties.additionalLocations = extra;
    }
  }
  if (typeof args.flags.network === "string") {
    const catalog = catalogFrom(args, out);
    const { index } = loadNetwork(args, catalog, out);
    const findings = validateDeployment(body as never, index, {});
    printFindings(findings, out);
    if (findings.some((f) => f.severity === "error")) {
      out.push("not sent: the network check found errors");
      return 1;
    }
  }
  const url = flag(args, "management-url");
  if (!url) {
    out.push(JSON.stringify(body, null, 2));
    return 0;
  }
  const key = flag(args, "admin-key", true) as string;
  const target = `${url.replace(/\/+$/, "")}${body.id ?? ""}?api-version=2021-08-01`;
  const response = await fetch(target, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  out.push(`PUT ${target} -> ${response.status}`);
  out.push(await response.text());
  return response.ok ? 0 : 1;
}

/** Runs a network sub-command, collecting output lines; exported for in-process tests. */
export async function runNetwork(argv: readonly string[]): Promise<{ code: number; output: string }> {
  const out: string[] = [];
  try {
    const code = await run(argv, out);
    return { code, output: out.join("\n") };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, output: [...out, `moat network: ${e.message}`, usage].join("\n") };
    return { code: 2, output: [...out, `moat network: ${(e as Error).message}`].join("\n") };
  }
}

export const networkCommand: Command = {
  name: "network",
  summary:
    "check templates, IP flow verify, next hop, effective rules, subnet sizing; create/move services into a VNet",
  async run(argv) {
    const { code, output } = await runNetwork(argv);
    (code === 2 ? console.error : console.log)(output);
    return code;
  },
};
