// <cache-lookup-value key variable-name [default-value]/>, <cache-store-value key value duration/>,
// <cache-remove-value key/>: a key/value cache for policies (tokens, lookups).
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import type { PolicyParser } from "../parser.js";
import { isPromise } from "../sequence.js";
import type { Outcome, PolicyContext } from "../types.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import { ALL_SECTIONS } from "./common.js";

function cachingType(el: XmlElement, p: PolicyParser): void {
  p.enumeration(el, "caching-type", ["prefer-external", "external", "internal"] as const);
}

const KEY_PREFIX = "value:";

export const cacheLookupValue = definePolicy<{
  key: Dyn<string>;
  variable: string;
  fallback: Dyn<unknown> | undefined;
}>({
  name: "cache-lookup-value",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const key = p.nonEmpty(el, "key", { required: true });
    const variable = p.nonEmpty(el, "variable-name", { required: true, expression: false });
    const fallback = p.value(el, "default-value");
    cachingType(el, p);
    if (p.failedSince(m) || !key || variable?.kind !== "const") return undefined;
    return { key, variable: variable.value, fallback };
  },
  compile({ key, variable, fallback }) {
    const readKey = getter(key);
    const readDefault = fallback ? getter(fallback) : undefined;
    const found = (ctx: PolicyContext, value: unknown): Outcome => {
      if (value !== undefined && value !== null) ctx.variables.set(variable, value);
      else if (readDefault) ctx.variables.set(variable, readDefault(ctx));
      return CONTINUE;
    };
    return (ctx) => {
      const value = ctx.services.valueCache.get(KEY_PREFIX + readKey(ctx));
      return isPromise(value) ? value.then((v) => found(ctx, v)) : found(ctx, value);
    };
  },
});

export const cacheStoreValue = definePolicy<{ key: Dyn<string>; value: Dyn<unknown>; duration: Dyn<number> }>({
  name: "cache-store-value",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const key = p.nonEmpty(el, "key", { required: true });
    const value = p.value(el, "value", { required: true });
    const duration = p.integer(el, "duration", { required: true, min: 1 });
    cachingType(el, p);
    if (p.failedSince(m) || !key || !value || !duration) return undefined;
    return { key, value, duration };
  },
  compile({ key, value, duration }) {
    const readKey = getter(key);
    const readValue = getter(value);
    const ttl = getter(duration);
    return (ctx) => {
      const done = ctx.services.valueCache.set(KEY_PREFIX + readKey(ctx), readValue(ctx), ttl(ctx));
      return isPromise(done) ? done.then(() => CONTINUE) : CONTINUE;
    };
  },
});

export const cacheRemoveValue = definePolicy<{ key: Dyn<string> }>({
  name: "cache-remove-value",
  sections: ALL_SECTIONS,
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const key = p.nonEmpty(el, "key", { required: true });
    cachingType(el, p);
    if (p.failedSince(m) || !key) return undefined;
    return { key };
  },
  compile({ key }) {
    const readKey = getter(key);
    return (ctx) => {
      const done = ctx.services.valueCache.delete(KEY_PREFIX + readKey(ctx));
      return isPromise(done) ? done.then(() => CONTINUE) : CONTINUE;
    };
  },
});
