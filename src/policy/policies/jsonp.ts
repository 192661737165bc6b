// <jsonp callback-parameter-name="cb" />: wraps a JSON response as `cb(...)` when the query names a callback.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { PolicyResponseError } from "../errors.js";
import { bodyText, setBodyText } from "../message.js";
import { CONTINUE } from "../types.js";

const IDENTIFIER = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export const jsonp = definePolicy<{ parameter: Dyn<string> }>({
  name: "jsonp",
  sections: ["outbound"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const parameter = p.nonEmpty(el, "callback-parameter-name", { required: true });
    p.usesSectionBody();
    if (p.failedSince(m) || !parameter) return undefined;
    return { parameter };
  },
  compile({ parameter }) {
    const name = getter(parameter);
    return (ctx) => {
      const callback = ctx.request.url.query.get(name(ctx))?.[0];
      if (callback === undefined || !ctx.response) return CONTINUE;
      if (!IDENTIFIER.test(callback)) {
        throw new PolicyResponseError(
          "jsonp",
          "CallbackParameterInvalid",
          `Value of callback parameter "${callback}" is not a valid JavaScript identifier.`,
          400,
        );
      }
      const res = ctx.response;
      res.body = setBodyText(`${callback}(${bodyText(res.body)})`, res.headers);
      res.headers.set("content-type", ["application/javascript; charset=utf-8"]);
      return CONTINUE;
    };
  },
});
