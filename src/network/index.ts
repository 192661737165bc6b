// Public surface of the network model (pure: no I/O). See docs/architecture.md.
export * from "./arm-expressions.js";
export * from "./arm-shapes.js";
export * from "./arm-template.js";
export * from "./ipv4.js";
export * from "./model.js";
export * from "./nsg-eval.js";
export * from "./nsg-rules.js";
export * from "./reachability.js";
export * from "./regions.js";
export * from "./required-flows.js";
export * from "./routes.js";
export * from "./service-tags.js";
export * from "./sizing.js";
export * from "./template-check.js";
export * from "./topology-document.js";
export * from "./topology-index.js";
export * from "./validate-deployment.js";
