// Per-unit scale-out metrics: which configuration revision the unit serves, how far behind the store
// it is (in revisions and in seconds), and whether its shared dependencies answer. The store is
// probed on a timer (one cheap revision query), never per scrape, so a scrape cannot pile up load.
import { Gauge, Registry } from "prom-client";
import type { Clock } from "../core/clock.js";
import type { ConfigStore } from "../store/contract.js";

export interface UnitMetricsOptions {
  readonly store: ConfigStore;
  /** Revision the gateway serves right now. */
  readonly served: () => number;
  /** Redis connected; absent when the unit uses in-memory counters. */
  readonly redisUp?: () => boolean;
  readonly clock: Clock;
  readonly labels: { readonly location: string; readonly unit: string };
  /** Store probe period (default 1000 ms). */
  readonly probeMs?: number;
}

export interface UnitMetrics {
  readonly registry: Registry;
  /** Current values (tests, logs). */
  state(): { served: number; store: number; behind: number; lagSeconds: number; storeUp: boolean };
  /** Probes now; resolves when done (never rejects). */
  probe(): Promise<void>;
  stop(): void;
}

export function createUnitMetrics(options: UnitMetricsOptions): UnitMetrics {
  const { clock, store } = options;
  const registry = new Registry();
  registry.setDefaultLabels({ location: options.labels.location, unit: options.labels.unit });
  let storeRevision = 0;
  let storeUp = false;
  let lastServed = -1;
  let appliedAt = clock.now();
  // When the unit first knew of a revision it does not serve yet; undefined while up to date.
  let behindSince: number | undefined;

  const observe = () => {
    const served = options.served();
    if (served !== lastServed) {
      lastServed = served;
      appliedAt = clock.now();
    }
    if (served >= storeRevision) behindSince = undefined;
    else behindSince ??= clock.now();
    return served;
  };
  const seen = (revision: number) => {
    if (revision > storeRevision) storeRevision = revision;
    observe();
  };

  new Gauge({
    name: "moat_unit_config_revision",
    help: "Configuration revision this unit serves.",
    registers: [registry],
    collect() {
      this.set(observe());
    },
  });
  new Gauge({
    name: "moat_unit_store_revision",
    help: "Latest configuration revision this unit knows the store has.",
    registers: [registry],
    collect() {
      this.set(storeRevision);
    },
  });
  new Gauge({
    name: "moat_unit_config_revisions_behind",
    help: "Store revision minus served revision (0 = up to date).",
    registers: [registry],
    collect() {
      this.set(Math.max(0, storeRevision - observe()));
    },
  });
  new Gauge({
    name: "moat_unit_config_lag_seconds",
    help: "Seconds since the store got a revision this unit does not serve yet (0 = up to date).",
    registers: [registry],
    collect() {
      observe();
      this.set(behindSince === undefined ? 0 : (clock.now() - behindSince) / 1000);
    },
  });
  new Gauge({
    name: "moat_unit_config_last_applied_seconds",
    help: "Seconds since this unit last applied a configuration change.",
    registers: [registry],
    collect() {
      observe();
      this.set((clock.now() - appliedAt) / 1000);
    },
  });
  new Gauge({
    name: "moat_unit_dependency_up",
    help: "1 when the shared dependency answers (store: PostgreSQL/SQLite; redis: counters and cache).",
    labelNames: ["dependency"] as const,
    registers: [registry],
    collect() {
      this.set({ dependency: "store" }, storeUp ? 1 : 0);
      if (options.redisUp) this.set({ dependency: "redis" }, options.redisUp() ? 1 : 0);
    },
  });

  let probing: Promise<void> | undefined;
  const probe = (): Promise<void> => {
    probing ??= store
      .revision()
      .then(
        (revision) => {
          storeUp = true;
          seen(revision);
        },
        () => {
          storeUp = false;
          observe();
        },
      )
      .finally(() => {
        probing = undefined;
      });
    return probing;
  };
  // From the served revision: replaying the whole feed from 0 would cost a full read on a big store.
  const unwatch = store.watch(options.served(), (event) => seen(event.revision));
  const timer = setInterval(() => void probe(), options.probeMs ?? 1000);
  timer.unref();
  void probe();

  return {
    registry,
    state() {
      const served = observe();
      return {
        served,
        store: storeRevision,
        behind: Math.max(0, storeRevision - served),
        lagSeconds: behindSince === undefined ? 0 : (clock.now() - behindSince) / 1000,
        storeUp,
      };
    },
    probe,
    stop() {
      clearInterval(timer);
      unwatch();
    },
  };
}
