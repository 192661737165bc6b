// Per-request counters and histograms for the Prometheus registry. prom-client's label children hash
// their label object on every inc/observe; these keep one plain series object per label set (held by
// the caller, e.g. per operation route) and only build label objects when the registry is scraped.
import type { Registry } from "prom-client";

type Labels = Readonly<Record<string, string>>;

/** What prom-client's Registry reads from a metric's get() when it renders or aggregates. */
interface Snapshot {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  values: Array<{ metricName?: string; labels: Record<string, string>; value: number }>;
}

export interface CounterSeries {
  value: number;
}

export interface HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

abstract class SeriesMetric<S> {
  readonly series = new Map<string, { labels: Labels; s: S }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    // The registry only needs name, help, type, get() and reset(): see prom-client's Registry.
    registry.registerMetric(this as never);
  }

  protected abstract fresh(): S;

  /** The series of these label values (in labelNames order), created on first use. */
  child(...values: string[]): S {
    const key = values.join("\u0000");
    let entry = this.series.get(key);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => {
        labels[n] = values[i] ?? "";
      });
      entry = { labels, s: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.s;
  }

  reset(): void {
    this.series.clear();
  }
}

export class FastCounter extends SeriesMetric<CounterSeries> {
  readonly type = "counter";
  readonly aggregator = "sum";

  protected fresh(): CounterSeries {
    return { value: 0 };
  }

  async get(): Promise<Snapshot> {
    const values: Snapshot["values"] = [];
    for (const { labels, s } of this.series.values()) values.push({ labels: { ...labels }, value: s.value });
    return { name: this.name, help: this.help, type: this.type, aggregator: "sum", values };
  }
}

export class FastHistogram extends SeriesMetric<HistogramSeries> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly bounds: Float64Array;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
  }

  protected fresh(): HistogramSeries {
    return { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
  }

  observe(s: HistogramSeries, value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (s.counts as Float64Array)[i] = ((s.counts as Float64Array)[i] as number) + 1;
    s.sum += value;
    s.count++;
  }

  async get(): Promise<Snapshot> {
    const values: Snapshot["values"] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, s } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i] as number;
        const le = i < this.bounds.length ? String(this.bounds[i]) : "+Inf";
        values.push({ metricName: bucket, labels: { le, ...labels }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { ...labels }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...labels }, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: "sum", values };
  }
}
