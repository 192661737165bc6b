// Starts the developer portal for `moat serve`: a management client that trusts the management
// listener's certificate, the SMTP mailer from configuration, and the portal listener.
// The portal's secret is derived from the deployment's signing key, so every portal instance of one
// deployment opens the same sessions and links, and a restart signs nobody out.
import { createHmac } from "node:crypto";
import { createMailer } from "../portal/mailer.js";
import { createManagementClient } from "../portal/management-client.js";
import { createPortal, type PortalOptions } from "../portal/server.js";
import type { MoatConfig } from "./config.js";

export interface PortalDeps {
  /** Base URL the management API listens on, e.g. https://127.0.0.1:3443. */
  readonly managementUrl: string;
  readonly adminKey: string;
  /** PEM certificate (or CA) of the management listener; without it only loopback skips verification. */
  readonly managementCa?: string;
  /** Deployment secret (the SAS signing key); the portal derives its own keys from it. */
  readonly secret: string;
  /** Overrides the try-it target (default: the gateway's HTTP listener from configuration). */
  readonly gatewayUrl?: string;
  readonly gatewayHttpsUrl?: string;
  readonly log?: PortalOptions["log"];
  /** Test-only hooks; `moat serve` never sets them. */
  readonly testHooks?: PortalOptions["testHooks"];
}

export interface PortalComponent {
  readonly name: "portal";
  readonly url: string;
  close(): Promise<void>;
}

const hostForUrl = (host: string) => (host === "0.0.0.0" || host === "::" ? "localhost" : host);

export async function startPortal(config: Readonly<MoatConfig>, deps: PortalDeps): Promise<PortalComponent> {
  const loopback = /^https:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(deps.managementUrl);
  const management = createManagementClient({
    baseUrl: deps.managementUrl,
    adminKey: deps.adminKey,
    ...(deps.managementCa ? { ca: deps.managementCa } : {}),
    // Verification is only relaxed for a loopback management API with no certificate given.
    rejectUnauthorized: deps.managementCa !== undefined || !loopback,
  });
  const log = deps.log ?? { info() {}, warn() {}, error() {} };
  const mailer = createMailer(
    {
      host: config.smtp.host,
      port: config.smtp.port,
      secure: config.smtp.secure,
      from: config.smtp.from,
      ...(config.smtp.user ? { user: config.smtp.user } : {}),
      ...(config.smtp.password ? { password: config.smtp.password } : {}),
    },
    management,
    log,
  );
  const secret = createHmac("sha256", deps.secret).update("moat-portal").digest();
  const gatewayUrl = deps.gatewayUrl ?? `http://${hostForUrl(config.gateway.host)}:${config.gateway.httpPort}`;
  const portal = createPortal({
    management,
    mailer,
    secret,
    gatewayUrl,
    gatewayHttpsUrl: deps.gatewayHttpsUrl ?? `https://${hostForUrl(config.gateway.host)}:${config.gateway.httpsPort}`,
    organizationName: config.serviceName,
    log,
    // The same default the management API and the gateway's CORS list use, so mail links, the
    // portal's Origin check and the gateway agree on one origin.
    ...(config.portal.publicUrl || config.portal.port !== 0
      ? { publicUrl: config.portal.publicUrl ?? `http://${hostForUrl(config.portal.host)}:${config.portal.port}` }
      : {}),
    ...(deps.testHooks ? { testHooks: deps.testHooks } : {}),
  });
  const addr = await portal.listen(config.portal.port, config.portal.host);
  const url = config.portal.publicUrl ?? `http://${hostForUrl(config.portal.host)}:${addr.port}`;
  return {
    name: "portal",
    url,
    async close() {
      await portal.close();
      mailer.close();
      await management.close();
    },
  };
}
