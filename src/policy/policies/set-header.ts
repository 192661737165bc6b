// <set-header name exists-action="override|skip|append|delete"><value>…</value>*</set-header>
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import type { PolicyParser } from "../parser.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import type { Target } from "./common.js";
import { ALL_SECTIONS, messageOf } from "./common.js";

const ACTIONS = ["override", "skip", "append", "delete"] as const;
type ExistsAction = (typeof ACTIONS)[number];

// APIM refuses to touch these: they belong to the connection, not the message.
const PROTECTED = new Set(["connection", "content-length", "keep-alive", "transfer-encoding"]);

export interface NamedValuesConfig {
  name: Dyn<string>;
  action: ExistsAction;
  values: Dyn<string>[];
}

export interface SetHeaderConfig extends NamedValuesConfig {
  target: Target;
}

/** Shared by set-header and set-query-parameter (also inside send-request / return-response). */
export function parseNamedValues(el: XmlElement, p: PolicyParser): NamedValuesConfig | undefined {
  const m = p.mark();
  const name = p.nonEmpty(el, "name", { required: true });
  const action = p.enumeration(el, "exists-action", ACTIONS);
  const values: Dyn<string>[] = [];
  for (const child of p.children(el, ["value"])) {
    if (child.name !== "value") continue;
    p.finishChild(child);
    const v = p.text(child);
    if (v) values.push(v);
  }
  if (p.failedSince(m) || !name) return undefined;
  return { name, action: action?.kind === "const" ? action.value : "override", values };
}

/** Compiles the header/parameter change into a function over a name → values map. */
export function compileNamedValues(
  config: NamedValuesConfig,
  lowerCaseNames: boolean,
): (ctx: PolicyContext, map: Map<string, string[]>) => void {
  const name = getter(config.name);
  const constName = config.name.kind === "const" ? norm(config.name.value, lowerCaseNames) : undefined;
  const values = config.values.map(getter);
  const constValues = config.values.every((v) => v.kind === "const")
    ? config.values.map((v) => (v as { value: string }).value)
    : undefined;
  const read = (ctx: PolicyContext): string[] => constValues?.slice() ?? values.map((g) => g(ctx));
  const key = (ctx: PolicyContext) => constName ?? norm(name(ctx), lowerCaseNames);
  switch (config.action) {
    case "delete":
      return (ctx, map) => {
        map.delete(key(ctx));
      };
    case "skip":
      return (ctx, map) => {
        const k = key(ctx);
        if (!map.has(k)) map.set(k, read(ctx));
      };
    case "append":
      return (ctx, map) => {
        const k = key(ctx);
        const existing = map.get(k);
        map.set(k, existing ? [...existing, ...read(ctx)] : read(ctx));
      };
    default:
      return (ctx, map) => {
        map.set(key(ctx), read(ctx));
      };
  }
}

function norm(name: string, lower: boolean): string {
  return lower ? name.toLowerCase() : name;
}

export const setHeader = definePolicy<SetHeaderConfig>({
  name: "set-header",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const base = parseNamedValues(el, p);
    if (!base) return undefined;
    if (base.name.kind === "const" && PROTECTED.has(base.name.value.toLowerCase())) {
      p.error("POLICY_ERR_PROTECTED_HEADER", `header "${base.name.value}" cannot be modified by a policy`, el);
      return undefined;
    }
    return { ...base, target: p.target() };
  },
  compile(config) {
    const apply = compileNamedValues(config, true);
    const target = config.target;
    return (ctx) => {
      apply(ctx, messageOf(ctx, target).headers);
      return CONTINUE;
    };
  },
});
