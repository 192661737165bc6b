// <emit-metric name namespace value><dimension name [value]/>*</emit-metric>: a custom metric with up to 10
// dimensions; well-known dimension names without a value take theirs from the request.
import type { Getter } from "../definition.js";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

const DEFAULTS: Record<string, (ctx: PolicyContext) => string> = {
  "api id": (ctx) => ctx.api?.id ?? "",
  "operation id": (ctx) => ctx.operation?.id ?? "",
  "product id": (ctx) => ctx.product?.id ?? "",
  "user id": (ctx) => ctx.user?.id ?? "",
  "subscription id": (ctx) => ctx.subscription?.id ?? "",
  location: (ctx) => ctx.deployment.region,
  "gateway id": (ctx) => ctx.deployment.gatewayId,
  "client ip": (ctx) => ctx.request.ipAddress,
};

export const emitMetric = definePolicy<{
  name: string;
  namespace: string | undefined;
  value: Dyn<number> | undefined;
  dimensions: Array<[string, Dyn<string> | undefined]>;
}>({
  name: "emit-metric",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    const name = p.nonEmpty(el, "name", { required: true, expression: false });
    const namespace = p.nonEmpty(el, "namespace", { expression: false });
    const value = p.number(el, "value");
    const dimensions: Array<[string, Dyn<string> | undefined]> = [];
    for (const child of p.children(el, ["dimension"])) {
      if (child.name !== "dimension") continue;
      const n = p.nonEmpty(child, "name", { required: true, expression: false });
      const v = p.string(child, "value");
      p.finishChild(child);
      if (n?.kind !== "const") continue;
      if (!v && !DEFAULTS[n.value.toLowerCase()]) {
        p.error("POLICY_ERR_REQUIRED", `dimension "${n.value}" needs a value (it is not a default dimension)`, child);
      }
      dimensions.push([n.value, v]);
    }
    if (dimensions.length > 10) p.error("POLICY_ERR_OUT_OF_RANGE", "<emit-metric> allows at most 10 dimensions", el);
    if (p.failedSince(m) || name?.kind !== "const") return undefined;
    return {
      name: name.value,
      namespace: namespace?.kind === "const" ? namespace.value : undefined,
      value,
      dimensions,
    };
  },
  compile({ name, namespace, value, dimensions }) {
    const readValue: Getter<number> = value ? getter(value) : () => 1;
    const dims = dimensions.map(([n, v]): [string, Getter<string>] => [
      n,
      v ? getter(v) : (DEFAULTS[n.toLowerCase()] as Getter<string>),
    ]);
    return (ctx) => {
      const record: Record<string, string> = {};
      for (const [n, read] of dims) record[n] = read(ctx);
      ctx.services.metric(name, readValue(ctx), record, namespace);
      return CONTINUE;
    };
  },
});
