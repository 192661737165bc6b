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

const STAGES: ReadonlyArray<readonly [keyof Pipeline, string]> = [
  ["inbound", "inbound"],
  ["backend", "backend"],
  ["outbound", "outbound"],
];

export async function runPipeline(pipeline: Pipeline, ctx: PolicyContext): Promise<void> {
  let section = "inbound";
  try {
    for (const [key, name] of STAGES) {
      section = name;
      const out = (pipeline[key] as Step)(ctx);
      const outcome: Outcome = isPromise(out) ? await out : out;
      if (outcome.kind === "respond") break;
    }
  } catch (error) {
    await handleError(pipeline, ctx, error, section);
  }
  completeRequest(ctx, (error) => {
    // Completion work (counter increments) fails quietly for the client; it is visible in the trace.
    ctx.trace.push({
      source: "policy",
      message: `completion failed: ${error instanceof Error ? error.message : String(error)}`,
    });
  });
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
