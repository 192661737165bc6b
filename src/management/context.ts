// Types shared by the management API's router, resource table and handlers.
import type { IncomingHttpHeaders } from "node:http";
import type { Clock } from "../core/clock.js";
import type { Diagnostic } from "../core/errors.js";
import type { NetworkStatusContract } from "../netstatus/index.js";
import type { ServiceTagCatalog } from "../network/index.js";
import type { PolicyEnvironment, PolicyScope } from "../policy/types.js";
import type { ConfigStore } from "../store/contract.js";

/** Who is calling: the administrator key (or an admin SAS token), or a developer's SAS token. */
export type Principal = { readonly kind: "admin" } | { readonly kind: "user"; readonly userId: string };

export type PolicyValidator = (xml: string, scope: PolicyScope, env: PolicyEnvironment) => Diagnostic[];

export interface ServiceUrls {
  gatewayUrl: string;
  portalUrl: string;
  developerPortalUrl: string;
  managementApiUrl: string;
}

export interface ManagementOptions {
  store: ConfigStore;
  clock: Clock;
  /** The one service this deployment serves ({serviceName} in ARM paths). */
  serviceName: string;
  location: string;
  adminKey: string;
  /** Secret that signs developer SAS tokens. */
  signingKey: string;
  urls: ServiceUrls;
  /** Defaults to the policy engine's validatePolicyDocument. */
  validatePolicy?: PolicyValidator;
  bodyLimitBytes?: number;
  /** Used in ARM ids of replies to short-form requests. */
  subscriptionId?: string;
  resourceGroup?: string;
  /** Lifetime of tokens returned by GET /identity. */
  identityTokenTtlMs?: number;
  /** Service tags for network validation (default: placeholders only). */
  serviceTags?: ServiceTagCatalog;
  /** The host's addresses and live network status (set by the composition root when in a network). */
  network?: ManagementNetwork;
  /** Control-plane sources allowed to connect (checked per connection); absent = anyone. */
  allowClient?: (remoteAddress: string) => boolean;
}

export interface ManagementNetwork {
  /** Address consumers reach in None/External mode (the "public VIP"). */
  readonly publicAddress?: string;
  /** Address in the service's subnet (the "private VIP" in Internal mode). */
  readonly privateAddress?: string;
  /** NetworkStatus of the live monitor of this location, when one runs in this process. */
  status?(location: string): NetworkStatusContract | undefined;
}

export interface RequestContext {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty). */
  readonly body: unknown;
  readonly principal: Principal;
  /** "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}". */
  readonly armBase: string;
  /** Origin and path prefix the request used, to build nextLink URLs in the same form. */
  readonly origin: string;
  readonly pathPrefix: string;
  /** Path after the prefix, e.g. "/apis/echo". */
  readonly path: string;
  readonly options: ManagementOptions;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;
