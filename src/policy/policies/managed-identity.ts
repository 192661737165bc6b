// <authentication-managed-identity resource [client-id] [output-token-variable-name] [ignore-error]/>
// Gets an Entra ID token through the Azure Instance Metadata Service protocol (a self-hosted gateway on an
// Azure VM or AKS node with a managed identity can reach it) and caches it until shortly before expiry.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import type { PolicyParser } from "../parser.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE, PolicyError } from "../types.js";
import type { XmlElement } from "../xml/reader.js";

export const DEFAULT_IDENTITY_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token";
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
const TIMEOUT_MS = 10_000;

export interface IdentityConfig {
  resource: Dyn<string>;
  clientId: Dyn<string> | undefined;
  endpoint: string;
}

export function parseIdentity(el: XmlElement, p: PolicyParser): IdentityConfig | undefined {
  const m = p.mark();
  const resource = p.nonEmpty(el, "resource", { required: true });
  const clientId = p.nonEmpty(el, "client-id");
  if (p.failedSince(m) || !resource) return undefined;
  return { resource, clientId, endpoint: p.env.managedIdentityEndpoint ?? DEFAULT_IDENTITY_ENDPOINT };
}

/** A token source with its own cache (one per compiled statement). */
export function createTokenSource(config: IdentityConfig, source: string): (ctx: PolicyContext) => Promise<string> {
  const resource = getter(config.resource);
  const clientId = config.clientId ? getter(config.clientId) : undefined;
  const cache = new Map<string, { token: string; expiresAtMs: number }>();
  return async (ctx) => {
    const res = resource(ctx).trim();
    const client = clientId?.(ctx).trim();
    const key = `${res}|${client ?? ""}`;
    const now = ctx.services.clock.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAtMs - REFRESH_BEFORE_EXPIRY_MS > now) return hit.token;
    const url = new URL(config.endpoint);
    url.searchParams.set("api-version", "2018-02-01");
    url.searchParams.set("resource", res);
    if (client) url.searchParams.set("client_id", client);
    let answer: { statusCode: number; body: Buffer };
    try {
      answer = await ctx.services.http({
        url: url.toString(),
        method: "GET",
        headers: [["metadata", "true"]],
        timeoutMs: TIMEOUT_MS,
      });
    } catch (error) {
      throw new PolicyError(
        source,
        "ManagedIdentityUnavailable",
        `Managed identity endpoint could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        500,
        { cause: error },
      );
    }
    if (answer.statusCode !== 200) {
      throw new PolicyError(
        source,
        "ManagedIdentityTokenFailure",
        `Managed identity endpoint answered ${answer.statusCode} for resource ${res}.`,
      );
    }
    let token: string;
    let expiresAtMs: number;
    try {
      const body = JSON.parse(answer.body.toString("utf8")) as {
        access_token?: unknown;
        expires_on?: unknown;
        expires_in?: unknown;
      };
      if (typeof body.access_token !== "string") throw new Error("no access_token");
      token = body.access_token;
      const on = Number(body.expires_on);
      expiresAtMs = Number.isFinite(on) && on > 0 ? on * 1000 : now + (Number(body.expires_in) || 300) * 1000;
    } catch (error) {
      throw new PolicyError(
        source,
        "ManagedIdentityTokenFailure",
        `Managed identity endpoint returned no token: ${(error as Error).message}`,
      );
    }
    cache.set(key, { token, expiresAtMs });
    return token;
  };
}

export const authenticationManagedIdentity = definePolicy<{
  identity: IdentityConfig;
  output: string | undefined;
  ignoreError: boolean;
}>({
  name: "authentication-managed-identity",
  // Azure documents inbound only, yet real documents (AI-Gateway labs) fetch tokens into a variable in
  // outbound too, and Azure runs them; every section is accepted.
  sections: ["inbound", "backend", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const identity = parseIdentity(el, p);
    const output = p.nonEmpty(el, "output-token-variable-name", { expression: false });
    const ignore = p.boolean(el, "ignore-error", { expression: false });
    if (p.failedSince(m) || !identity) return undefined;
    return {
      identity,
      output: output?.kind === "const" ? output.value : undefined,
      ignoreError: ignore?.kind === "const" && ignore.value,
    };
  },
  compile({ identity, output, ignoreError }) {
    const token = createTokenSource(identity, "authentication-managed-identity");
    return async (ctx) => {
      let value: string;
      try {
        value = await token(ctx);
      } catch (error) {
        if (ignoreError) return CONTINUE;
        throw error;
      }
      if (output) ctx.variables.set(output, value);
      else ctx.request.headers.set("authorization", [`Bearer ${value}`]);
      return CONTINUE;
    };
  },
});
