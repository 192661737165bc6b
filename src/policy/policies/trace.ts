// <trace source severity><message>…</message><metadata name value/>*</trace>: a line in the request trace.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { CONTINUE } from "../types.js";

export const trace = definePolicy<{
  source: string;
  severity: string;
  message: Dyn<string>;
  metadata: Array<[string, Dyn<string>]>;
}>({
  name: "trace",
  sections: ["inbound", "backend", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    const source = p.nonEmpty(el, "source", { required: true, expression: false });
    const severity = p.enumeration(el, "severity", ["verbose", "information", "error"] as const);
    let message: Dyn<string> | undefined;
    const metadata: Array<[string, Dyn<string>]> = [];
    const children = p.children(el, ["message", "metadata"]);
    for (const child of children) {
      p.finishChild(child);
      if (child.name === "message") message = p.text(child);
      else if (child.name === "metadata") {
        const n = p.nonEmpty(child, "name", { required: true, expression: false });
        const v = p.string(child, "value", { required: true });
        if (n?.kind === "const" && v) metadata.push([n.value, v]);
      }
    }
    // Older documents put the message directly in the element's text.
    if (!message && children.length === 0) message = p.text(el);
    if (p.failedSince(m) || source?.kind !== "const" || !message) return undefined;
    return {
      source: source.value,
      severity: severity?.kind === "const" ? severity.value : "verbose",
      message,
      metadata,
    };
  },
  compile({ source, severity, message, metadata }) {
    const read = getter(message);
    const meta = metadata.map(([k, v]): [string, (c: Parameters<typeof read>[0]) => string] => [k, getter(v)]);
    return (ctx) => {
      if (!ctx.tracing && severity === "verbose") return CONTINUE;
      let suffix = "";
      for (const [k, v] of meta) suffix += ` ${k}=${v(ctx)}`;
      ctx.trace.push({ source, message: `[${severity}] ${read(ctx)}${suffix}` });
      return CONTINUE;
    };
  },
});
