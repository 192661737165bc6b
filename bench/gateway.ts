// Gateway benchmark (a script, not a test): node --import tsx bench/gateway.ts
// Starts a tiny upstream, then each target in turn pinned to PROXY_CPU while wrk runs on LOAD_CPU,
// and prints req/s, p50/p99 latency, the target's CPU µs per request and RSS, as medians of ROUNDS
// interleaved rounds. Targets: direct (upstream alone), node-proxy (bench-peers' minimal
// node:http + undici proxy), nginx (when installed), Moat without policy, Moat with key check +
// rate-limit-by-key + set-header, the same served by node:http instead of the lean HTTP/1.1 front
// (moat-policy-node-http, gateway.leanHttp false), Moat with 10,000 APIs, Moat with 1,000 APIs (RSS).
// Then, with `hey` installed (apt-get install hey), moat and moat-policy at a fixed rate of half of
// moat-policy's peak: the p99 latency the policy set adds below saturation (HALF_LOAD=0 skips it).
// fast-gateway joins when bench-peers' npm peers are installed in PEERS_SCRATCH (/tmp/peers-bench;
// INSTALL_PEERS=1 installs them there).
// Env: ROUNDS=3 DURATION=5 WARMUP=2 CONNS=64 PROXY_CPU=0 LOAD_CPU=1 TARGETS="..." (space separated).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const env = process.env;
const ROUNDS = Number(env.ROUNDS ?? 3);
const DURATION = Number(env.DURATION ?? 5);
const WARMUP = Number(env.WARMUP ?? 2);
const CONNS = Number(env.CONNS ?? 64);
const PROXY_CPU = env.PROXY_CPU ?? "0";
const LOAD_CPU = env.LOAD_CPU ?? "1";
const PEERS = env.PEERS ?? "/work/shared/bench-peers";
const ROOT = resolve(import.meta.dirname, "..");
const RUN = join(tmpdir(), `moat-bench-${process.pid}`);
const KEY_HEADER = "Ocp-Apim-Subscription-Key: bench-key-1";
const UP_PORT = 9311;

const has = (cmd: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

interface Target {
  name: string;
  port: number;
  start(): ChildProcess;
}

const children = new Set<ChildProcess>();
const spawnPinned = (cpu: string, cmd: string, args: string[], extraEnv: Record<string, string> = {}): ChildProcess => {
  const child = spawn("taskset", ["-c", cpu, cmd, ...args], {
    env: { ...env, NODE_PATH: join(ROOT, "node_modules"), ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: ROOT,
  });
  child.stderr?.on("data", (d: Buffer) => {
    const text = d.toString();
    if (!/ExperimentalWarning|--trace-warnings/.test(text)) process.stderr.write(`[${cmd}] ${text}`);
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
};

const stopAll = () => {
  for (const c of children) c.kill("SIGTERM");
};
process.on("exit", stopAll);
process.on("SIGINT", () => {
  stopAll();
  process.exit(130);
});

function renderNginx(template: string, port: number, upPort: number): string {
  mkdirSync(join(RUN, "logs"), { recursive: true });
  mkdirSync(join(RUN, "tmp"), { recursive: true });
  const text = readFileSync(join(PEERS, template), "utf8")
    .replaceAll("@PORT@", String(port))
    .replaceAll("@UP_PORT@", String(upPort));
  const file = join(RUN, `${template}.${port}.conf`);
  writeFileSync(file, text);
  return file;
}

const nginxArgs = (conf: string) => [
  "-p",
  `${RUN}/`,
  "-e",
  join(RUN, "logs", "boot.err"),
  "-c",
  conf,
  "-g",
  "daemon off;",
];
// Moat runs as plain JavaScript bundled by esbuild (tsx's loader thread would add memory and CPU that
// a deployed build does not have); node_modules stay external and resolve from the repository.
const BUNDLE = join(ROOT, "node_modules", ".cache", "moat-bench", "gateway-server.mjs");
function buildBundle(): void {
  execFileSync(
    join(ROOT, "node_modules", ".bin", "esbuild"),
    [
      "bench/gateway-server.ts",
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--packages=external",
      `--outfile=${BUNDLE}`,
      "--log-level=warning",
    ],
    { cwd: ROOT, stdio: "inherit" },
  );
}
const moat = (port: number, extra: Record<string, string>) => () =>
  spawnPinned(PROXY_CPU, process.execPath, [BUNDLE], {
    PORT: String(port),
    UP_URL: `http://127.0.0.1:${UP_PORT}`,
    ...extra,
  });

// fast-gateway (a peer the issue compares against) from bench-peers' scratch install: INSTALL_PEERS=1
// installs bench-peers/deps.json there (outside the repository: no peer code lands in node_modules).
const SCRATCH = env.PEERS_SCRATCH ?? "/tmp/peers-bench";
function peersInstalled(): boolean {
  if (env.INSTALL_PEERS === "1" && !existsSync(join(SCRATCH, "node_modules", "fast-gateway"))) {
    mkdirSync(SCRATCH, { recursive: true });
    writeFileSync(join(SCRATCH, "package.json"), readFileSync(join(PEERS, "deps.json")));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: SCRATCH, stdio: "inherit" });
  }
  return existsSync(join(SCRATCH, "node_modules", "fast-gateway"));
}

const allTargets: Target[] = [
  { name: "direct", port: UP_PORT, start: () => undefined as unknown as ChildProcess },
  {
    name: "node-proxy",
    port: 8186,
    start: () =>
      spawnPinned(PROXY_CPU, process.execPath, [join(PEERS, "node-proxy.js")], {
        PORT: "8186",
        UP_PORT: String(UP_PORT),
      }),
  },
  ...(has("nginx")
    ? [
        {
          name: "nginx",
          port: 8181,
          start: () => spawnPinned(PROXY_CPU, "nginx", nginxArgs(renderNginx("nginx-proxy.conf.tmpl", 8181, UP_PORT))),
        },
      ]
    : []),
  ...(peersInstalled()
    ? [
        {
          name: "fast-gateway",
          port: 8184,
          start: () =>
            spawnPinned(PROXY_CPU, process.execPath, [join(PEERS, "fast-gateway.js")], {
              PORT: "8184",
              UP_PORT: String(UP_PORT),
              NODE_PATH: join(SCRATCH, "node_modules"),
            }),
        },
      ]
    : []),
  { name: "moat", port: 8191, start: moat(8191, { APIS: "1" }) },
  { name: "moat-policy", port: 8192, start: moat(8192, { APIS: "1", POLICY: "1" }) },
  { name: "moat-10k-apis", port: 8193, start: moat(8193, { APIS: "10000" }) },
  { name: "moat-1k-apis", port: 8194, start: moat(8194, { APIS: "1000" }) },
  {
    name: "moat-policy-node-http",
    port: 8195,
    start: moat(8195, { APIS: "1", POLICY: "1", LEAN_HTTP: "0" }),
  },
];
const wanted = env.TARGETS?.split(/\s+/).filter(Boolean);
const targets = wanted ? allTargets.filter((t) => wanted.includes(t.name)) : allTargets;

async function waitFor(port: number, path: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        headers: { "Ocp-Apim-Subscription-Key": "bench-key-1" },
      });
      last = `${r.status} ${await r.text()}`;
      if (r.status === 200) return;
    } catch (err) {
      last = String(err); // not up yet
    }
    if (Date.now() > deadline) throw new Error(`port ${port} did not answer 200 on ${path}: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** CPU ticks (utime+stime) of a process and its children threads; RSS summed with descendants. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
function descendants(pid: number): number[] {
  try {
    const out = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim();
    const kids = out ? out.split("\n").map(Number) : [];
    return [pid, ...kids.flatMap(descendants)];
  } catch {
    return [pid];
  }
}
function rssMiB(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

/** wrk's latency figures ("812.00us", "4.34ms", "1.02s", "1.05m") in milliseconds; NaN when unreadable. */
const ms = (v: string): number => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v);
  if (!m) {
    if (v !== "") process.stderr.write(`unreadable wrk latency: ${v}\n`);
    return Number.NaN;
  }
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n;
};

function wrk(port: number, seconds: number, latency: boolean): Promise<string> {
  const args = ["-c", LOAD_CPU, "wrk", "-t1", `-c${CONNS}`, `-d${seconds}s`, "-H", KEY_HEADER];
  if (latency) args.push("--latency");
  args.push(`http://127.0.0.1:${port}/bench/x?x=1`);
  return new Promise((resolvePromise) => {
    const child = spawn("taskset", args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", () => resolvePromise(out));
  });
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  rss: number;
  errors: number;
}

async function measure(target: Target, upstreamPid: number): Promise<Sample> {
  const child = target.name === "direct" ? undefined : target.start();
  try {
    await waitFor(target.port, "/bench/x");
    const pid = child?.pid ?? upstreamPid;
    await wrk(target.port, WARMUP, false);
    const pids = descendants(pid);
    const ticks0 = pids.reduce((s, p) => s + cpuTicks(p), 0);
    let rss = 0;
    const rssTimer = setTimeout(() => {
      rss = rssMiB(descendants(pid));
    }, DURATION * 800);
    const out = await wrk(target.port, DURATION, true);
    clearTimeout(rssTimer);
    const ticks1 = pids.reduce((s, p) => {
      try {
        return s + cpuTicks(p);
      } catch {
        return s;
      }
    }, 0);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
    const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const hz = 100; // USER_HZ on Linux
    return {
      rps,
      p50: ms(/50%\s+(\S+)/.exec(out)?.[1] ?? ""),
      p99: ms(/99%\s+(\S+)/.exec(out)?.[1] ?? ""),
      cpuUsPerReq: total > 0 ? (((ticks1 - ticks0) / hz) * 1e6) / total : Number.NaN,
      rss,
      errors,
    };
  } finally {
    if (child) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r).once("error", r));
    }
  }
}

/** p50/p99 (ms) of `hey` sending a fixed rate: the latency a target adds below saturation. */
function hey(port: number, seconds: number, rate: number): Promise<{ p50: number; p99: number; errors: number }> {
  const workers = 32;
  const perWorker = Math.max(1, Math.round(rate / workers));
  const args = [
    "-c",
    LOAD_CPU,
    "hey",
    "-cpus",
    "1",
    "-z",
    `${seconds}s`,
    "-c",
    String(workers),
    "-q",
    String(perWorker),
  ];
  args.push("-H", KEY_HEADER, `http://127.0.0.1:${port}/bench/x?x=1`);
  return new Promise((resolvePromise) => {
    const child = spawn("taskset", args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", () => {
      const secs = (pct: string) => Number(new RegExp(`${pct}% in ([\\d.]+) secs`).exec(out)?.[1] ?? Number.NaN);
      const ok = Number(/\[200\]\s+(\d+) responses/.exec(out)?.[1] ?? 0);
      const all = [...out.matchAll(/\[\d+\]\s+(\d+) responses/g)].reduce((n, m) => n + Number(m[1]), 0);
      resolvePromise({ p50: secs("50") * 1000, p99: secs("99") * 1000, errors: all - ok });
    });
  });
}

async function measureHalfLoad(target: Target, rate: number): Promise<{ p50: number; p99: number; errors: number }> {
  const child = target.start();
  try {
    await waitFor(target.port, "/bench/x");
    await wrk(target.port, WARMUP, false);
    return await hey(target.port, DURATION, rate);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r).once("error", r));
  }
}

/** Median of the readable values (a round whose figure could not be read is left out). */
const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

async function main(): Promise<void> {
  if (!has("wrk")) throw new Error("wrk is not installed (apt-get install -y wrk)");
  mkdirSync(RUN, { recursive: true });
  buildBundle();
  // Upstream on the load CPU (with wrk), as bench-peers' "own core" layout: nginx `return 200` when
  // available (faster), else the node upstream.
  const upstream = has("nginx")
    ? spawnPinned(LOAD_CPU, "nginx", nginxArgs(renderNginx("nginx-upstream.conf.tmpl", UP_PORT, 0)))
    : spawnPinned(LOAD_CPU, process.execPath, [join(PEERS, "upstream.js")], { PORT: String(UP_PORT) });
  await waitFor(UP_PORT, "/bench/x");
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
  console.log(
    `rounds=${ROUNDS} duration=${DURATION}s warmup=${WARMUP}s wrk -t1 -c${CONNS}; proxy cpu ${PROXY_CPU}, wrk+upstream cpu ${LOAD_CPU}; upstream ${has("nginx") ? "nginx" : "node"}`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so drift on the shared machine spreads over all targets.
    const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
    for (const t of order) {
      const s = await measure(t, upstream.pid as number);
      samples.get(t.name)?.push(s);
      console.log(
        `round ${round + 1} ${t.name.padEnd(14)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  ${s.cpuUsPerReq.toFixed(1)} µs/req  rss ${s.rss.toFixed(0)} MiB${s.errors ? `  non-2xx ${s.errors}` : ""}`,
      );
    }
  }
  const nginx = samples.get("nginx");
  const base = samples.get("moat");
  console.log("\n| target | req/s | vs nginx | p50 ms | p99 ms | CPU µs/req | RSS MiB |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const t of targets) {
    const s = samples.get(t.name) ?? [];
    const rps = median(s.map((x) => x.rps));
    // Ratios are medians of per-round ratios: both sides saw the same machine state.
    const vsNginx = nginx ? median(s.map((x, i) => x.rps / (nginx[i]?.rps ?? Number.NaN))) : Number.NaN;
    console.log(
      `| ${t.name} | ${rps.toFixed(0)} | ${Number.isNaN(vsNginx) ? "" : `${(vsNginx * 100).toFixed(0)}%`} | ${median(s.map((x) => x.p50)).toFixed(2)} | ${median(s.map((x) => x.p99)).toFixed(2)} | ${median(s.map((x) => x.cpuUsPerReq)).toFixed(1)} | ${median(s.map((x) => x.rss)).toFixed(0)} |`,
    );
  }
  const ratio = (a: string, b: string) => {
    const xs = samples.get(a);
    const ys = samples.get(b);
    if (!xs?.length || !ys?.length) return undefined;
    return median(xs.map((x, i) => x.rps / (ys[i]?.rps ?? Number.NaN)));
  };
  const lines: Array<[string, number | undefined]> = [
    ["moat-policy / node-proxy (target ≥ 1.0)", ratio("moat-policy", "node-proxy")],
    ["moat-policy / nginx (target ≥ 0.4)", ratio("moat-policy", "nginx")],
    ["moat-policy / fast-gateway (target ≥ 1.6)", ratio("moat-policy", "fast-gateway")],
    ["moat-10k-apis / moat (target ≥ 0.95)", base ? ratio("moat-10k-apis", "moat") : undefined],
    ["moat-policy / moat-policy-node-http (the lean front's gain)", ratio("moat-policy", "moat-policy-node-http")],
  ];
  console.log("");
  for (const [label, v] of lines) if (v !== undefined) console.log(`${label}: ${v.toFixed(2)}`);

  // p99 added by the policy set at half of the policy target's peak: same fixed rate to both, with hey.
  const policyPeak = median((samples.get("moat-policy") ?? []).map((x) => x.rps));
  const pair = ["moat", "moat-policy"].map((n) => targets.find((t) => t.name === n));
  if (env.HALF_LOAD !== "0" && has("hey") && pair[0] && pair[1] && policyPeak > 0) {
    const rate = Math.round(policyPeak / 2);
    const half = new Map<string, Array<{ p50: number; p99: number; errors: number }>>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of round % 2 === 0 ? pair : [...pair].reverse()) {
        const target = t as Target;
        const r = await measureHalfLoad(target, rate);
        half.set(target.name, [...(half.get(target.name) ?? []), r]);
        console.log(
          `half load ${rate} req/s round ${round + 1} ${target.name.padEnd(12)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms${r.errors ? `  errors ${r.errors}` : ""}`,
        );
      }
    }
    const p99 = (name: string) => median((half.get(name) ?? []).map((x) => x.p99));
    const added = median(
      (half.get("moat-policy") ?? []).map((x, i) => x.p99 - (half.get("moat")?.[i]?.p99 ?? Number.NaN)),
    );
    console.log(
      `p99 at ${rate} req/s (half of moat-policy's peak): moat ${p99("moat").toFixed(2)} ms, moat-policy ${p99("moat-policy").toFixed(2)} ms, added by the policy set ${added.toFixed(2)} ms (target ≤ 1 ms)`,
    );
  }
  upstream.kill("SIGTERM");
}

main().catch((err: unknown) => {
  console.error(err);
  stopAll();
  process.exit(1);
});
