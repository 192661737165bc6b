// Live NetworkStatus probing (I/O allowed here, unlike src/network).

export * from "./dependencies.js";
export * from "./monitor.js";
export * from "./probes.js";
