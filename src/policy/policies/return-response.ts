// <return-response [response-variable-name]><set-status/><set-header/>*<set-body/></return-response>
// Ends the pipeline with a new response (outbound does not run); the children shape that response.
import type { ParsedStatement } from "../definition.js";
import { definePolicy } from "../definition.js";
import { newResponse } from "../message.js";
import { isPromise } from "../sequence.js";
import type { PolicyContext, PolicyResponse } from "../types.js";
import { PolicyError, RESPOND } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

export function isPolicyResponse(value: unknown): value is PolicyResponse {
  return typeof value === "object" && value !== null && "statusCode" in value && "headers" in value && "body" in value;
}

function startingResponse(ctx: PolicyContext, variable: string | undefined): PolicyResponse {
  if (variable === undefined) return newResponse(200);
  const value = ctx.variables.get(variable);
  if (!isPolicyResponse(value)) {
    throw new PolicyError(
      "return-response",
      "VariableNotAResponse",
      `Variable "${variable}" does not hold a response.`,
    );
  }
  return {
    statusCode: value.statusCode,
    statusReason: value.statusReason,
    headers: new Map([...value.headers].map(([k, v]) => [k, [...v]])),
    body: { buffered: true, bytes: value.body.bytes },
  };
}

export const returnResponse = definePolicy<{ variable: string | undefined; children: ParsedStatement[] }>({
  name: "return-response",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    const variable = p.nonEmpty(el, "response-variable-name", { expression: false });
    const saved = p.messageTarget;
    p.messageTarget = "response";
    try {
      const children = p.statements(
        p
          .children(el, ["set-status", "set-header", "set-body"])
          .filter((c) => ["set-status", "set-header", "set-body"].includes(c.name)),
      );
      if (p.failedSince(m)) return undefined;
      return { variable: variable?.kind === "const" ? variable.value : undefined, children };
    } finally {
      p.messageTarget = saved;
    }
  },
  compile({ variable, children }, deps) {
    const body = deps.sequence(children);
    return (ctx) => {
      ctx.response = startingResponse(ctx, variable);
      const out = body(ctx);
      return isPromise(out) ? out.then(() => RESPOND) : RESPOND;
    };
  },
});
