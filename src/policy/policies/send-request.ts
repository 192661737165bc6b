// <send-request mode response-variable-name timeout ignore-error>…</send-request>: calls another service
// and keeps the answer in context.Variables[response-variable-name] (a response, or null when ignored).
import { definePolicy } from "../definition.js";
import type { PolicyResponse } from "../types.js";
import { CONTINUE, PolicyError } from "../types.js";
import { ALL_SECTIONS } from "./common.js";
import type { OutgoingConfig } from "./outgoing-request.js";
import { compileOutgoing, parseOutgoing } from "./outgoing-request.js";

export const sendRequest = definePolicy<{ out: OutgoingConfig; variable: string; ignoreError: boolean }>({
  name: "send-request",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    const variable = p.nonEmpty(el, "response-variable-name", { required: true, expression: false });
    const ignore = p.boolean(el, "ignore-error", { expression: false });
    const out = parseOutgoing(el, p, 60);
    if (p.failedSince(m) || !out || variable?.kind !== "const") return undefined;
    return { out, variable: variable.value, ignoreError: ignore?.kind === "const" && ignore.value };
  },
  compile({ out, variable, ignoreError }) {
    const build = compileOutgoing(out, "send-request");
    return async (ctx) => {
      const request = await build(ctx);
      try {
        const res = await ctx.services.http(request);
        const headers = new Map<string, string[]>();
        for (const [k, v] of res.headers) {
          const key = k.toLowerCase();
          const existing = headers.get(key);
          if (existing) existing.push(v);
          else headers.set(key, [v]);
        }
        const response: PolicyResponse = {
          statusCode: res.statusCode,
          statusReason: res.statusReason,
          headers,
          body: { buffered: true, bytes: res.body },
        };
        ctx.variables.set(variable, response);
      } catch (error) {
        if (!ignoreError) {
          if (error instanceof PolicyError) throw error;
          const message = error instanceof Error ? error.message : String(error);
          const timeout = /timeout|timed out|abort/i.test(message);
          throw new PolicyError(
            "send-request",
            timeout ? "Timeout" : "RequestFailure",
            `Request to ${request.url} failed: ${message}`,
            500,
            { cause: error },
          );
        }
        ctx.variables.set(variable, null);
      }
      return CONTINUE;
    };
  },
});
