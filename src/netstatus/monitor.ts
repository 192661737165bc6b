// NetworkStatus (spec network.md §15, apim-reference §2.5): probes each dependency over a real
// connection every interval (15 minutes by default), keeps Azure's ConnectivityStatusContract per
// dependency, and adds the model's verdict (would the declared NSGs and routes allow this flow?) so a
// user sees both "NSG rule deny-all-out (priority 200) blocks TCP 6379" and the live outcome.
import type { Clock } from "../core/clock.js";
import { evaluateFlow, type NetworkIndex, parseIpv4, routeVerdict } from "../network/index.js";
import { type ProbeResult, type ProbeSpec, runProbe } from "./probes.js";

export type ConnectivityState = "initializing" | "success" | "failure";

export interface ConnectivityStatusContract {
  name: string;
  status: ConnectivityState;
  error: string;
  lastUpdated: string;
  lastStatusChange: string;
  resourceType: string;
  isOptional: boolean;
}

export interface NetworkStatusContract {
  dnsServers: string[];
  connectivityStatus: ConnectivityStatusContract[];
}

export interface Dependency {
  /** Host name or label as shown in NetworkStatus, e.g. "sqlsrv.database.windows.net". */
  readonly name: string;
  readonly resourceType: string;
  readonly isOptional: boolean;
  readonly probe: ProbeSpec;
  /** Flow the model checks; defaults to the probe's address and port when it is an IPv4 address. */
  readonly flow?: { readonly protocol: "Tcp" | "Udp"; readonly ip: string; readonly port: number };
}

/** Where the service sits in the declared network, for the model check. */
export interface ModelContext {
  readonly index: NetworkIndex;
  readonly subnetId: string;
  /** Source address of the probing machine (a DIP of the subnet). */
  readonly sourceIp: string;
}

export interface NetworkStatusMonitorOptions {
  readonly dependencies: readonly Dependency[];
  readonly clock: Clock;
  /** Probe period; Azure refreshes every 15 minutes. */
  readonly intervalMs?: number;
  readonly probeTimeoutMs?: number;
  /** DNS servers the service uses (its snapshot); empty = Azure-provided (168.63.129.16). */
  readonly dnsServers?: readonly string[];
  readonly model?: ModelContext;
  /** Runs a probe; defaults to the real network. Injected only to count or fake probes. */
  readonly probe?: (spec: ProbeSpec, timeoutMs: number) => Promise<ProbeResult>;
}

export interface NetworkStatusMonitor {
  /** Probes every dependency once now (a round already in flight is awaited instead). */
  probeNow(): Promise<void>;
  /** First round now, then every interval until stop(). */
  start(): void;
  stop(): void;
  /** Back to "initializing" (after applying network configuration), with a new DNS snapshot. */
  reset(dnsServers?: readonly string[]): void;
  /** Replaces the model used for the declared-rules verdict (NSG or route changes). */
  setModel(model: ModelContext | undefined): void;
  status(): NetworkStatusContract;
}

const azureDns = "168.63.129.16";
const defaultIntervalMs = 15 * 60 * 1000;

function flowOf(dep: Dependency): Dependency["flow"] {
  if (dep.flow) return dep.flow;
  const p = dep.probe;
  if (p.kind === "dns")
    return parseIpv4(p.server) === undefined ? undefined : { protocol: "Udp", ip: p.server, port: p.port ?? 53 };
  if (p.kind === "http") {
    try {
      const url = new URL(p.url);
      const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
      return parseIpv4(url.hostname) === undefined ? undefined : { protocol: "Tcp", ip: url.hostname, port };
    } catch {
      return undefined;
    }
  }
  return parseIpv4(p.host) === undefined ? undefined : { protocol: "Tcp", ip: p.host, port: p.port };
}

/** The declared network's verdict on one dependency, or undefined when it allows the flow. */
export function modelVerdict(model: ModelContext, dep: Dependency): string | undefined {
  const flow = flowOf(dep);
  if (!flow) return undefined;
  const decision = evaluateFlow(
    model.index,
    { subnetId: model.subnetId },
    {
      direction: "Outbound",
      protocol: flow.protocol,
      srcIp: model.sourceIp,
      srcPort: 50000,
      dstIp: flow.ip,
      dstPort: flow.port,
    },
    true,
  );
  if ("error" in decision) return undefined;
  const proto = flow.protocol.toUpperCase();
  if (decision.access === "Deny") {
    const rule = decision.ruleName?.split("/").pop() ?? "?";
    const nsg = decision.nsgId?.split("/").pop();
    return `NSG rule ${rule} (priority ${decision.priority}${nsg ? `, ${nsg}` : ""}) blocks ${proto} ${flow.port} to ${flow.ip}`;
  }
  const route = routeVerdict(
    {
      index: model.index,
      subnetId: model.subnetId,
      location: "",
      dips: [model.sourceIp],
      internetProbeAddress: "203.0.113.200",
    },
    flow.ip,
    "Outbound",
  );
  if (!route.ok)
    return `route to ${flow.ip} goes to ${route.hop?.nextHopType ?? "nowhere"}${route.hop?.nextHopIpAddress ? ` ${route.hop.nextHopIpAddress}` : ""} (${route.kind === "tunnel" ? "forced tunnel drops it" : "dropped"})`;
  return undefined;
}

export function createNetworkStatusMonitor(options: NetworkStatusMonitorOptions): NetworkStatusMonitor {
  const intervalMs = options.intervalMs ?? defaultIntervalMs;
  const timeoutMs = options.probeTimeoutMs ?? 5000;
  const probe = options.probe ?? ((spec: ProbeSpec, t: number) => runProbe(spec, t));
  const iso = () => new Date(options.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  let dnsServers = [...(options.dnsServers ?? [])];
  let model = options.model;
  let entries: ConnectivityStatusContract[] = [];
  let inFlight: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  const init = () => {
    const at = iso();
    entries = options.dependencies.map((d) => ({
      name: d.name,
      status: "initializing",
      error: "",
      lastUpdated: at,
      lastStatusChange: at,
      resourceType: d.resourceType,
      isOptional: d.isOptional,
    }));
  };
  init();

  async function round(): Promise<void> {
    const started = generation;
    const results = await Promise.all(
      options.dependencies.map(async (dep) => {
        const declared = model ? modelVerdict(model, dep) : undefined;
        const live = await probe(dep.probe, timeoutMs);
        return { declared, live };
      }),
    );
    if (started !== generation) return; // reset() while probing: these results describe the old network
    const at = iso();
    results.forEach(({ declared, live }, i) => {
      const entry = entries[i];
      if (!entry) return;
      const status: ConnectivityState = live.ok && !declared ? "success" : "failure";
      const error = [declared && `model: ${declared}`, !live.ok && `live: ${live.error}`].filter(Boolean).join("; ");
      if (status !== entry.status) entry.lastStatusChange = at;
      entry.status = status;
      entry.error = error;
      entry.lastUpdated = at;
    });
  }

  const monitor: NetworkStatusMonitor = {
    probeNow() {
      inFlight ??= round().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    start() {
      if (timer) return;
      const tick = () => {
        void monitor.probeNow().finally(() => {
          if (timer) {
            timer = setTimeout(tick, intervalMs);
            timer.unref?.();
          }
        });
      };
      timer = setTimeout(tick, 0);
      timer.unref?.();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    reset(servers) {
      generation++;
      if (servers) dnsServers = [...servers];
      init();
    },
    setModel(next) {
      model = next;
    },
    status() {
      return {
        dnsServers: dnsServers.length > 0 ? [...dnsServers] : [azureDns],
        connectivityStatus: entries.map((e) => ({ ...e })),
      };
    },
  };
  return monitor;
}
