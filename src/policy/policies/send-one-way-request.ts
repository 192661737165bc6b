// <send-one-way-request mode timeout>…</send-one-way-request>: fire and forget; the answer is not awaited.
import { definePolicy } from "../definition.js";
import { CONTINUE } from "../types.js";
import { ALL_SECTIONS } from "./common.js";
import type { OutgoingConfig } from "./outgoing-request.js";
import { compileOutgoing, parseOutgoing } from "./outgoing-request.js";

export const sendOneWayRequest = definePolicy<OutgoingConfig>({
  name: "send-one-way-request",
  sections: ALL_SECTIONS,
  parse(el, p) {
    return parseOutgoing(el, p, 60);
  },
  compile(config) {
    const build = compileOutgoing(config, "send-one-way-request");
    return (ctx) => {
      // Building the request (expressions) may fail the statement; sending never does.
      const built = build(ctx);
      Promise.resolve(built)
        .then((request) => ctx.services.http(request))
        .catch((error: unknown) => {
          ctx.trace.push({
            source: "send-one-way-request",
            message: `request failed: ${error instanceof Error ? error.message : String(error)}`,
          });
        });
      return CONTINUE;
    };
  },
});
