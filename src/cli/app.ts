// Composition root for `moat serve`: prepares the data directory, secrets and TLS material, opens
// the store and starts each component. Components are kept in start order and closed in reverse.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { systemClock } from "../core/clock.js";
import { startGatewayUnit } from "../gateway/unit.js";
import { createManagementServer, type PolicyValidator, seedService } from "../management/index.js";
import { startUnitLimits } from "../scale/unit-limits.js";
import { type ConfigStore, createConfigStore } from "../store/index.js";
import type { BindingPlan } from "../vnet/index.js";
import { ensureSecrets } from "./admin-key.js";
import { ConfigError, type MoatConfig } from "./config.js";
import { startPortal } from "./portal-wiring.js";
import { ensureTlsCertificate } from "./tls.js";
import { managementNetworkOptions, startUnitReportReader, startVnetRuntime } from "./vnet-wiring.js";

export interface Component {
  readonly name: string;
  close(): Promise<void>;
}

export interface App {
  readonly config: Readonly<MoatConfig>;
  readonly store: ConfigStore;
  readonly managementUrl: string;
  readonly adminKey: string;
  /** Set on the start that generated the admin key: print it once. */
  readonly generatedAdminKey: boolean;
  readonly components: readonly Component[];
  close(): Promise<void>;
}

export interface StartOptions {
  validatePolicy?: PolicyValidator;
  logError?: (obj: object, msg: string) => void;
  /** Start the gateway on gateway.httpPort/httpsPort (`moat serve` does; tests of other parts may not). */
  gateway?: boolean;
}

const hostForUrl = (host: string) => (host === "0.0.0.0" || host === "::" ? "localhost" : host);

/**
 * Origins the gateway's CORS answers for the portal's try-it console. Without a configured publicUrl
 * the portal is "localhost", but users open it as 127.0.0.1 or [::1] just as often: same machine.
 */
export function portalOrigins(portalUrl: string, derived: boolean): string[] {
  const url = new URL(portalUrl);
  if (!derived || url.hostname !== "localhost") return [url.origin];
  const port = url.port ? `:${url.port}` : "";
  return [url.origin, `${url.protocol}//127.0.0.1${port}`, `${url.protocol}//[::1]${port}`];
}

const LISTEN_CODES = new Set(["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"]);

/**
 * A busy or forbidden port is a configuration problem: name the key, not a stack trace. `keyFor`
 * picks the key from the port the error reports (the gateway opens two listeners).
 */
function listenError(err: unknown, keyFor: (port: number | undefined) => string): unknown {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (typeof e?.code !== "string" || !LISTEN_CODES.has(e.code)) return err;
  const where = e.address !== undefined && e.port !== undefined ? ` on ${e.address}:${e.port}` : "";
  return new ConfigError(`${keyFor(e.port)}: cannot listen${where} (${e.code})`);
}

export async function startApp(config: Readonly<MoatConfig>, options: StartOptions = {}): Promise<App> {
  const dataDir = resolve(config.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ConfigError(`dataDir: cannot create ${dataDir}: ${(err as Error).message}`);
  }
  const secrets = ensureSecrets(dataDir, config.adminKey);
  const tls = await ensureTlsCertificate(dataDir, config.management, "management", [
    "localhost",
    config.management.host,
  ]);

  const components: Component[] = [];
  const closeAll = async () => {
    for (const c of [...components].reverse()) await c.close();
    components.length = 0;
  };
  try {
    const store = await createConfigStore(config.store, {
      dataDir,
      changeRetention: {
        keepRevisions: config.changeFeed.keepRevisions,
        keepMs: config.changeFeed.keepSeconds * 1000,
      },
    });
    components.push({ name: "store", close: () => store.close() });

    // Virtual-network integration follows the service's network settings in the store (src/vnet).
    const logError = options.logError ?? (() => {});
    const { runtime: vnet, catalog } = await startVnetRuntime(config, store, {
      info() {},
      warn: (obj, msg) => logError(obj, msg),
    });
    components.push({ name: "vnet", close: () => vnet.close() });
    // Gateway units in other processes report their NetworkStatus probes through Redis.
    const unitReports = startUnitReportReader(config, { warn: (obj, msg) => logError(obj, msg) });
    if (unitReports) components.push({ name: "unit network reports", close: () => unitReports.close() });

    const mgmtHost = hostForUrl(config.management.host);
    const managementOptions = {
      store,
      clock: systemClock,
      serviceName: config.serviceName,
      location: config.location,
      adminKey: secrets.adminKey,
      signingKey: secrets.signingKey,
      urls: {
        gatewayUrl: `https://${hostForUrl(config.gateway.host)}:${config.gateway.httpsPort}`,
        portalUrl: config.portal.publicUrl ?? `http://${hostForUrl(config.portal.host)}:${config.portal.port}`,
        developerPortalUrl: config.portal.publicUrl ?? `http://${hostForUrl(config.portal.host)}:${config.portal.port}`,
        managementApiUrl: `https://${mgmtHost}:${config.management.port}`,
      },
      ...(options.validatePolicy ? { validatePolicy: options.validatePolicy } : {}),
      ...managementNetworkOptions(config, vnet, catalog, unitReports),
    };
    await seedService(managementOptions);
    const management = createManagementServer(
      managementOptions,
      { key: tls.key, cert: tls.cert },
      options.logError ? { error: options.logError } : undefined,
    );
    const managementUrl = await management
      .listen(config.management.port, config.management.host)
      .catch((err: NodeJS.ErrnoException) => {
        // A busy or forbidden port is a configuration problem: name the key, not a stack trace.
        if (err.code === "EADDRINUSE" || err.code === "EACCES" || err.code === "EADDRNOTAVAIL")
          throw new ConfigError(
            `management.port: cannot listen on ${config.management.host}:${config.management.port} (${err.code})`,
          );
        throw err;
      });
    components.push({ name: "management", close: () => management.close() });

    // The developer portal talks to the management API over HTTPS only, trusting its certificate.
    // In a network the portal binds where the mode says (Internal: the private address only) and is
    // restarted when the mode changes.
    let portalPlan: ((plan: BindingPlan) => Promise<void>) | undefined;
    if (config.role !== "gateway") {
      const portalDeps = {
        // A wildcard listener is reached on loopback, by the name its certificate carries.
        managementUrl: managementUrl.replace(/^https:\/\/(0\.0\.0\.0|\[::\])(?=:)/, "https://localhost"),
        adminKey: secrets.adminKey,
        managementCa: tls.cert,
        secret: secrets.signingKey,
        log: { info() {}, warn: logError, error: logError },
      };
      const portalHost = (plan: BindingPlan) =>
        plan.mode === "None" ? config.portal.host : (plan.hosts[0] ?? config.portal.host);
      let host = portalHost(vnet.plan());
      let portal = await startPortal({ ...config, portal: { ...config.portal, host } }, portalDeps).catch((err) => {
        throw listenError(err, () => "portal.port");
      });
      components.push({ name: "portal", close: () => portal.close() });
      portalPlan = async (plan) => {
        if (portalHost(plan) === host) return;
        host = portalHost(plan);
        await portal.close();
        portal = await startPortal({ ...config, portal: { ...config.portal, host } }, portalDeps);
      };
    }

    // The gateway serves API traffic from the same store; portal origins may call it from browsers.
    if (options.gateway && config.role !== "management") {
      const gatewayTls =
        config.gateway.certFile || config.gateway.keyFile
          ? await ensureTlsCertificate(dataDir, config.gateway, "gateway")
          : tls;
      const portalUrl = config.portal.publicUrl ?? `http://${hostForUrl(config.portal.host)}:${config.portal.port}`;
      // Counters and caches: Redis when configured (shared with other units), else the gateway's own.
      const limits = config.redis
        ? await startUnitLimits({
            store,
            location: config.location,
            redisUrl: config.redis,
            limits: config.limits,
            clock: systemClock,
            log: (_level, message) => (options.logError ?? (() => {}))({ component: "limits" }, message),
          })
        : undefined;
      if (limits) components.push({ name: "limits", close: () => limits.close() });
      const listeners = [
        { port: config.gateway.httpPort },
        { port: config.gateway.httpsPort, tls: { cert: gatewayTls.cert, key: gatewayTls.key } },
      ];
      const unit = await startGatewayUnit({
        ...(limits
          ? { counters: limits.counters, responseCache: limits.responseCache, valueCache: limits.valueCache }
          : {}),
        store,
        host: config.gateway.host,
        httpPort: config.gateway.httpPort,
        httpsPort: config.gateway.httpsPort,
        leanHttp: config.gateway.leanHttp,
        tls: { cert: gatewayTls.cert, key: gatewayTls.key },
        portalOrigins: portalOrigins(portalUrl, config.portal.publicUrl === undefined),
        serviceName: config.serviceName,
        location: config.location,
        logLevel: config.log.level,
        addresses: vnet.gatewayAddresses(listeners),
        backendSocket: vnet.backendSocket,
      }).catch((err) => {
        throw listenError(err, (port) =>
          port === config.gateway.httpsPort ? "gateway.httpsPort" : "gateway.httpPort",
        );
      });
      components.push(unit);
      vnet.attach(unit.gateway, listeners, portalPlan);
    } else if (portalPlan) vnet.attach(undefined, [], portalPlan);

    return {
      config,
      store,
      managementUrl,
      adminKey: secrets.adminKey,
      generatedAdminKey: secrets.generatedAdminKey,
      components,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
