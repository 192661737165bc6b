// Runtime adapter of virtual-network integration (issue 4): access-mode binding, backend name
// resolution through the network's DNS, control-plane source filter, NetworkStatus wiring.
export * from "./bindings.js";
export * from "./catalog.js";
export * from "./client-filter.js";
export * from "./dns-lookup.js";
export * from "./network-state.js";
export * from "./runtime.js";
