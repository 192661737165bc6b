import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Histogram, Registry } from "prom-client";
import { FastCounter, FastHistogram } from "./series.js";

const buckets = [0.001, 0.01, 0.1, 1];
const observations = [0.0005, 0.001, 0.002, 0.05, 0.5, 3, 0.01];

test("renders exactly what prom-client's own Counter and Histogram render", async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const c1 = new FastCounter("req_total", "Requests.", ["api", "status"], ours);
  const h1 = new FastHistogram("dur_seconds", "Duration.", ["api"], buckets, ours);
  const c2 = new Counter({ name: "req_total", help: "Requests.", labelNames: ["api", "status"], registers: [theirs] });
  const h2 = new Histogram({
    name: "dur_seconds",
    help: "Duration.",
    labelNames: ["api"],
    buckets,
    registers: [theirs],
  });
  for (const [api, status] of [
    ["a", "200"],
    ["a", "200"],
    ["b", "404"],
  ] as const) {
    c1.child(api, status).value++;
    c2.labels(api, status).inc();
  }
  for (const v of observations) {
    h1.observe(h1.child("a"), v);
    h2.labels("a").observe(v);
  }
  h1.observe(h1.child('b"x'), 0.2);
  h2.labels('b"x').observe(0.2);
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test("the same label values give the same series; reset clears them", async () => {
  const registry = new Registry();
  const c = new FastCounter("n_total", "N.", ["k"], registry);
  assert.equal(c.child("x"), c.child("x"));
  c.child("x").value += 2;
  assert.match(await registry.metrics(), /n_total\{k="x"\} 2/);
  registry.resetMetrics();
  assert.doesNotMatch(await registry.metrics(), /n_total\{/);
});
