// Test helpers: compile a document (or a few statements at API scope) and run it against a fake context.
import type { Diagnostic } from "../../core/errors.js";
import { compilePipeline } from "../pipeline.js";
import { runPipeline } from "../runner.js";
import type { Pipeline, PolicyContext, PolicyDocuments, PolicyEnvironment, Section } from "../types.js";
import type { FakeRequest, FakeServices } from "./fake-context.js";
import { createFakeContext, createFakeServices, emptyEnvironment } from "./fake-context.js";

/** A <policies> document with the given statements in one section and <base/> everywhere else. */
export function documentWith(section: Section, statements: string): string {
  const part = (s: Section) => (s === section ? `<${s}><base />${statements}</${s}>` : `<${s}><base /></${s}>`);
  return `<policies>${part("inbound")}${part("backend")}${part("outbound")}${part("on-error")}</policies>`;
}

export function compileOrThrow(docs: PolicyDocuments, env: PolicyEnvironment = emptyEnvironment()): Pipeline {
  const { pipeline, diagnostics } = compilePipeline(docs, env);
  if (!pipeline)
    throw new Error(
      `does not compile:\n${diagnostics.map((d: Diagnostic) => `${d.path} ${d.line}:${d.column} ${d.message}`).join("\n")}`,
    );
  return pipeline;
}

export interface RunOptions {
  request?: FakeRequest;
  services?: FakeServices;
  env?: PolicyEnvironment;
  section?: Section;
}

/** Compiles `statements` into the API-scope document (section inbound by default) and runs one request. */
export async function runStatements(statements: string, options: RunOptions = {}): Promise<PolicyContext> {
  const pipeline = compileOrThrow({ api: documentWith(options.section ?? "inbound", statements) }, options.env);
  const ctx = createFakeContext(options.request, options.services ?? createFakeServices());
  await runPipeline(pipeline, ctx);
  return ctx;
}

/** Runs a compiled pipeline for a fresh request sharing `services` (counters, caches, clock). */
export async function runWith(
  pipeline: Pipeline,
  services: FakeServices,
  request: FakeRequest = {},
): Promise<PolicyContext> {
  const ctx = createFakeContext(request, services);
  await runPipeline(pipeline, ctx);
  return ctx;
}
