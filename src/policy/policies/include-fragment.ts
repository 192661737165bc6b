// <include-fragment fragment-id />: the fragment's statements, inlined where the element stands.
import type { ParsedStatement } from "../definition.js";
import { definePolicy } from "../definition.js";
import { ALL_SECTIONS } from "./common.js";

export const includeFragment = definePolicy<{ statements: ParsedStatement[] }>({
  name: "include-fragment",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const id = p.nonEmpty(el, "fragment-id", { required: true, expression: false });
    if (p.failedSince(m) || id?.kind !== "const") return undefined;
    const statements = p.fragment(id.value, el);
    return statements ? { statements } : undefined;
  },
  compile({ statements }, deps) {
    return deps.sequence(statements);
  },
});
