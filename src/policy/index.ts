// The policy engine's public surface (management validates with it, the gateway compiles and runs with it).
export { compileBodyValidator } from "./api-schemas.js";
export type { ParsedStatement, PolicyDefinition, StatementOrigin } from "./definition.js";
export { PolicyResponseError } from "./errors.js";
export { toOperationContract } from "./operation-contract.js";
export { createExampleProvider, type ExampleProvider } from "./operation-examples.js";
export { compilePipeline, defaultGlobalPolicy, validatePolicyDocument } from "./pipeline.js";
export { registry } from "./registry.js";
export { hasPendingWork } from "./request-state.js";
export { runAfterInbound, runInbound, runPipeline } from "./runner.js";
export * from "./types.js";
export type { XmlAttribute, XmlElement } from "./xml/reader.js";
export { parseXml } from "./xml/reader.js";
