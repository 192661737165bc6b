// Moat's own dependencies as NetworkStatus entries (issue 4 part 5): configuration store, Redis,
// SMTP relay, DNS servers, log sinks, metrics endpoint and each backend host. The composition root
// passes its configuration; bad entries come back as diagnostics, not exceptions.
import type { Diagnostic } from "../core/errors.js";
import type { Dependency } from "./monitor.js";

export interface MoatDependencyConfig {
  /** postgres://… for the shared store; sqlite stores are local files and are not probed. */
  readonly storeUrl?: string;
  readonly redisUrl?: string;
  readonly smtp?: { readonly host: string; readonly port?: number };
  /** DNS servers in use (the service's snapshot) and the name each is asked for. */
  readonly dnsServers?: readonly string[];
  readonly dnsQuery?: string;
  readonly backends?: readonly string[];
  readonly logSinks?: readonly string[];
  readonly metricsUrl?: string;
}

export function dependenciesFromConfig(config: MoatDependencyConfig): {
  dependencies: Dependency[];
  diagnostics: Diagnostic[];
} {
  const dependencies: Dependency[] = [];
  const diagnostics: Diagnostic[] = [];
  const url = (text: string, path: string): URL | undefined => {
    try {
      return new URL(text);
    } catch {
      diagnostics.push({ severity: "error", code: "NETSTATUS_ERR_BAD_URL", message: `"${text}" is not a URL`, path });
      return undefined;
    }
  };
  if (config.storeUrl) {
    const u = url(config.storeUrl, "storeUrl");
    if (u && /^postgres(ql)?:$/.test(u.protocol))
      dependencies.push({
        name: `${u.hostname}:${u.port || 5432}`,
        resourceType: "ConfigurationStore",
        isOptional: false,
        probe: { kind: "tcp", host: u.hostname, port: Number(u.port || 5432) },
      });
  }
  if (config.redisUrl) {
    const u = url(config.redisUrl, "redisUrl");
    if (u)
      dependencies.push({
        name: `${u.hostname}:${u.port || 6379}`,
        resourceType: "Cache",
        isOptional: true,
        probe: { kind: "redis", host: u.hostname, port: Number(u.port || 6379) },
      });
  }
  if (config.smtp) {
    const port = config.smtp.port ?? 25;
    dependencies.push({
      name: `${config.smtp.host}:${port}`,
      resourceType: "Email",
      isOptional: true,
      probe: { kind: "smtp", host: config.smtp.host, port },
    });
  }
  for (const server of config.dnsServers ?? [])
    dependencies.push({
      name: server,
      resourceType: "DnsServer",
      isOptional: false,
      probe: { kind: "dns", server, query: config.dnsQuery ?? "management.azure.com" },
    });
  const http = (list: readonly string[] | undefined, key: string, resourceType: string) =>
    (list ?? []).forEach((text, i) => {
      const u = url(text, `${key}[${i}]`);
      if (u) dependencies.push({ name: u.host, resourceType, isOptional: true, probe: { kind: "http", url: u.href } });
    });
  http(config.backends, "backends", "Backend");
  http(config.logSinks, "logSinks", "Logging");
  if (config.metricsUrl) http([config.metricsUrl], "metricsUrl", "Metrics");
  return { dependencies, diagnostics };
}
