// <check-header name failed-check-httpcode failed-check-error-message ignore-case><value>…</value>*</check-header>
import { definePolicy } from "../definition.js";
import { PolicyResponseError } from "../errors.js";
import { CONTINUE } from "../types.js";

interface Config {
  name: string;
  status: number;
  message: string;
  ignoreCase: boolean;
  values: string[];
}

export const checkHeader = definePolicy<Config>({
  name: "check-header",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    const name = p.nonEmpty(el, "name", { required: true, expression: false });
    const status = p.integer(el, "failed-check-httpcode", { required: true, min: 100, max: 599, expression: false });
    const message = p.string(el, "failed-check-error-message", { required: true, expression: false });
    const ignoreCase = p.boolean(el, "ignore-case", { required: true, expression: false });
    const values: string[] = [];
    for (const child of p.children(el, ["value"])) {
      if (child.name !== "value") continue;
      p.finishChild(child);
      values.push(p.constantText(child.text, child).trim());
    }
    if (
      p.failedSince(m) ||
      name?.kind !== "const" ||
      status?.kind !== "const" ||
      message?.kind !== "const" ||
      ignoreCase?.kind !== "const"
    ) {
      return undefined;
    }
    return {
      name: name.value.trim(),
      status: status.value,
      message: message.value,
      ignoreCase: ignoreCase.value,
      values,
    };
  },
  compile(config) {
    const header = config.name.toLowerCase();
    const fold = (s: string) => (config.ignoreCase ? s.toLowerCase() : s);
    const allowed = new Set(config.values.map(fold));
    const fail = (reason: string) => new PolicyResponseError("check-header", reason, config.message, config.status);
    return (ctx) => {
      const present = ctx.request.headers.get(header);
      if (!present) throw fail("HeaderNotFound");
      if (allowed.size === 0) return CONTINUE;
      // Any one value (whole header or one of its comma-separated parts) is enough.
      for (const v of present) {
        if (allowed.has(fold(v.trim()))) return CONTINUE;
        for (const part of v.split(",")) if (allowed.has(fold(part.trim()))) return CONTINUE;
      }
      throw fail("HeaderValueNotAllowed");
    };
  },
});
