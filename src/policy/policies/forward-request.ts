// <forward-request timeout follow-redirects buffer-request-body buffer-response fail-on-error-status-code />
// The gateway performs the call (ctx.services.forward); this statement fixes its options once.
import { definePolicy } from "../definition.js";
import type { ForwardOptions, Outcome, PolicyContext } from "../types.js";
import { CONTINUE, PolicyError } from "../types.js";

export const forwardRequest = definePolicy<ForwardOptions>({
  name: "forward-request",
  sections: ["backend"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const timeout = p.integer(el, "timeout", { min: 0, max: 240 * 60, expression: false });
    const timeoutMs = p.integer(el, "timeout-ms", { min: 0, expression: false });
    const follow = p.boolean(el, "follow-redirects", { expression: false });
    const bufferReq = p.boolean(el, "buffer-request-body", { expression: false });
    const bufferRes = p.boolean(el, "buffer-response", { expression: false });
    const failOnError = p.boolean(el, "fail-on-error-status-code", { expression: false });
    p.enumeration(el, "http-version", ["1", "2or1", "2"] as const);
    p.integer(el, "continue-timeout", { min: 0, expression: false });
    if (p.failedSince(m)) return undefined;
    const value = <T>(d: { kind: "const"; value: T } | { kind: "expr" } | undefined, fallback: T): T =>
      d?.kind === "const" ? d.value : fallback;
    return Object.freeze({
      timeoutMs: timeoutMs?.kind === "const" ? timeoutMs.value : value(timeout, 300) * 1000,
      followRedirects: value(follow, false),
      bufferRequestBody: value(bufferReq, false),
      bufferResponse: value(bufferRes, true),
      failOnErrorStatusCode: value(failOnError, false),
    });
  },
  compile(options) {
    const done = (ctx: PolicyContext): Outcome => {
      const status = ctx.response?.statusCode ?? 0;
      if (options.failOnErrorStatusCode && status >= 400) {
        throw new PolicyError(
          "forward-request",
          "BackendResponseError",
          `Backend responded with status code ${status}.`,
          status,
        );
      }
      return CONTINUE;
    };
    return (ctx) => ctx.services.forward(ctx, options).then(() => done(ctx));
  },
});
