// Runs a compiled pipeline for one request: inbound → backend → outbound; a respond outcome ends the run
// with ctx.response; a failure anywhere jumps once to on-error with context.LastError set. When on-error
// produces nothing better, the failure's default response ({ statusCode, message }) is sent.
import type { StatementOrigin } from "./definition.js";
import { originOf, PolicyResponseError } from "./errors.js";
import { newResponse } from "./message.js";
import { completeRequest } from "./request-state.js";
import { isPromise } from "./sequence.js";
import type { Outcome, Pipeline, PolicyContext, Step } from "./types.js";
import { PolicyError } from "./types.js";

const AFTER_INBOUND: ReadonlyArray<readonly [keyof Pipeline, string]> = [
  ["backend", "backend"],
  ["outbound", "outbound"],
];

const reportCompletionFailure = (ctx: PolicyContext) => (error: unknown) => {
  // Completion work (counter increments) fails quietly for the client; it is visible in the trace.
  ctx.trace.push({
    source: "policy",
    message: `completion failed: ${error instanceof Error ? error.message : String(error)}`,
  });
};

export async function runPipeline(pipeline: Pipeline, ctx: PolicyContext): Promise<void> {
  const inbound = runInbound(pipeline, ctx);
  if (isPromise(inbound) ? await inbound : inbound) await runAfterInbound(pipeline, ctx);
}

/**
 * Runs the inbound section. Returns true when the request goes on to the backend; false when the
 * request is finished (a policy answered, or a failure went through on-error): ctx.response is final.
 * Synchronous when every inbound step is.
 */
export function runInbound(pipeline: Pipeline, ctx: PolicyContext): boolean | Promise<boolean> {
  let out: Outcome | Promise<Outcome>;
  try {
    out = pipeline.inbound(ctx);
  } catch (error) {
    return handleError(pipeline, ctx, error, "inbound").then(() => finish(ctx));
  }
  if (!isPromise(out)) return out.kind === "respond" ? finish(ctx) : true;
  return out.then(
    (outcome) => (outcome.kind === "respond" ? finish(ctx) : true),
    (error: unknown) => handleError(pipeline, ctx, error, "inbound").then(() => finish(ctx)),
  );
}

/** Backend then outbound, after runInbound returned true; completes the request. */
export async function runAfterInbound(pipeline: Pipeline, ctx: PolicyContext): Promise<void> {
  let section = "backend";
  try {
    for (const [key, name] of AFTER_INBOUND) {
      section = name;
      const out = (pipeline[key] as Step)(ctx);
      const outcome: Outcome = isPromise(out) ? await out : out;
      if (outcome.kind === "respond") break;
    }
  } catch (error) {
    await handleError(pipeline, ctx, error, section);
  }
  completeRequest(ctx, reportCompletionFailure(ctx));
}

function finish(ctx: PolicyContext): false {
  completeRequest(ctx, reportCompletionFailure(ctx));
  return false;
}

async function handleError(pipeline: Pipeline, ctx: PolicyContext, error: unknown, section: string): Promise<void> {
  const origin = originOf(error);
  ctx.lastError = lastErrorOf(error, origin, section);
  ctx.response = defaultErrorResponse(error, ctx);
  try {
    const out = pipeline.onError(ctx);
    if (isPromise(out)) await out;
  } catch (second) {
    // on-error failed too: APIM does not run on-error twice; the new failure decides the answer.
    ctx.lastError = lastErrorOf(second, originOf(second), "on-error");
    ctx.response = defaultErrorResponse(second, ctx);
  }
}

function lastErrorOf(error: unknown, origin: StatementOrigin | undefined, section: string): PolicyContext["lastError"] {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PolicyError) {
    return {
      source: error.source === "expression" ? (origin?.source ?? error.source) : error.source,
      reason: error.reason,
      message,
      scope: origin?.scope ?? "",
      section: origin?.section || section,
      path: origin?.path ?? "",
      policyId: origin?.policyId ?? "",
    };
  }
  return {
    source: origin?.source ?? "gateway",
    reason: "PolicyExecutionFailure",
    message,
    scope: origin?.scope ?? "",
    section: origin?.section || section,
    path: origin?.path ?? "",
    policyId: origin?.policyId ?? "",
  };
}

/** APIM-like error answer: predefined errors say what happened; anything else says little (details go to logs). */
function defaultErrorResponse(error: unknown, ctx: PolicyContext) {
  if (error instanceof PolicyResponseError) {
    const response = newResponse(error.statusCode, { statusCode: error.statusCode, message: error.message });
    for (const [name, value] of error.headers) response.headers.set(name.toLowerCase(), [value]);
    return response;
  }
  if (error instanceof PolicyError && error.statusCode !== 500) {
    return newResponse(error.statusCode, { statusCode: error.statusCode, message: error.message });
  }
  const response = newResponse(500, { statusCode: 500, message: "Internal server error", activityId: ctx.requestId });
  return response;
}
