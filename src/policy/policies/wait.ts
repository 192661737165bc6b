// <wait for="all|any">…</wait>: runs send-request / cache-lookup-value / choose children concurrently.
import type { ParsedStatement } from "../definition.js";
import { definePolicy } from "../definition.js";
import type { Outcome, Step } from "../types.js";
import { CONTINUE } from "../types.js";

const CHILDREN = ["send-request", "cache-lookup-value", "choose"];

export const wait = definePolicy<{ all: boolean; children: ParsedStatement[] }>({
  name: "wait",
  sections: ["inbound", "backend", "outbound"],
  parse(el, p) {
    const m = p.mark();
    const mode = p.enumeration(el, "for", ["all", "any"] as const);
    const children = p.statements(p.children(el, CHILDREN).filter((c) => CHILDREN.includes(c.name)));
    if (p.failedSince(m)) return undefined;
    return { all: mode?.kind !== "const" || mode.value === "all", children };
  },
  compile({ all, children }, deps) {
    const steps: Step[] = children.map((c) => deps.sequence([c]));
    return (ctx) => {
      const runs = steps.map((s) => Promise.resolve().then(() => s(ctx)));
      const settle = (outs: Outcome[]) => outs.find((o) => o.kind === "respond") ?? CONTINUE;
      return all ? Promise.all(runs).then(settle) : Promise.race(runs).then((o) => settle([o]));
    };
  },
});
