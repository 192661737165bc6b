// <mock-response status-code content-type />: answers from the operation's example when the gateway
// has one (services.example), else with an empty body and the status; the backend is not called.
import { definePolicy } from "../definition.js";
import { newResponse } from "../message.js";
import { RESPOND } from "../types.js";

export const mockResponse = definePolicy<{ statusCode: number; contentType: string | undefined }>({
  name: "mock-response",
  sections: ["inbound", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const status = p.integer(el, "status-code", { min: 100, max: 599, expression: false });
    const type = p.nonEmpty(el, "content-type", { expression: false });
    if (p.failedSince(m)) return undefined;
    return {
      statusCode: status?.kind === "const" ? status.value : 200,
      contentType: type?.kind === "const" ? type.value.trim() : undefined,
    };
  },
  compile({ statusCode, contentType }) {
    return (ctx) => {
      const response = newResponse(statusCode);
      const example = ctx.services.example?.(ctx, statusCode, contentType);
      if (example) {
        response.headers.set("content-type", [example.contentType]);
        response.body = { buffered: true, bytes: Buffer.from(example.body) };
      } else if (contentType) {
        response.headers.set("content-type", [contentType]);
      }
      ctx.response = response;
      return RESPOND;
    };
  },
});
