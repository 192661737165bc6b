// The virtual-network runtime of one Moat process: follows the service's network settings in the
// store and applies them to the running parts without a restart —
//   * listeners: the gateway is re-bound per access mode (gateway.rebind keeps in-flight requests);
//     Internal mode refuses clients outside the network's address space;
//   * backends: host names resolve through the VNet's DNS servers (the snapshot taken at deployment
//     and at applynetworkconfigurationupdates) and connections leave from the private address;
//   * management: only the allowed control-plane sources may connect;
//   * NetworkStatus: a monitor probes the real dependencies with the declared network's verdict.
import type { Clock } from "../core/clock.js";
import type { BackendSocketOptions } from "../gateway/proxy/upstreams.js";
import type { BoundAddress, ListenAddress } from "../gateway/server/listeners.js";
import {
  createNetworkStatusMonitor,
  type Dependency,
  dependenciesFromConfig,
  type MoatDependencyConfig,
  type NetworkStatusContract,
  type NetworkStatusMonitor,
  type ProbeResult,
  type ProbeSpec,
  runProbe,
} from "../netstatus/index.js";
import { compileClientFilter, parseIpv4, type ServiceTagCatalog, sameRegion } from "../network/index.js";
import type { ConfigStore } from "../store/contract.js";
import { type BindingPlan, type HostAddresses, planBindings, samePlan } from "./bindings.js";
import { compileSourceFilter } from "./client-filter.js";
import { createNetworkResolver, type NetworkResolver } from "./dns-lookup.js";
import { type NetworkState, readNetworkState } from "./network-state.js";

export interface VnetLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface VnetRuntimeOptions {
  readonly store: ConfigStore;
  readonly clock: Clock;
  /** Location this process serves. */
  readonly location: string;
  readonly host: HostAddresses;
  /** Explicit control-plane sources; default: loopback and the network's address space. */
  readonly managementAllowedSources?: readonly string[];
  readonly catalog: ServiceTagCatalog;
  /** Moat's own dependencies (store, Redis, SMTP, log sinks, metrics) for NetworkStatus. */
  readonly dependencies: MoatDependencyConfig;
  readonly networkStatusIntervalMs: number;
  readonly log: VnetLog;
  readonly debounceMs?: number;
  /** Runs the probes (tests count them); default: real connections. */
  readonly probe?: (spec: ProbeSpec, timeoutMs: number) => Promise<ProbeResult>;
}

export type GatewayListener = Omit<ListenAddress, "host" | "allow">;

export interface RebindTarget {
  rebind(addresses: readonly ListenAddress[]): Promise<BoundAddress[]>;
}

export interface VnetRuntime {
  /** Reads the store and starts following it. */
  start(): Promise<void>;
  /** Backend sockets through the network (give to the gateway). */
  readonly backendSocket: BackendSocketOptions;
  /** Listener addresses for the current mode: each listener (port, TLS) on each bound host. */
  gatewayAddresses(listeners: readonly GatewayListener[]): ListenAddress[];
  /** The gateway to re-bind when the mode changes; `onPlan` hears every changed plan (portal). */
  attach(
    gateway: RebindTarget | undefined,
    listeners: readonly GatewayListener[],
    onPlan?: (plan: BindingPlan) => Promise<void>,
  ): void;
  plan(): BindingPlan;
  allowManagementClient(remoteAddress: string): boolean;
  status(location: string): NetworkStatusContract | undefined;
  /** Re-reads the store and applies the result now (tests; the watch does it after changes). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

const watchedKinds = new Set(["service", "virtualNetwork", "networkSecurityGroup", "routeTable", "api", "backend"]);
const loopback = ["127.0.0.0/8", "::1"];

export function createVnetRuntime(o: VnetRuntimeOptions): VnetRuntime {
  const resolver: NetworkResolver = createNetworkResolver({ clock: o.clock });
  let state: NetworkState | undefined;
  let plan: BindingPlan = planBindings("None", o.host);
  // Backend connections follow the network state as soon as it is read, like the DNS servers: a unit
  // whose listeners cannot move yet (a cluster worker waiting to be replaced) must not call backends
  // through the VNet's DNS from its old source address.
  let backendSource = plan.backendSource;
  // What the gateway's listeners actually follow; undefined after a failed rebind released them.
  let listening: BindingPlan | undefined = plan;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelayMs = 0;
  let failures = 0;
  let clientFilter: (ip: string) => boolean = () => true;
  let managementFilter: (ip: string) => boolean = compileSourceFilter(o.managementAllowedSources ?? loopback).allows;
  let gateway: RebindTarget | undefined;
  let listeners: readonly GatewayListener[] = [];
  let onPlan: ((plan: BindingPlan) => Promise<void>) | undefined;
  let monitor: NetworkStatusMonitor | undefined;
  let monitorKey = "";
  let stopWatch: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const backendHosts = new Set<string>();
  const probe = o.probe ?? runProbe;
  // Backend names resolve through the network's DNS, as the gateway's connections do.
  const networkProbe = async (spec: ProbeSpec, timeoutMs: number): Promise<ProbeResult> => {
    if (spec.kind === "tcp" && backendHosts.has(spec.host) && parseIpv4(spec.host) === undefined) {
      const started = o.clock.monotonic();
      try {
        const [ip] = await resolver.resolve(spec.host);
        if (ip === undefined) return { ok: false, error: `no address for ${spec.host}`, durationMs: 0 };
        const r = await probe({ ...spec, host: ip }, timeoutMs);
        return r.ok ? r : { ...r, error: `${spec.host} (${ip}:${spec.port}): ${r.error ?? "failed"}` };
      } catch (err) {
        return { ok: false, error: (err as Error).message, durationMs: o.clock.monotonic() - started };
      }
    }
    return probe(spec, timeoutMs);
  };

  const addressesFor = (p: BindingPlan, list: readonly GatewayListener[]): ListenAddress[] => {
    const allow = p.networkClientsOnly ? (ip: string) => clientFilter(ip) : undefined;
    return p.hosts.flatMap((host) => list.map((l) => ({ ...l, host, ...(allow ? { allow } : {}) })));
  };

  async function dependencies(s: NetworkState): Promise<Dependency[]> {
    const { dependencies: own, diagnostics } = dependenciesFromConfig({ ...o.dependencies, dnsServers: s.dnsServers });
    for (const d of diagnostics) o.log.warn({ path: d.path }, d.message);
    backendHosts.clear();
    for (const origin of s.backends) {
      const u = new URL(origin);
      const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
      backendHosts.add(u.hostname);
      // The declared rules are checked against the address the name resolves to in the network.
      const ip =
        parseIpv4(u.hostname) === undefined
          ? await resolver.resolve(u.hostname).then(
              (list) => list[0],
              () => undefined,
            )
          : u.hostname;
      own.push({
        name: u.host,
        resourceType: "Backend",
        isOptional: true,
        probe: { kind: "tcp", host: u.hostname, port },
        ...(ip ? { flow: { protocol: "Tcp" as const, ip, port } } : {}),
      });
    }
    return own;
  }

  async function apply(): Promise<void> {
    if (closed) return;
    const next = await readNetworkState(o.store, o.location, o.catalog);
    const previous = state;
    state = next;
    if (!previous || previous.appliedAt !== next.appliedAt || previous.dnsServers.join() !== next.dnsServers.join())
      resolver.setServers(next.dnsServers);
    const inNetwork = next.mode !== "None" && next.subnetId !== undefined && next.index.subnet(next.subnetId);
    clientFilter = inNetwork ? compileClientFilter(next.index, next.subnetId as string) : () => true;
    if (!o.managementAllowedSources) {
      const network = clientFilter;
      const local = compileSourceFilter(loopback).allows;
      managementFilter = inNetwork ? (ip) => local(ip) || network(ip) : local;
    }
    const nextPlan = planBindings(next.mode, o.host);
    backendSource = nextPlan.backendSource;
    for (const w of nextPlan.warnings) o.log.warn({ mode: next.mode }, w);
    if (!samePlan(plan, nextPlan) || (gateway && !samePlan(listening, nextPlan))) {
      let failed: "gateway" | "portal" = "gateway";
      try {
        if (gateway && !samePlan(listening, nextPlan)) {
          const bound = await gateway.rebind(addressesFor(nextPlan, listeners));
          listening = nextPlan;
          o.log.info({ mode: nextPlan.mode, listeners: bound }, "gateway re-bound for the network mode");
        }
        failed = "portal";
        if (onPlan) await onPlan(nextPlan);
        plan = nextPlan;
        retryDelayMs = 0;
        failures = 0;
      } catch (err) {
        await rebindFailed(err, nextPlan, failed);
      }
    } else plan = nextPlan;

    const deps = await dependencies(next);
    const key = JSON.stringify([deps.map((d) => [d.name, d.probe, d.flow]), next.appliedAt, next.mode]);
    const model =
      inNetwork && o.host.privateAddress
        ? { index: next.index, subnetId: next.subnetId as string, sourceIp: o.host.privateAddress }
        : undefined;
    if (key !== monitorKey) {
      monitor?.stop();
      monitorKey = key;
      monitor = createNetworkStatusMonitor({
        dependencies: deps,
        clock: o.clock,
        intervalMs: o.networkStatusIntervalMs,
        dnsServers: next.dnsServers,
        probe: networkProbe,
        ...(model ? { model } : {}),
      });
      monitor.start();
    } else monitor?.setModel(model);
  }

  /**
   * A rebind is all or nothing, so the previous listeners still serve. That is kept, and retried
   * with a growing pause, unless keeping them is wrong: towards Internal an old public listener
   * must not stay open, and an address still in use (cluster workers share one listening socket per
   * address: a wildcard is freed only once every worker has let go of it) is freed on our side so
   * the workers, each retrying, converge instead of holding the old address for one another.
   */
  async function rebindFailed(err: unknown, target: BindingPlan, failed: "gateway" | "portal"): Promise<void> {
    const code = (err as NodeJS.ErrnoException).code;
    if (failed === "gateway" && gateway && (target.networkClientsOnly || code === "EADDRINUSE")) {
      await gateway.rebind([]).catch(() => undefined);
      listening = undefined;
    }
    // Released listeners wait on the other workers: keep retrying often, logging now and then.
    const cap = listening === undefined ? 1000 : 30_000;
    retryDelayMs = Math.min(retryDelayMs === 0 ? 100 : retryDelayMs * 2, cap);
    if (failures++ % 30 === 0)
      o.log.warn(
        { err, mode: target.mode, released: listening === undefined, retryInMs: retryDelayMs, failures },
        `${failed === "gateway" ? "gateway listeners" : "portal"} not re-bound for the network mode`,
      );
    if (retryTimer || closed) return;
    // Jitter: workers that failed together do not retry in lockstep.
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        running = running.then(apply).catch((e: unknown) => o.log.warn({ err: e }, "network settings not applied"));
      },
      retryDelayMs * (0.5 + Math.random()),
    );
    retryTimer.unref?.();
  }

  // Changes are applied one at a time, in order; a burst of writes becomes one pass.
  const schedule = () => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(apply).catch((err: unknown) => o.log.warn({ err }, "network settings not applied"));
    }, o.debounceMs ?? 50);
    timer.unref?.();
  };

  return {
    async start() {
      // The revision is taken before the state is read: a change committed while apply() runs is
      // then replayed by the watch (applying twice is harmless), never missed.
      const from = await o.store.revision();
      await apply();
      stopWatch = o.store.watch(from, (event) => {
        if (watchedKinds.has(event.kind)) schedule();
      });
    },
    backendSocket: {
      lookup: resolver.lookup,
      localAddress: () => backendSource,
    },
    gatewayAddresses: (list) => addressesFor(plan, list),
    attach(target, list, hook) {
      gateway = target;
      // The gateway was started on gatewayAddresses() of the current plan.
      listening = plan;
      listeners = list;
      onPlan = hook;
    },
    plan: () => plan,
    allowManagementClient: (ip) => managementFilter(ip),
    // Only this process's location is probed here; other locations are answered by their own units.
    status: (location) => (sameRegion(location, o.location) ? monitor?.status() : undefined),
    refresh() {
      running = running.then(apply);
      return running;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (retryTimer) clearTimeout(retryTimer);
      stopWatch?.();
      monitor?.stop();
      await running.catch(() => undefined);
    },
  };
}
