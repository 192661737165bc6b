// <validate-parameters>, <validate-headers>, <validate-status-code>: check a message against what the
// operation declares (PolicyEnvironment.operationContract: its query/path/header parameters and response
// headers) and what the policy lists. Declared parameters are "specified": present values must match
// their type and allowed values, required ones must be present. Standard HTTP headers are never "unspecified".
import { definePolicy } from "../definition.js";
import type { PolicyParser } from "../parser.js";
import type { DeclaredParameter, OperationContract } from "../types.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import type { Action, Violation } from "./validation-common.js";
import { errorsVariable, parseAction, report } from "./validation-common.js";
import { checkDeclared, type DeclaredCheck } from "./validation-declared.js";

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

const STANDARD_REQUEST_HEADERS = new Set([
  "host",
  "accept",
  "accept-encoding",
  "accept-language",
  "authorization",
  "cache-control",
  "connection",
  "content-length",
  "content-type",
  "content-encoding",
  "cookie",
  "expect",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "origin",
  "pragma",
  "referer",
  "te",
  "transfer-encoding",
  "user-agent",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "traceparent",
  "tracestate",
  "ocp-apim-subscription-key",
  "ocp-apim-trace",
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
  specifiedAction: Action;
  unspecified: Action;
  /** Unspecified request headers are judged only when <headers> says so: clients send many of them. */
  explicit: boolean;
}

interface ParamsConfig {
  query: ParamGroup;
  path: ParamGroup;
  headers: ParamGroup;
  variable: string | undefined;
  contract: OperationContract | undefined;
}

export const validateParameters = definePolicy<ParamsConfig>({
  name: "validate-parameters",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    const specified = parseAction(el, p, "specified-parameter-action", true);
    const unspecified = parseAction(el, p, "unspecified-parameter-action", true);
    const variable = errorsVariable(el, p);
    const groups: Record<string, ParamGroup> = {};
    for (const child of p.children(el, ["headers", "query", "path"])) {
      const ownSpecified = parseAction(child, p, "specified-parameter-action", false);
      const own = parseAction(child, p, "unspecified-parameter-action", false);
      groups[child.name] = {
        specified: listed(child, p, "parameter"),
        specifiedAction: ownSpecified ?? specified ?? "ignore",
        unspecified: own ?? unspecified ?? "ignore",
        explicit: own !== undefined,
      };
      p.finishChild(child);
    }
    if (p.failedSince(m) || !unspecified || !specified) return undefined;
    const group = (name: string): ParamGroup =>
      groups[name] ?? { specified: new Map(), specifiedAction: specified, unspecified, explicit: false };
    return {
      query: group("query"),
      path: group("path"),
      headers: group("headers"),
      variable,
      contract: p.env.operationContract,
    };
  },
  compile({ query, path, headers, variable, contract }) {
    const checkQuery = checkDeclared(contract?.request?.queryParameters, query, "QueryParameter", "query parameter");
    const checkPath = checkDeclared(contract?.templateParameters, path, "PathParameter", "path parameter");
    const checkHeaders = checkDeclared(contract?.request?.headers, headers, "RequestHeader", "header");
    const declaredQuery = new Set((contract?.request?.queryParameters ?? []).map((q) => q.name));
    return (ctx) => {
      const violations: Violation[] = [];
      for (const name of ctx.request.url.query.keys()) {
        if (query.specified.has(name) || declaredQuery.has(name) || ctx.request.matchedParameters.has(name)) continue;
        violations.push({
          Name: name,
          Type: "QueryParameter",
          ValidationRule: "UnspecifiedParameter",
          Details: `Unspecified query parameter ${name} is not allowed.`,
          Action: query.unspecified,
        });
      }
      checkQuery(violations, (name) => ctx.request.url.query.get(name));
      checkPath(violations, (name) => {
        const v = ctx.request.matchedParameters.get(name);
        return v === undefined ? undefined : [v];
      });
      checkHeaders(violations, (name) => ctx.request.headers.get(name.toLowerCase()));
      if (headers.explicit) {
        const declared = new Set((contract?.request?.headers ?? []).map((h) => h.name.toLowerCase()));
        for (const name of ctx.request.headers.keys()) {
          if (headers.specified.has(name) || declared.has(name) || STANDARD_REQUEST_HEADERS.has(name)) continue;
          violations.push({
            Name: name,
            Type: "RequestHeader",
            ValidationRule: "UnspecifiedParameter",
            Details: `Unspecified header ${name} is not allowed.`,
            Action: headers.unspecified,
          });
        }
      }
      report(ctx, "validate-parameters", variable, violations, false);
      return CONTINUE;
    };
  },
});

export const validateHeaders = definePolicy<{
  specified: Map<string, Action | undefined>;
  specifiedAction: Action;
  unspecified: Action;
  variable: string | undefined;
  contract: OperationContract | undefined;
}>({
  name: "validate-headers",
  sections: ["outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    const specifiedAction = parseAction(el, p, "specified-header-action", true);
    const unspecified = parseAction(el, p, "unspecified-header-action", true);
    const variable = errorsVariable(el, p);
    const specified = listed(el, p, "header");
    if (p.failedSince(m) || !unspecified || !specifiedAction) return undefined;
    return { specified, specifiedAction, unspecified, variable, contract: p.env.operationContract };
  },
  compile({ specified, specifiedAction, unspecified, variable, contract }) {
    // Per declared status code: the value checks and the names it declares, built once.
    const byStatus = new Map<number, { check: DeclaredCheck; names: Set<string> }>();
    for (const r of contract?.responses ?? []) {
      const group = { specified, specifiedAction };
      byStatus.set(r.statusCode, {
        check: checkDeclared(r.headers, group, "ResponseHeader", "header", true),
        names: new Set((r.headers ?? []).map((h: DeclaredParameter) => h.name.toLowerCase())),
      });
    }
    return (ctx) => {
      if (!ctx.response) return CONTINUE;
      const response = ctx.response;
      const declared = byStatus.get(response.statusCode);
      const violations: Violation[] = [];
      declared?.check(violations, (name) => response.headers.get(name.toLowerCase()));
      for (const name of response.headers.keys()) {
        if (specified.has(name) || declared?.names.has(name) || STANDARD_RESPONSE_HEADERS.has(name)) continue;
        violations.push({
          Name: name,
          Type: "ResponseHeader",
          ValidationRule: "UnspecifiedHeader",
          Details: `Unspecified header ${name} is not allowed.`,
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
