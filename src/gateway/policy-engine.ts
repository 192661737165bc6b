// The policy engine as the gateway sees it: compile documents once per (api, operation, product) and
// run the compiled pipeline per request. The composition root passes the real engine from
// src/policy; tests of pure gateway behaviour may pass a small engine of their own.
import type { CompileResult, Pipeline, PolicyContext, PolicyDocuments, PolicyEnvironment } from "../policy/types.js";

export interface PolicyEngine {
  compilePipeline(docs: PolicyDocuments, env: PolicyEnvironment): CompileResult;
  /** Runs inbound → backend → outbound (on-error on failure); leaves the answer in ctx.response. */
  runPipeline(pipeline: Pipeline, ctx: PolicyContext): Promise<void> | void;
  /**
   * The same run in two halves, for pipelines the gateway can stream through (Pipeline.streamThrough):
   * runInbound returns true when the request goes on to the backend, false when ctx.response is final;
   * hasPendingWork tells whether anything waits for a PolicyResponse (then runAfterInbound must run).
   * Engines without them always take runPipeline.
   */
  runInbound?(pipeline: Pipeline, ctx: PolicyContext): boolean | Promise<boolean>;
  runAfterInbound?(pipeline: Pipeline, ctx: PolicyContext): Promise<void>;
  hasPendingWork?(ctx: PolicyContext): boolean;
  /** The global document used when the service has none (forward-request in backend). */
  readonly defaultGlobalPolicy: string;
}
