// Policy documents at global, product, API and operation scope, and policy fragments. Documents are
// stored verbatim; every write is checked by the policy engine and refused with all its diagnostics.
import { z } from "zod";
import { validatePolicyDocument } from "../../policy/index.js";
import type { PolicyEnvironment, PolicyScope } from "../../policy/types.js";
import type { RequestContext } from "../context.js";
import { ApiError, diagnosticsToDetails, validationError } from "../errors.js";
import type { Props, ResourceDef } from "./types.js";

const policySchema = z
  .object({
    value: z
      .string()
      .min(1, "must not be empty")
      .max(256 * 1024),
    format: z.enum(["xml", "rawxml", "xml-link", "rawxml-link"]).optional(),
    description: z.string().max(1000).optional(),
  })
  .strict();

export async function policyEnvironment(ctx: RequestContext): Promise<PolicyEnvironment> {
  const { store } = ctx.options;
  const [namedValues, fragments, backends, loggers, schemas] = await Promise.all([
    store.list("namedValue", { parentId: "" }),
    store.list("policyFragment", { parentId: "" }),
    store.list("backend", { parentId: "" }),
    store.list("logger", { parentId: "" }),
    store.list("schema", { parentId: "" }),
  ]);
  const nv = new Map<string, string>();
  for (const e of namedValues.items) {
    const value = typeof e.properties.value === "string" ? e.properties.value : "";
    nv.set(e.name, value);
    if (typeof e.properties.displayName === "string") nv.set(e.properties.displayName, value);
  }
  return {
    namedValues: nv,
    fragments: new Map(fragments.items.map((f) => [f.name, String(f.properties.value ?? "")])),
    backendIds: new Set(backends.items.map((b) => b.name)),
    loggerIds: new Set(loggers.items.map((l) => l.name)),
    // validate-content checks schema-id against these (a json schema's document, an xml schema's XSD text).
    schemas: new Map(
      schemas.items.map((s) => [
        s.name,
        s.properties.schemaType === "xml" ? s.properties.value : s.properties.document,
      ]),
    ),
  };
}

async function checkDocument(ctx: RequestContext, props: Props, scope: PolicyScope): Promise<Props> {
  const format = (props.format as string | undefined) ?? "xml";
  if (format.endsWith("-link"))
    throw validationError([
      {
        code: "UnsupportedFormat",
        message: `format ${format} (fetching policies from a URL) is not supported; send the document inline as xml or rawxml`,
        target: "properties.format",
      },
    ]);
  const validate = ctx.options.validatePolicy ?? validatePolicyDocument;
  const diagnostics = validate(String(props.value), scope, await policyEnvironment(ctx));
  const details = diagnosticsToDetails(diagnostics, "properties.value");
  if (details.length > 0) throw validationError(details, `The policy document is not valid: ${details[0]?.message}`);
  return { ...props, format };
}

function policyDef(pattern: string, scope: PolicyScope): ResourceDef {
  return {
    kind: "policy",
    pattern,
    names: ["policy"],
    schema: policySchema,
    async prepare(ctx, props) {
      return { properties: await checkDocument(ctx, props, scope) };
    },
    present(ctx, entity) {
      const wanted = ctx.query.get("format");
      return wanted === "xml" || wanted === "rawxml" ? { ...entity.properties, format: wanted } : entity.properties;
    },
  };
}

export const policyDefs: ResourceDef[] = [
  policyDef("policies/{policyId}", "global"),
  policyDef("products/{productId}/policies/{policyId}", "product"),
  policyDef("apis/{apiId}/policies/{policyId}", "api"),
  policyDef("apis/{apiId}/operations/{operationId}/policies/{policyId}", "operation"),
];

/**
 * Refuses to delete something stored policy documents (any scope) or fragments still mention: every
 * call through them would fail to compile and answer 500. APIM refuses these deletes too.
 */
export async function refuseIfReferenced(
  ctx: RequestContext,
  what: string,
  mentions: (xml: string) => boolean,
): Promise<void> {
  const { store } = ctx.options;
  const [policies, fragments] = await Promise.all([store.list("policy"), store.list("policyFragment")]);
  const users = [...policies.items, ...fragments.items]
    .filter((e) => mentions(String(e.properties.value ?? "")))
    .map((e) => e.id);
  if (users.length === 0) return;
  throw new ApiError(
    409,
    "Conflict",
    `${what} is referenced by ${users.length} policy document(s); remove it there first.`,
    {
      details: users.map((id) => ({ code: "ReferencedByPolicy", message: `referenced by ${id}`, target: id })),
    },
  );
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Matches documents with `attribute="value"` (either quote), e.g. fragment-id="common". */
export function attributeMention(attribute: string, value: string): (xml: string) => boolean {
  const re = new RegExp(`${attribute}\\s*=\\s*(["'])${escapeRegExp(value)}\\1`);
  return (xml) => re.test(xml);
}

export const policyFragmentDef: ResourceDef = {
  kind: "policyFragment",
  pattern: "policyFragments/{id}",
  maxNameLength: 80,
  schema: policySchema,
  async prepare(ctx, props) {
    return { properties: await checkDocument(ctx, props, "fragment") };
  },
  async beforeDelete(ctx, entity) {
    await refuseIfReferenced(ctx, `Policy fragment ${entity.name}`, attributeMention("fragment-id", entity.name));
    return [];
  },
};
