// <mock-response status-code content-type />: answers from the operation's example, the backend is not
// called. The example comes from PolicyServices.example when the gateway offers one, else from the API
// definition in the PolicyEnvironment (operationContract + apiSchemas), resolved here once per pipeline:
// the response's example, its sample, or a body generated from its schema; else an empty body.
import { definePolicy } from "../definition.js";
import { newResponse } from "../message.js";
import { createExampleProvider } from "../operation-examples.js";
import { RESPOND } from "../types.js";

interface Config {
  statusCode: number;
  contentType: string | undefined;
  example: { contentType: string; body: string } | undefined;
}

export const mockResponse = definePolicy<Config>({
  name: "mock-response",
  sections: ["inbound", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const status = p.integer(el, "status-code", { min: 100, max: 599, expression: false });
    const type = p.nonEmpty(el, "content-type", { expression: false });
    if (p.failedSince(m)) return undefined;
    const statusCode = status?.kind === "const" ? status.value : 200;
    const contentType = type?.kind === "const" ? type.value.trim() : undefined;
    const example = p.env.operationContract
      ? createExampleProvider(p.env.operationContract, p.env.apiSchemas)(statusCode, contentType)
      : undefined;
    return { statusCode, contentType, example };
  },
  compile({ statusCode, contentType, example }) {
    const compiled = example ? { contentType: example.contentType, bytes: Buffer.from(example.body) } : undefined;
    return (ctx) => {
      const response = newResponse(statusCode);
      if (compiled) {
        response.headers.set("content-type", [compiled.contentType]);
        // The bytes are shared by every mocked response; nothing writes into a body buffer in place.
        response.body = { buffered: true, bytes: compiled.bytes };
      } else if (contentType) {
        response.headers.set("content-type", [contentType]);
      }
      ctx.response = response;
      return RESPOND;
    };
  },
});
