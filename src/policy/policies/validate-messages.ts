// <validate-parameters>, <validate-headers>, <validate-status-code>: check a message against what the
// policy declares. Without the API's schema in the policy environment, "specified" means listed in the
// policy (or matched by the operation's URL template); standard HTTP headers are never "unspecified".
import { definePolicy } from "../definition.js";
import type { PolicyParser } from "../parser.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import type { Action, Violation } from "./validation-common.js";
import { errorsVariable, parseAction, report } from "./validation-common.js";

const STANDARD_RESPONSE_HEADERS = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "date",
  "server",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "cache-control",
  "etag",
  "last-modified",
  "vary",
  "expires",
  "pragma",
  "location",
  "retry-after",
  "www-authenticate",
  "set-cookie",
  "strict-transport-security",
  "request-context",
  "x-powered-by",
]);

function listed(el: XmlElement, p: PolicyParser, item: string): Map<string, Action | undefined> {
  const out = new Map<string, Action | undefined>();
  for (const child of p.children(el, [item])) {
    if (child.name !== item) continue;
    const attrName = item === "status-code" ? "code" : "name";
    const n = p.nonEmpty(child, attrName, { required: true, expression: false });
    const action = parseAction(child, p, "action", false);
    p.finishChild(child);
    if (n?.kind === "const") out.set(item === "parameter" ? n.value : n.value.toLowerCase(), action);
  }
  return out;
}

interface ParamGroup {
  specified: Map<string, Action | undefined>;
  unspecified: Action;
}

export const validateParameters = definePolicy<{ query: ParamGroup; path: ParamGroup; variable: string | undefined }>({
  name: "validate-parameters",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    parseAction(el, p, "specified-parameter-action", true);
    const unspecified = parseAction(el, p, "unspecified-parameter-action", true);
    const variable = errorsVariable(el, p);
    const groups: Record<string, ParamGroup> = {};
    for (const child of p.children(el, ["headers", "query", "path"])) {
      parseAction(child, p, "specified-parameter-action", false);
      const own = parseAction(child, p, "unspecified-parameter-action", false);
      groups[child.name] = { specified: listed(child, p, "parameter"), unspecified: own ?? unspecified ?? "ignore" };
      p.finishChild(child);
    }
    if (p.failedSince(m) || !unspecified) return undefined;
    const group = (name: string): ParamGroup => groups[name] ?? { specified: new Map(), unspecified };
    return { query: group("query"), path: group("path"), variable };
  },
  compile({ query, variable }) {
    return (ctx) => {
      const violations: Violation[] = [];
      for (const name of ctx.request.url.query.keys()) {
        if (query.specified.has(name) || ctx.request.matchedParameters.has(name)) continue;
        violations.push({
          Name: name,
          Type: "QueryParameter",
          ValidationRule: "UnspecifiedParameter",
          Details: `Unspecified query parameter "${name}" is not allowed.`,
          Action: query.unspecified,
        });
      }
      report(ctx, "validate-parameters", variable, violations, false);
      return CONTINUE;
    };
  },
});

export const validateHeaders = definePolicy<{
  specified: Map<string, Action | undefined>;
  unspecified: Action;
  variable: string | undefined;
}>({
  name: "validate-headers",
  sections: ["outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    parseAction(el, p, "specified-header-action", true);
    const unspecified = parseAction(el, p, "unspecified-header-action", true);
    const variable = errorsVariable(el, p);
    const specified = listed(el, p, "header");
    if (p.failedSince(m) || !unspecified) return undefined;
    return { specified, unspecified, variable };
  },
  compile({ specified, unspecified, variable }) {
    return (ctx) => {
      if (!ctx.response) return CONTINUE;
      const violations: Violation[] = [];
      for (const name of ctx.response.headers.keys()) {
        if (specified.has(name) || STANDARD_RESPONSE_HEADERS.has(name)) continue;
        violations.push({
          Name: name,
          Type: "ResponseHeader",
          ValidationRule: "UnspecifiedHeader",
          Details: `Unspecified response header "${name}" is not allowed.`,
          Action: unspecified,
        });
      }
      report(ctx, "validate-headers", variable, violations, true);
      return CONTINUE;
    };
  },
});

export const validateStatusCode = definePolicy<{
  codes: Map<string, Action | undefined>;
  unspecified: Action;
  variable: string | undefined;
}>({
  name: "validate-status-code",
  sections: ["outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    const unspecified = parseAction(el, p, "unspecified-status-code-action", true);
    const variable = errorsVariable(el, p);
    const codes = listed(el, p, "status-code");
    for (const code of codes.keys()) {
      if (!/^[1-5]\d\d$/.test(code))
        p.error("POLICY_ERR_INVALID_INTEGER", `status code "${code}" is not a valid HTTP status`, el);
    }
    if (p.failedSince(m) || !unspecified) return undefined;
    return { codes, unspecified, variable };
  },
  compile({ codes, unspecified, variable }) {
    return (ctx) => {
      const status = ctx.response?.statusCode;
      if (status === undefined) return CONTINUE;
      const key = String(status);
      const action = codes.has(key) ? (codes.get(key) ?? "ignore") : unspecified;
      const violations: Violation[] = [
        {
          Name: key,
          Type: "StatusCode",
          ValidationRule: "UnspecifiedStatusCode",
          Details: `Status code ${status} is not specified for this response.`,
          Action: action,
        },
      ];
      report(ctx, "validate-status-code", variable, violations, true);
      return CONTINUE;
    };
  },
});
