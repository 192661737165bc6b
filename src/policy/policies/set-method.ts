// <set-method>PUT</set-method>: changes the method of the backend request.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { CONTINUE } from "../types.js";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const setMethod = definePolicy<{ method: Dyn<string> }>({
  name: "set-method",
  sections: ["inbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const method = p.text(el);
    if (method?.kind === "const" && !TOKEN.test(method.value)) {
      p.error("POLICY_ERR_INVALID_METHOD", `<set-method> needs an HTTP method, got "${method.value}"`, el);
    }
    if (p.failedSince(m) || !method) return undefined;
    return { method: method.kind === "const" ? { kind: "const", value: method.value.toUpperCase() } : method };
  },
  compile({ method }) {
    const read = getter(method);
    return (ctx) => {
      ctx.request.method = read(ctx).trim().toUpperCase();
      return CONTINUE;
    };
  },
});
