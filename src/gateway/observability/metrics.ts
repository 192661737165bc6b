// Prometheus metrics of one gateway on its own registry (several gateways may live in one process,
// e.g. in tests). The per-request series are cached per operation route (series.ts): a request does
// one WeakMap and one Map lookup and bumps numbers, no label objects hashed.
import { Counter, Gauge, Registry } from "prom-client";
import { type CounterSeries, FastCounter, FastHistogram, type HistogramSeries } from "./series.js";

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Records one finished request. `owner` is any object stable for the (api, operation) pair. */
  request(owner: object | undefined, api: string, operation: string, status: number, seconds: number): void;
  upstreamError(api: string, reason: string): void;
  configRevision(revision: number): void;
  /** emit-metric: custom metrics by name, created on first use. */
  custom(name: string, value: number, dimensions: Record<string, string>, namespace?: string): void;
}

interface Children {
  byStatus: Map<number, CounterSeries>;
  duration: HistogramSeries;
}

const metricName = (s: string): string => s.replace(/[^a-zA-Z0-9_]/g, "_").replace(/^([0-9])/, "_$1");

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  const requests = new FastCounter(
    "moat_gateway_requests_total",
    "Requests answered by the gateway, by API, operation and status code.",
    ["api", "operation", "status"],
    registry,
  );
  const duration = new FastHistogram(
    "moat_gateway_request_duration_seconds",
    "Time from receiving the request to the end of the answer.",
    ["api", "operation"],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  );
  const upstreamErrors = new Counter({
    name: "moat_gateway_upstream_errors_total",
    help: "Backend failures (connection failure, timeout, malformed answer), by API and reason.",
    labelNames: ["api", "reason"] as const,
    registers: [registry],
  });
  const revision = new Gauge({
    name: "moat_gateway_config_revision",
    help: "Configuration revision the gateway serves.",
    registers: [registry],
  });
  const customs = new Map<string, Gauge<string>>();
  const children = new WeakMap<object, Children>();
  return {
    registry,
    request(owner, api, operation, status, seconds) {
      let c = owner ? children.get(owner) : undefined;
      if (c === undefined) {
        c = { byStatus: new Map(), duration: duration.child(api, operation) };
        if (owner) children.set(owner, c);
      }
      let counter = c.byStatus.get(status);
      if (counter === undefined) {
        counter = requests.child(api, operation, String(status));
        c.byStatus.set(status, counter);
      }
      counter.value++;
      duration.observe(c.duration, seconds);
    },
    upstreamError(api, reason) {
      upstreamErrors.labels(api, reason).inc();
    },
    configRevision(n) {
      revision.set(n);
    },
    custom(name, value, dimensions, namespace) {
      const full = metricName(`${namespace ? `${namespace}_` : "moat_custom_"}${name}`);
      const labelNames = Object.keys(dimensions).map(metricName).sort();
      const key = `${full}|${labelNames.join(",")}`;
      let gauge = customs.get(key);
      if (gauge === undefined) {
        if (registry.getSingleMetric(full)) return; // same name with other dimensions: ignore, never throw
        gauge = new Gauge({ name: full, help: `emit-metric ${name}`, labelNames, registers: [registry] });
        customs.set(key, gauge);
      }
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(dimensions)) labels[metricName(k)] = v;
      gauge.inc(labels, value);
    },
  };
}
