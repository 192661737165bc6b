// The real APIM policy engine (src/policy) in the shape the gateway consumes.
import {
  compilePipeline,
  defaultGlobalPolicy,
  hasPendingWork,
  runAfterInbound,
  runInbound,
  runPipeline,
} from "../policy/index.js";
import type { PolicyEngine } from "./policy-engine.js";

export const apimPolicyEngine: PolicyEngine = Object.freeze({
  compilePipeline,
  runPipeline,
  runInbound,
  runAfterInbound,
  hasPendingWork,
  defaultGlobalPolicy,
});
