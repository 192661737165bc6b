// `moat serve`: starts every component of this deployment and runs until SIGINT/SIGTERM.

import { pino } from "pino";
import { startApp } from "../app.js";
import { parseArgs } from "../args.js";
import { ConfigError, loadConfig } from "../config.js";
import type { Command } from "./command.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "start Moat (management API on HTTPS, gateway, portal) from configuration",
  async run(argv) {
    const { flags } = parseArgs(argv);
    let app: Awaited<ReturnType<typeof startApp>>;
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
      app = await startApp(config, { logError: (obj, msg) => logger.error(obj, msg), gateway: true });
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`moat: ${err.message}`);
        return 2;
      }
      throw err;
    }
    console.log(`moat: management API listening on ${app.managementUrl} (service "${app.config.serviceName}")`);
    if (app.generatedAdminKey) {
      console.log(`moat: generated administrator key (shown once, stored in ${app.config.dataDir}/admin.key):`);
      console.log(`  ${app.adminKey}`);
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.log(`moat: ${signal} received, shutting down`);
        resolve();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    await app.close();
    return 0;
  },
};
