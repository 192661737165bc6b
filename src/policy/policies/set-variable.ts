// <set-variable name value />: context.Variables[name] = value (expression results keep their type).
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { CONTINUE } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

export const setVariable = definePolicy<{ name: string; value: Dyn<unknown> }>({
  name: "set-variable",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    const name = p.nonEmpty(el, "name", { required: true, expression: false });
    const value = p.value(el, "value", { required: true });
    p.children(el, []);
    if (p.failedSince(m) || name?.kind !== "const" || !value) return undefined;
    return { name: name.value, value };
  },
  compile({ name, value }) {
    const read = getter(value);
    return (ctx) => {
      ctx.variables.set(name, read(ctx));
      return CONTINUE;
    };
  },
});
