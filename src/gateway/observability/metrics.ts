// Prometheus metrics of one gateway on its own registry (several gateways may live in one process,
// e.g. in tests). Label children are cached per operation route so a request does one Map lookup
// instead of prom-client hashing label objects.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

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
  byStatus: Map<number, Counter.Internal>;
  duration: Histogram.Internal<string>;
}

const metricName = (s: string): string => s.replace(/[^a-zA-Z0-9_]/g, "_").replace(/^([0-9])/, "_$1");

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: "moat_gateway_requests_total",
    help: "Requests answered by the gateway, by API, operation and status code.",
    labelNames: ["api", "operation", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "moat_gateway_request_duration_seconds",
    help: "Time from receiving the request to the end of the answer.",
    labelNames: ["api", "operation"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
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
        c = { byStatus: new Map(), duration: duration.labels(api, operation) };
        if (owner) children.set(owner, c);
      }
      let counter = c.byStatus.get(status);
      if (counter === undefined) {
        counter = requests.labels(api, operation, String(status));
        c.byStatus.set(status, counter);
      }
      counter.inc();
      c.duration.observe(seconds);
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
