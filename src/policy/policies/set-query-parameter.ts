// <set-query-parameter name exists-action><value>…</value>*</set-query-parameter>: edits the backend URL's query.
import { definePolicy } from "../definition.js";
import { CONTINUE } from "../types.js";
import type { NamedValuesConfig } from "./set-header.js";
import { compileNamedValues, parseNamedValues } from "./set-header.js";

export const setQueryParameter = definePolicy<NamedValuesConfig>({
  name: "set-query-parameter",
  sections: ["inbound", "backend"],
  parse: parseNamedValues,
  compile(config) {
    // Query parameter names keep their case (APIM matches them exactly).
    const apply = compileNamedValues(config, false);
    return (ctx) => {
      apply(ctx, ctx.request.url.query);
      return CONTINUE;
    };
  },
});
