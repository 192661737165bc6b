// <validate-content unspecified-content-type-action max-size size-exceeded-action [errors-variable-name]>
//   <content-type-map …/>? <content type validate-as="json|xml|soap" [schema-id] [schema-ref] [action]/>*
// Size limit, content types declared by the operation or the policy, well-formed JSON/XML, and JSON bodies
// against the API definition's schema (or a service schema by schema-id). Validators are compiled here,
// once per pipeline, from the PolicyEnvironment's apiSchemas / schemas / operationContract.
import { XMLValidator } from "fast-xml-parser";
import { type BodyValidator, compileBodyValidator, lowerCaseKeys, type SchemaOptions } from "../api-schemas.js";
import { contentTypeOf } from "../body-formats.js";
import { definePolicy } from "../definition.js";
import type { PolicyParser } from "../parser.js";
import type { DeclaredRepresentation, OperationContract, PolicyContext, PolicyEnvironment } from "../types.js";
import { CONTINUE } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import type { Target } from "./common.js";
import { messageOf } from "./common.js";
import type { Action, Violation } from "./validation-common.js";
import { errorsVariable, parseAction, report } from "./validation-common.js";

interface ContentRule {
  type: string | undefined;
  validateAs: "json" | "xml" | "soap";
  action: Action;
  schemaId: string | undefined;
  schemaRef: string | undefined;
  schemaOptions: SchemaOptions;
}

interface TypeMap {
  any: string | undefined;
  missing: string | undefined;
  from: Map<string, string>;
}

interface Config {
  unspecified: Action;
  maxSize: number;
  sizeExceeded: Action;
  variable: string | undefined;
  contents: ContentRule[];
  typeMap: TypeMap;
  target: Target;
  env: Pick<PolicyEnvironment, "apiSchemas" | "schemas" | "operationContract">;
}

export const MAX_VALIDATED_BYTES = 102400;

function lowerConst(el: XmlElement, p: PolicyParser, name: string): string | undefined {
  const v = p.nonEmpty(el, name, { expression: false });
  return v?.kind === "const" ? v.value.trim().toLowerCase() : undefined;
}

function parseTypeMap(el: XmlElement, p: PolicyParser, map: TypeMap): void {
  map.any = lowerConst(el, p, "any-content-type-value");
  map.missing = lowerConst(el, p, "missing-content-type-value");
  for (const t of p.children(el, ["type"])) {
    const from = lowerConst(t, p, "from");
    const when = p.attr(t, "when");
    const to = lowerConst(t, p, "to");
    if (when)
      p.warning(
        "POLICY_WARN_UNSUPPORTED",
        "content-type-map/type/@when is not evaluated; use from",
        p.attrWhere(t, when),
      );
    if (from && to) map.from.set(from, to);
    p.finishChild(t);
  }
}

/** schema-id names one of the API's schemas first, then a service schema ("schemas/{id}"). */
function resolveSchema(env: Config["env"], id: string): { from: "api" | "service"; document: unknown } | undefined {
  if (env.apiSchemas?.has(id)) return { from: "api", document: env.apiSchemas.get(id) };
  if (env.schemas?.has(id)) return { from: "service", document: env.schemas.get(id) };
  return undefined;
}

function parseContent(child: XmlElement, p: PolicyParser, env: Config["env"]): ContentRule | undefined {
  const type = p.nonEmpty(child, "type", { expression: false });
  const as = p.enumeration(child, "validate-as", ["json", "xml", "soap"] as const, { required: true });
  const action = parseAction(child, p, "action", false);
  const schemaId = p.nonEmpty(child, "schema-id", { expression: false });
  const schemaRef = p.nonEmpty(child, "schema-ref", { expression: false });
  const additional = p.boolean(child, "allow-additional-properties", { expression: false });
  const caseInsensitive = p.boolean(child, "case-insensitive-property-names", { expression: false });
  const id = schemaId?.kind === "const" ? schemaId.value : undefined;
  const resolved = id ? resolveSchema(env, id) : undefined;
  const known = resolved !== undefined;
  const idAttr = p.attr(child, "schema-id");
  const at = idAttr ? p.attrWhere(child, idAttr) : child;
  if (id && !known) {
    p.warning(
      "POLICY_WARN_SCHEMA_NOT_CHECKED",
      `schema "${id}" is not known here: the content is checked for well-formedness only`,
      at,
    );
  }
  if (resolved?.from === "service" && as?.kind === "const") {
    // A service schema is either a JSON Schema (document) or an XSD (its text): it must suit validate-as.
    const isXsd = typeof resolved.document === "string";
    if (as.value === "json" && isXsd)
      p.error(
        "POLICY_ERR_SCHEMA_TYPE",
        `schema "${id}" is an xml schema; validate-as="json" needs a json schema (line ${child.line})`,
        at,
      );
    else if (as.value !== "json" && !isXsd)
      p.error(
        "POLICY_ERR_SCHEMA_TYPE",
        `schema "${id}" is a json schema; validate-as="${as.value}" needs an xml schema (line ${child.line})`,
        at,
      );
    else if (isXsd)
      p.warning(
        "POLICY_WARN_SCHEMA_NOT_CHECKED",
        `XSD validation is not performed: content checked against "${id}" is checked for well-formedness only`,
        at,
      );
  }
  if (as?.kind !== "const") return undefined;
  const schemaOptions: SchemaOptions = {};
  if (additional?.kind === "const") schemaOptions.additionalProperties = additional.value;
  if (caseInsensitive?.kind === "const" && caseInsensitive.value) schemaOptions.caseInsensitive = true;
  return {
    type: type?.kind === "const" ? type.value.trim().toLowerCase() : undefined,
    validateAs: as.value,
    action: action ?? "prevent",
    schemaId: id && known ? id : undefined,
    schemaRef: schemaRef?.kind === "const" ? schemaRef.value : undefined,
    schemaOptions,
  };
}

export const validateContent = definePolicy<Config>({
  name: "validate-content",
  sections: ["inbound", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    const unspecified = parseAction(el, p, "unspecified-content-type-action", true);
    const maxSize = p.integer(el, "max-size", { required: true, min: 0, max: MAX_VALIDATED_BYTES, expression: false });
    const sizeExceeded = parseAction(el, p, "size-exceeded-action", true);
    const variable = errorsVariable(el, p);
    const env = { apiSchemas: p.env.apiSchemas, schemas: p.env.schemas, operationContract: p.env.operationContract };
    const contents: ContentRule[] = [];
    const typeMap: TypeMap = { any: undefined, missing: undefined, from: new Map() };
    for (const child of p.children(el, ["content-type-map", "content"])) {
      if (child.name === "content-type-map") parseTypeMap(child, p, typeMap);
      else if (child.name === "content") {
        const rule = parseContent(child, p, env);
        if (rule) contents.push(rule);
      }
      p.finishChild(child);
    }
    p.usesSectionBody();
    if (p.failedSince(m) || !unspecified || maxSize?.kind !== "const" || !sizeExceeded) return undefined;
    return { unspecified, maxSize: maxSize.value, sizeExceeded, variable, contents, typeMap, target: p.target(), env };
  },
  compile(c) {
    const check = compileChecks(c);
    return (ctx: PolicyContext) => {
      const onResponse = c.target === "response" || (c.target === "auto" && ctx.response !== undefined);
      const message = messageOf(ctx, c.target);
      const bytes = message.body.bytes ?? Buffer.alloc(0);
      const header = contentTypeOf(message.headers);
      const type =
        c.typeMap.any ?? (header === "" ? (c.typeMap.missing ?? "") : (c.typeMap.from.get(header) ?? header));
      const violations = check(bytes, type, onResponse ? ctx.response?.statusCode : undefined);
      report(ctx, "validate-content", c.variable, violations, onResponse);
      return CONTINUE;
    };
  },
});

/** What one content type of one message is checked with: the rule and the declared schema, if any. */
interface Plan {
  rule: ContentRule | undefined;
  validator: BodyValidator | Error | undefined;
  definition: string | undefined;
}

function compileChecks(c: Config) {
  const contract: OperationContract | undefined = c.env.operationContract;
  const declared = (status: number | undefined): readonly DeclaredRepresentation[] =>
    status === undefined
      ? (contract?.request?.representations ?? [])
      : (contract?.responses?.find((r) => r.statusCode === status)?.representations ?? []);
  // Plans per message kind ("request" or a status code) and content type, built once here.
  const plans = new Map<string, Plan | null>();
  const keys: Array<number | undefined> = [undefined, ...(contract?.responses ?? []).map((r) => r.statusCode)];
  for (const status of keys) {
    const types = new Set(declared(status).map((r) => r.contentType.toLowerCase()));
    for (const rule of c.contents) if (rule.type) types.add(rule.type);
    for (const type of types) plans.set(`${status ?? "request"} ${type}`, plan(c, type, declared(status)));
  }
  const fallback = (type: string): Plan | null => {
    const rule = c.contents.find((r) => r.type === undefined || r.type === type);
    return rule ? plan(c, type, []) : null;
  };
  return (bytes: Buffer, type: string, status: number | undefined): Violation[] => {
    const what = status === undefined ? "request" : "response";
    const Type = status === undefined ? "RequestBody" : "ResponseBody";
    const violations: Violation[] = [];
    if (bytes.length > c.maxSize) {
      violations.push({
        Name: Type,
        Type,
        ValidationRule: "SizeLimit",
        Details: `${what === "request" ? "Request" : "Response"}'s body is ${bytes.length} bytes long and it exceeds the configured limit of ${c.maxSize} bytes.`,
        Action: c.sizeExceeded,
      });
    }
    if (bytes.length === 0) return violations;
    const p = plans.get(`${status ?? "request"} ${type}`) ?? fallback(type);
    if (!p) {
      violations.push({
        Name: type,
        Type,
        ValidationRule: "ContentType",
        Details: `Unspecified content type ${type || "(none)"} is not allowed.`,
        Action: c.unspecified,
      });
      return violations;
    }
    // A declared type without a <content> rule is "specified" but not inspected (APIM's behaviour).
    if (!p.rule || bytes.length > c.maxSize) return violations;
    const problem = inspect(bytes.toString("utf8"), p, what, type);
    if (problem) violations.push({ Name: type, Type, ...problem, Action: p.rule.action });
    return violations;
  };
}

function plan(c: Config, type: string, reps: readonly DeclaredRepresentation[]): Plan | null {
  const rule = c.contents.find((r) => r.type === type) ?? c.contents.find((r) => r.type === undefined);
  const rep = reps.find((r) => r.contentType.toLowerCase() === type);
  if (!rule && !rep) return null;
  if (rule?.validateAs !== "json") return { rule, validator: undefined, definition: undefined };
  if (rule.schemaId) {
    const doc = resolveSchema(c.env, rule.schemaId)?.document;
    return {
      rule,
      validator: compileBodyValidator(doc, rule.schemaRef ? { ref: rule.schemaRef } : {}, rule.schemaOptions),
      definition: rule.schemaRef ?? rule.schemaId,
    };
  }
  if (rep?.schemaId && rep.typeName) {
    const doc = c.env.apiSchemas?.get(rep.schemaId);
    return {
      rule,
      validator: compileBodyValidator(doc, { typeName: rep.typeName }, rule.schemaOptions),
      definition: rep.typeName,
    };
  }
  return { rule, validator: undefined, definition: undefined };
}

function inspect(
  text: string,
  p: Plan,
  what: "request" | "response",
  type: string,
): { ValidationRule: string; Details: string } | undefined {
  if (p.rule?.validateAs !== "json") {
    const valid = XMLValidator.validate(text);
    return valid === true
      ? undefined
      : {
          ValidationRule: "IncorrectMessage",
          Details: `Body of the ${what} is not valid XML (line ${valid.err.line}): ${valid.err.msg}`,
        };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ValidationRule: "IncorrectMessage",
      Details: `Body of the ${what} is not valid JSON: ${(error as Error).message}`,
    };
  }
  if (p.validator instanceof Error)
    return {
      ValidationRule: "MissingDefinition",
      Details: `${p.validator.message.replace(/\.$/, "")}, which is associated with the content type ${type}.`,
    };
  if (!p.validator) return undefined;
  const failure = p.validator(p.rule.schemaOptions.caseInsensitive ? lowerCaseKeys(value) : value);
  return failure
    ? {
        ValidationRule: "IncorrectMessage",
        Details: `Body of the ${what} does not conform to the definition ${p.definition}, which is associated with the content type ${type}. ${failure}`,
      }
    : undefined;
}
