// <find-and-replace from to />: replaces every occurrence of a string in the body.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { bodyText, setBodyText } from "../message.js";
import { CONTINUE } from "../types.js";
import type { Target } from "./common.js";
import { ALL_SECTIONS, messageOf } from "./common.js";

export const findAndReplace = definePolicy<{ from: Dyn<string>; to: Dyn<string>; target: Target }>({
  name: "find-and-replace",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const from = p.nonEmpty(el, "from", { required: true });
    const to = p.string(el, "to", { required: true });
    p.usesSectionBody();
    if (p.failedSince(m) || !from || !to) return undefined;
    return { from, to, target: p.target() };
  },
  compile({ from, to, target }) {
    const readFrom = getter(from);
    const readTo = getter(to);
    return (ctx) => {
      const message = messageOf(ctx, target);
      const text = bodyText(message.body);
      const f = readFrom(ctx);
      if (f !== "" && text.includes(f)) message.body = setBodyText(text.split(f).join(readTo(ctx)), message.headers);
      return CONTINUE;
    };
  },
});
