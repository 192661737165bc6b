// A VNet runtime and a gateway unit that follows it, as `moat serve` wires them, for the vnet tests:
// no real probes, placeholder service tags, quiet logs unless a test passes its own.
import { systemClock } from "../../core/clock.js";
import { type GatewayUnit, startGatewayUnit } from "../../gateway/unit.js";
import { loadServiceTags } from "../../network/index.js";
import type { ConfigStore } from "../../store/index.js";
import { createVnetRuntime, type VnetRuntime, type VnetRuntimeOptions } from "../runtime.js";

/** A runtime for location "local" with test defaults; `overrides` wins. */
export function testVnetRuntime(
  store: ConfigStore,
  host: VnetRuntimeOptions["host"],
  overrides: Partial<VnetRuntimeOptions> = {},
): VnetRuntime {
  return createVnetRuntime({
    store,
    clock: systemClock,
    location: "local",
    host,
    catalog: loadServiceTags([], { placeholders: true }).catalog,
    dependencies: {},
    networkStatusIntervalMs: 60_000,
    log: { info: () => {}, warn: () => {} },
    probe: async () => ({ ok: true, durationMs: 0 }),
    ...overrides,
  });
}

/**
 * Starts a gateway unit on `port` (a fixed one: re-binds keep it), bound and resolving as the
 * (started) runtime says, and attaches it.
 */
export async function startAttachedUnit(
  store: ConfigStore,
  runtime: VnetRuntime,
  host: string,
  port: number,
): Promise<GatewayUnit> {
  const listeners = [{ port }];
  const unit = await startGatewayUnit({
    store,
    host,
    httpPort: port,
    httpsPort: 0,
    portalOrigins: [],
    serviceName: "moat",
    location: "local",
    logLevel: "silent",
    addresses: runtime.gatewayAddresses(listeners),
    backendSocket: runtime.backendSocket,
  });
  runtime.attach(unit.gateway, listeners);
  return unit;
}
