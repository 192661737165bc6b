// <set-status code reason />: status of the response (creating one when a policy answers by itself).
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { ensureResponse, reasonPhrase } from "../message.js";
import { CONTINUE } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

export const setStatus = definePolicy<{ code: Dyn<number>; reason: Dyn<string> | undefined }>({
  name: "set-status",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const code = p.integer(el, "code", { required: true, min: 100, max: 599 });
    const reason = p.string(el, "reason");
    if (p.failedSince(m) || !code) return undefined;
    return { code, reason };
  },
  compile({ code, reason }) {
    const readCode = getter(code);
    const readReason = reason ? getter(reason) : undefined;
    return (ctx) => {
      const response = ensureResponse(ctx);
      const status = readCode(ctx);
      response.statusCode = status;
      response.statusReason = readReason ? readReason(ctx) : reasonPhrase(status);
      return CONTINUE;
    };
  },
});
