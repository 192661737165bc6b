// Policy expression benchmark (a script, not a test): node --import tsx bench/expressions.ts
// In-process, no sockets: runs compiled pipelines and single expressions against fresh PolicyContexts
// (one per run, as the gateway builds one per request) and prints ns/op, heap growth over the runs,
// the heap left after a full GC, and the share of wall time spent in GC. ns/op is CPU time (user+system)
// of this process, wall time is shown next to it. The machine is shared and
// noisy: compare the ratios within one run, not absolute figures across runs.
// "heap +" is the peak growth during the runs (mostly the young generation, which V8 grows to 16 MB
// under steady allocation); "retained" is what survives a full GC afterwards and should stay ≈ 0.
// Env: ONLY=<substring of case names>, PAIRS=5 (alternating pipeline rounds), RUNS=120000 (runs per round), EVALS=100000 (evaluations per expression), ROUNDS=2 (best of).
import { PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { CompiledExpression } from "../src/policy/expressions/index.js";
import { compileExpression } from "../src/policy/expressions/index.js";
import type { Pipeline, PolicyContext } from "../src/policy/index.js";
import { compilePipeline, runPipeline } from "../src/policy/index.js";
import { createFakeContext, createFakeServices, emptyEnvironment } from "../src/policy/test-support/fake-context.js";
import { documentWith } from "../src/policy/test-support/run.js";

const RUNS = Number(process.env.RUNS ?? 120_000);
const EVALS = Number(process.env.EVALS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const ONLY = process.env.ONLY ?? "";
const PAIRS = Number(process.env.PAIRS ?? 5);

// A full GC between cases without requiring --expose-gc on the command line.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

const JWT = [
  Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url"),
  Buffer.from(JSON.stringify({ sub: "user-42", aud: "moat", exp: 4102444800 })).toString("base64url"),
  "",
].join(".");

const services = createFakeServices();
const template = createFakeContext(
  {
    url: "https://gateway.test/echo/resource?page=2",
    headers: { "x-client": "bench", authorization: `Bearer ${JWT}`, "user-agent": "bench/1.0" },
  },
  services,
);

/**
 * A fresh per-request context built as one object literal, like the gateway's per-request context, without
 * the URL parsing of createFakeContext. (Not `{ ...template }`: V8 gives spread clones maps that make every
 * later property write slow, which would measure the clone instead of the policy code.)
 */
function freshContext(): PolicyContext {
  const t = template;
  const req = t.request;
  return {
    requestId: t.requestId,
    timestamp: t.timestamp,
    request: {
      method: req.method,
      url: req.url,
      originalUrl: req.originalUrl,
      headers: new Map(req.headers),
      body: { buffered: true, bytes: undefined },
      ipAddress: req.ipAddress,
      matchedParameters: req.matchedParameters,
    },
    response: undefined,
    variables: new Map([["user", "alice"]]),
    api: t.api,
    operation: t.operation,
    product: t.product,
    subscription: t.subscription,
    user: t.user,
    deployment: t.deployment,
    lastError: undefined,
    backend: { url: t.backend.url },
    tracing: false,
    trace: [],
    services: t.services,
    signal: t.signal,
  };
}

interface Figures {
  /** CPU time of this process per operation: steadier than wall time on a shared machine. */
  nsPerOp: number;
  wallNsPerOp: number;
  heapGrowthMb: number;
  retainedMb: number;
  gcShare: number;
}

async function measure(runs: number, op: () => unknown, rounds = ROUNDS): Promise<Figures> {
  let best: Figures | undefined;
  for (let round = 0; round < rounds; round++) {
    // Warm-up so that the measured loop runs optimised code.
    for (let i = 0; i < Math.min(runs, 20_000); i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    gc();
    // The observer reports the forced GC asynchronously: let it land before taking the GC baseline.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const heap0 = process.memoryUsage().heapUsed;
    const gc0 = gcMs;
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let peak = heap0;
    for (let i = 0; i < runs; i++) {
      const r = op();
      if (r instanceof Promise) await r;
      if ((i & 4095) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    // GC entries are delivered asynchronously: let the observer catch up.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const heap1 = Math.max(peak, process.memoryUsage().heapUsed);
    gc();
    const heap2 = process.memoryUsage().heapUsed;
    const figures: Figures = {
      nsPerOp: ((cpu.user + cpu.system) * 1000) / runs,
      wallNsPerOp: ns / runs,
      heapGrowthMb: (heap1 - heap0) / 2 ** 20,
      retainedMb: (heap2 - heap0) / 2 ** 20,
      gcShare: (gcMs - gc0) / (ns / 1e6),
    };
    if (!best || figures.nsPerOp < best.nsPerOp) best = figures;
  }
  return best!;
}

function pipelineOf(statements: string): Pipeline {
  const { pipeline, diagnostics } = compilePipeline(
    {
      api: documentWith("inbound", statements),
      global: "<policies><inbound/><backend/><outbound/><on-error/></policies>",
    },
    emptyEnvironment(),
  );
  if (!pipeline) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  return pipeline;
}

function expressionOf(source: string): CompiledExpression {
  const { expression, diagnostics } = compileExpression(source, { path: "bench", line: 1, column: 1 });
  if (!expression) throw new Error(`${source}: ${diagnostics.map((d) => d.message).join("; ")}`);
  return expression;
}

const limit = (key: string) =>
  `<rate-limit-by-key calls="2000000000" renewal-period="300" counter-key="${key}" />` +
  `<set-header name="x-bench" exists-action="override"><value>on</value></set-header>`;

const pipelines: Array<[string, Pipeline]> = [
  ["(a) pipeline: constant counter-key + set-header", pipelineOf(limit("fixed"))],
  ["(b) pipeline: @(context.Subscription.Id) counter-key", pipelineOf(limit("@(context.Subscription.Id)"))],
];

const expressions: Array<[string, string]> = [
  ["subscription id", "@(context.Subscription.Id)"],
  ["header read", '@(context.Request.Headers.GetValueOrDefault("x-client",""))'],
  [
    "JWT claim",
    '@(context.Request.Headers.GetValueOrDefault("Authorization","").Split(\' \')[1].AsJwt()?.Claims.GetValueOrDefault("sub", ""))',
  ],
  ["string concat", '@("key-" + context.Subscription.Id + "-" + context.Request.IpAddress)'],
  ["interpolation", '@($"{context.Api.Id}:{context.Request.Method}:{(string)context.Variables["user"]}")'],
  ["ternary", '@(context.Request.Method == "GET" ? "read" : "write")'],
  ["variable", '@(context.Variables.GetValueOrDefault<string>("user", "nobody"))'],
  ["url", "@(context.Request.Url.Path)"],
];

function row(name: string, f: Figures, ratios?: { best: number; median: number }): void {
  const ratio =
    ratios === undefined
      ? ""
      : `  ×${ratios.best.toFixed(2)} of (a) best vs best, ×${ratios.median.toFixed(2)} median of ${PAIRS} rounds`;
  if (process.env.DEBUG) console.log(JSON.stringify(f));
  console.log(
    `${name.padEnd(58)} ${f.nsPerOp.toFixed(0).padStart(7)} ns/op (wall ${f.wallNsPerOp.toFixed(0).padStart(6)})  heap +${f.heapGrowthMb.toFixed(1).padStart(5)} MB` +
      `  retained ${f.retainedMb.toFixed(1).padStart(5)} MB  GC ${(f.gcShare * 100).toFixed(0).padStart(3)}%${ratio}`,
  );
}

console.log(
  `node ${process.version}, ${PAIRS}×${RUNS} pipeline runs (best round shown), ${EVALS} evaluations (best of ${ROUNDS})`,
);
const context = await measure(EVALS, freshContext);
row("fresh PolicyContext only (cost included below)", context);
// The two pipelines are measured alternately, round after round, and compared best round against best
// round (the least disturbed) and by the median of per-round ratios.
const chosen = pipelines.filter(([name]) => name.includes(ONLY) || name.startsWith("(a)"));
const results = chosen.map(() => [] as Figures[]);
for (let round = 0; round < PAIRS; round++) {
  for (const [i, [, pipeline]] of chosen.entries()) {
    results[i]!.push(await measure(RUNS, () => runPipeline(pipeline, freshContext()), 1));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [i, [name]] of chosen.entries()) {
  const rs = results[i]!;
  const best = rs.reduce((a, b) => (b.nsPerOp < a.nsPerOp ? b : a));
  const ratios = rs.map((r, k) => r.nsPerOp / results[0]![k]!.nsPerOp);
  if (process.env.DEBUG) console.log(ratios.map((r) => r.toFixed(2)).join(" "));
  const bestA = results[0]!.reduce((a, b) => Math.min(a, b.nsPerOp), Number.POSITIVE_INFINITY);
  row(name, best, i === 0 ? undefined : { best: best.nsPerOp / bestA, median: median(ratios) });
}
for (const [name, source] of expressions) {
  if (!name.includes(ONLY)) continue;
  const e = expressionOf(source);
  const check = e.evaluate(freshContext());
  row(`(c) ${name} → ${JSON.stringify(check)}`.slice(0, 58), await measure(EVALS, () => e.evaluate(freshContext())));
}
