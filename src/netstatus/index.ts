// Live NetworkStatus probing (I/O allowed here, unlike src/network).
export * from "./monitor.js";
export * from "./probes.js";
