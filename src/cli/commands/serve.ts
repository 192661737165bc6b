// `moat serve`: starts every component of this deployment and runs until SIGINT/SIGTERM.

import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { pino } from "pino";
import { type RunningUnits, startUnits } from "../../scale/units.js";
import { startApp } from "../app.js";
import { parseArgs } from "../args.js";
import { ConfigError, loadConfig, type MoatConfig } from "../config.js";
import { ensureTlsCertificate } from "../tls.js";
import type { Command } from "./command.js";

const unitLog = (level: "info" | "warn" | "error", message: string) =>
  (level === "info" ? console.log : console.error)(`moat: ${message}`);

/** Gateway units of `--role gateway` or `--units N`: no management API, configuration from the store. */
async function startGatewayUnits(config: Readonly<MoatConfig>): Promise<RunningUnits> {
  const dataDir = resolve(config.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ConfigError(`dataDir: cannot create ${dataDir}: ${(err as Error).message}`);
  }
  const tls = await ensureTlsCertificate(dataDir, config.gateway, "gateway");
  const host = config.portal.host === "0.0.0.0" || config.portal.host === "::" ? "localhost" : config.portal.host;
  const portalUrl = config.portal.publicUrl ?? `http://${host}:${config.portal.port}`;
  const units = await startUnits(
    { ...config, dataDir },
    { tls: { cert: tls.cert, key: tls.key }, portalOrigins: [new URL(portalUrl).origin], log: unitLog },
  );
  for (const u of units.units)
    unitLog(
      "info",
      `gateway unit ${u.index + 1} of ${config.units} (location "${config.location}") listening on port(s) ${u.ports.join(", ")}${u.metricsPort === undefined ? "" : `, metrics on ${config.metrics.host}:${u.metricsPort}`}`,
    );
  return units;
}

export const serveCommand: Command = {
  name: "serve",
  summary: "start Moat (management API on HTTPS, gateway, portal) from configuration",
  async run(argv) {
    const { flags } = parseArgs(argv);
    let app: Awaited<ReturnType<typeof startApp>> | undefined;
    let units: RunningUnits | undefined;
    try {
      const config = loadConfig({
        ...(typeof flags.config === "string" ? { file: flags.config } : {}),
        env: process.env,
        flags,
      });
      // Faults go to the log with credentials redacted once, here.
      const logger = pino({
        level: config.log.level,
        redact: ["authorization", "*.authorization", "headers.authorization"],
      });
      if (config.role === "management" && config.units > 1)
        throw new ConfigError("units: --role management runs no gateway units (use --role gateway or all)");
      // --role gateway runs units only; --units N runs the gateway in N worker processes.
      if (config.role !== "gateway")
        app = await startApp(config, { logError: (obj, msg) => logger.error(obj, msg), gateway: config.units <= 1 });
      if (config.role === "gateway" || (config.role === "all" && config.units > 1))
        units = await startGatewayUnits(config).catch(async (err: unknown) => {
          await app?.close();
          throw err;
        });
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`moat: ${err.message}`);
        return 2;
      }
      throw err;
    }
    // Signal handlers first: whoever reads the lines below may signal at once.
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.log(`moat: ${signal} received, shutting down`);
        resolve();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    if (app) {
      console.log(`moat: management API listening on ${app.managementUrl} (service "${app.config.serviceName}")`);
      const c = app.config;
      if (c.role === "all" && c.units <= 1)
        console.log(
          `moat: gateway on http://${c.gateway.host}:${c.gateway.httpPort} and https://${c.gateway.host}:${c.gateway.httpsPort}`,
        );
      if (c.role !== "gateway")
        console.log(`moat: developer portal on ${c.portal.publicUrl ?? `http://${c.portal.host}:${c.portal.port}`}`);
    }
    if (app?.generatedAdminKey) {
      console.log(`moat: generated administrator key (shown once, stored in ${app.config.dataDir}/admin.key):`);
      console.log(`  ${app.adminKey}`);
    }
    await stopped;
    await units?.close();
    await app?.close();
    return 0;
  },
};
