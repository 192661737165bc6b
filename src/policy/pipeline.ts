// Scope resolution and pipeline compilation: global → product → API → operation. Each section of the
// narrowest document that has it is expanded, `<base/>` standing for the parent's resolved section;
// a section without `<base/>` drops the parent's statements; `<base/>` at global scope adds nothing.
import { createHash } from "node:crypto";
import type { Diagnostic } from "../core/errors.js";
import { hasErrors } from "../core/errors.js";
import { compileStatements } from "./compiler.js";
import type { ParsedStatement } from "./definition.js";
import type { DocumentOptions, ParsedDocument } from "./document.js";
import { BASE, parseDocument } from "./document.js";
import { registry } from "./registry.js";
import type {
  CompileResult,
  ForwardOptions,
  Pipeline,
  PolicyDocuments,
  PolicyEnvironment,
  PolicyScope,
  Section,
} from "./types.js";

export const defaultGlobalPolicy =
  "<policies><inbound/><backend><forward-request/></backend><outbound/><on-error/></policies>";

const CHAIN: ReadonlyArray<{ scope: PolicyScope; key: keyof PolicyDocuments }> = [
  { scope: "global", key: "global" },
  { scope: "product", key: "product" },
  { scope: "api", key: "api" },
  { scope: "operation", key: "operation" },
];

/** Every problem of one document at one scope (management validates on PUT with this). */
export function validatePolicyDocument(
  xml: string,
  scope: PolicyScope,
  env: PolicyEnvironment,
  options?: DocumentOptions,
): Diagnostic[] {
  return parseDocument(xml, scope, env, registry, options).diagnostics;
}

// Pipelines are cached per environment object (one per configuration revision) and document contents.
const cache = new WeakMap<PolicyEnvironment, Map<string, CompileResult>>();

export function compilePipeline(docs: PolicyDocuments, env: PolicyEnvironment): CompileResult {
  const hash = createHash("sha256");
  for (const { key } of CHAIN) hash.update(`${key}\u0000${docs[key] ?? "\u0001"}\u0000`);
  const key = hash.digest("base64");
  let perEnv = cache.get(env);
  if (!perEnv) {
    perEnv = new Map();
    cache.set(env, perEnv);
  }
  const hit = perEnv.get(key);
  if (hit) return hit;
  const result = compileUncached(docs, env);
  perEnv.set(key, result);
  return result;
}

/** The options of a backend section that is one forward-request the gateway can stream through. */
function plainForward(backend: readonly ParsedStatement[]): ForwardOptions | undefined {
  const only = backend.length === 1 ? backend[0] : undefined;
  if (only?.definition.name !== "forward-request") return undefined;
  const options = only.config as ForwardOptions;
  return options.followRedirects || options.failOnErrorStatusCode ? undefined : options;
}

function compileUncached(docs: PolicyDocuments, env: PolicyEnvironment): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const levels: ParsedDocument[] = [];
  for (const { scope, key } of CHAIN) {
    const xml = docs[key] ?? (scope === "global" ? defaultGlobalPolicy : undefined);
    if (xml === undefined) continue;
    const parsed = parseDocument(xml, scope, env, registry);
    for (const d of parsed.diagnostics) diagnostics.push({ ...d, path: `${scope}:${d.path ?? ""}` });
    levels.push(parsed);
  }
  if (hasErrors(diagnostics)) return { pipeline: undefined, diagnostics };

  const resolve = (section: Section, level: number): ParsedStatement[] => {
    if (level < 0) return [];
    const doc = levels[level] as ParsedDocument;
    const items = doc.sections.get(section);
    if (!items) return resolve(section, level - 1);
    const out: ParsedStatement[] = [];
    for (const item of items) {
      if (item === BASE) out.push(...resolve(section, level - 1));
      else out.push(item);
    }
    return out;
  };
  const top = levels.length - 1;
  const backend = resolve("backend", top);
  const outbound = resolve("outbound", top);
  const onError = resolve("on-error", top);
  const needsResponseBody = levels.some((l) => l.needsResponseBody);
  const streamThrough =
    outbound.length === 0 && onError.length === 0 && !needsResponseBody ? plainForward(backend) : undefined;
  const inbound = resolve("inbound", top);
  // A browser's preflight runs only the cors statements that are direct children of inbound (APIM).
  const corsStatements = inbound.filter((s) => s.definition.name === "cors");
  const pipeline: Pipeline = Object.freeze({
    inbound: compileStatements(inbound),
    backend: compileStatements(backend),
    outbound: compileStatements(outbound),
    onError: compileStatements(onError),
    needsRequestBody: levels.some((l) => l.needsRequestBody),
    needsResponseBody,
    ...(streamThrough ? { streamThrough } : {}),
    ...(corsStatements.length > 0 ? { preflight: compileStatements(corsStatements) } : {}),
  });
  return { pipeline, diagnostics };
}
