// <choose><when condition>…</when>+<otherwise>…</otherwise>?</choose>: the first true condition wins.
import type { Getter, ParsedStatement } from "../definition.js";
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import type { Step } from "../types.js";
import { CONTINUE } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

interface ChooseConfig {
  branches: Array<{ condition: Dyn<boolean>; statements: ParsedStatement[] }>;
  otherwise: ParsedStatement[] | undefined;
}

export const choose = definePolicy<ChooseConfig>({
  name: "choose",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    const config: ChooseConfig = { branches: [], otherwise: undefined };
    p.noText(el);
    for (const child of p.children(el, ["when", "otherwise"])) {
      if (child.name === "when") {
        if (config.otherwise) p.error("POLICY_ERR_CHOOSE_ORDER", "<when> must come before <otherwise>", child);
        const condition = p.boolean(child, "condition", { required: true });
        p.finishChild(child);
        p.noText(child);
        const statements = p.statements(child.children);
        if (condition) config.branches.push({ condition, statements });
      } else if (child.name === "otherwise") {
        if (config.otherwise) p.error("POLICY_ERR_DUPLICATE", "<choose> may have only one <otherwise>", child);
        p.finishChild(child);
        p.noText(child);
        config.otherwise = p.statements(child.children);
      }
    }
    if (config.branches.length === 0 && !p.failedSince(m) && el.children.every((c) => c.name !== "when")) {
      p.error("POLICY_ERR_REQUIRED", "<choose> needs at least one <when> element", el);
    }
    return p.failedSince(m) ? undefined : config;
  },
  compile(config, deps) {
    // Conditions become data: [predicate, step] pairs; constant-false branches are dropped.
    const branches: Array<[Getter<boolean>, Step]> = [];
    for (const b of config.branches) {
      if (b.condition.kind === "const" && !b.condition.value) continue;
      branches.push([getter(b.condition), deps.sequence(b.statements)]);
    }
    const otherwise = config.otherwise ? deps.sequence(config.otherwise) : undefined;
    return (ctx) => {
      for (const [when, step] of branches) if (when(ctx)) return step(ctx);
      return otherwise ? otherwise(ctx) : CONTINUE;
    };
  },
});
