// `--units N`: N gateway unit processes on one machine sharing the listening ports (node:cluster;
// the primary owns the sockets and hands connections to the workers). The primary supervises: a
// worker that dies is replaced, with a growing pause when workers die right after starting, so a
// broken configuration does not turn into a fork storm.
import cluster, { type Worker } from "node:cluster";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { GatewayRoleSpec, LogFn } from "./gateway-role.js";

/** Primary → worker, and worker → primary. */
export type PrimaryMessage = { readonly type: "start"; readonly spec: GatewayRoleSpec } | { readonly type: "stop" };
export type WorkerMessage =
  | { readonly type: "hello" }
  /** The worker is about to stop so a fresh one takes its place (network mode change). */
  | { readonly type: "replace"; readonly reason: string }
  | { readonly type: "ready"; readonly ports: readonly number[]; readonly metricsPort: number | undefined }
  | { readonly type: "failed"; readonly message: string };

export interface UnitClusterOptions {
  readonly units: number;
  /** Spec of unit i (0-based): same ports for all; a metrics port of its own. */
  readonly spec: (index: number) => GatewayRoleSpec;
  readonly log: LogFn;
  /** First pause before replacing a dead worker (default 200 ms), doubled per quick death up to 10 s. */
  readonly restartDelayMs?: number;
}

export interface UnitInfo {
  readonly index: number;
  readonly pid: number;
  readonly ports: readonly number[];
  readonly metricsPort: number | undefined;
}

export interface UnitCluster {
  /** Resolves when every unit has started once (rejects if one fails to start). */
  readonly ready: Promise<readonly UnitInfo[]>;
  /** Units currently running. */
  units(): UnitInfo[];
  /** Restarts so far (workers that died and were replaced). */
  readonly restarts: number;
  close(): Promise<void>;
}

/** Node options to hand to workers: the loaders (tsx in development), without the parent's -e script. */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "-e" || a === "--eval" || a === "-p" || a === "--print") {
      i++;
      continue;
    }
    if (a.startsWith("--eval=") || a.startsWith("--print=") || a === "--test" || a.startsWith("--test-")) continue;
    out.push(a);
  }
  return out;
}

export function startUnitCluster(options: UnitClusterOptions): UnitCluster {
  if (!cluster.isPrimary) throw new Error("startUnitCluster must run in the primary process");
  cluster.setupPrimary({
    exec: fileURLToPath(new URL(`./unit-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)),
    execArgv: workerExecArgv(),
    args: [],
    silent: false,
  });
  const running = new Map<number, { worker: Worker; info?: UnitInfo; startedAt: number }>();
  const delays = new Map<number, number>();
  let stopping = false;
  let restarts = 0;
  let pendingFirst = options.units;
  let settle!: { resolve: (units: readonly UnitInfo[]) => void; reject: (e: Error) => void };
  const ready = new Promise<readonly UnitInfo[]>((resolve, reject) => {
    settle = { resolve, reject };
  });
  ready.catch(() => undefined);
  const timers = new Set<NodeJS.Timeout>();

  const fork = (index: number) => {
    const worker = cluster.fork({ MOAT_UNIT_INDEX: String(index) });
    const slot: { worker: Worker; info?: UnitInfo; startedAt: number; replacing?: boolean } = {
      worker,
      startedAt: performance.now(),
    };
    running.set(index, slot);
    worker.on("message", (message: WorkerMessage) => {
      // "online" comes before the worker's code has loaded: wait for its hello, or the spec is lost.
      if (message.type === "hello") worker.send({ type: "start", spec: options.spec(index) } satisfies PrimaryMessage);
      else if (message.type === "ready") {
        slot.info = { index, pid: worker.process.pid ?? 0, ports: message.ports, metricsPort: message.metricsPort };
        options.log("info", `unit ${index + 1} (pid ${slot.info.pid}) serving on port(s) ${message.ports.join(", ")}`);
        if (pendingFirst > 0 && --pendingFirst === 0)
          settle.resolve([...running.values()].flatMap((s) => (s.info ? [s.info] : [])));
      } else if (message.type === "replace") {
        slot.replacing = true;
        options.log("info", `unit ${index + 1} (pid ${worker.process.pid}) is replaced: ${message.reason}`);
      } else if (message.type === "failed") {
        options.log("error", `unit ${index + 1} failed to start: ${message.message}`);
        if (pendingFirst > 0) settle.reject(new Error(`unit ${index + 1} failed to start: ${message.message}`));
      }
    });
    worker.on("error", () => undefined);
    worker.on("exit", (code, signal) => {
      if (running.get(index)?.worker === worker) running.delete(index);
      if (stopping) return;
      const lived = performance.now() - slot.startedAt;
      const base = options.restartDelayMs ?? 200;
      // A replacement the worker asked for starts at once and does not count as a quick death.
      const delay = slot.replacing ? 0 : lived < 5000 ? Math.min((delays.get(index) ?? base / 2) * 2, 10_000) : base;
      if (!slot.replacing) delays.set(index, delay);
      restarts++;
      options.log(
        "warn",
        `unit ${index + 1} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); restarting in ${Math.round(delay)} ms`,
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) fork(index);
      }, delay);
      timers.add(timer);
    });
  };
  for (let i = 0; i < options.units; i++) fork(i);

  return {
    ready,
    units: () => [...running.values()].flatMap((s) => (s.info ? [s.info] : [])),
    get restarts() {
      return restarts;
    },
    async close() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const exits = [...running.values()].map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill("SIGKILL"), 10_000);
            worker.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            if (worker.isConnected()) worker.send({ type: "stop" } satisfies PrimaryMessage);
            else worker.process.kill("SIGTERM");
          }),
      );
      await Promise.all(exits);
      running.clear();
    },
  };
}
