// Compiled, immutable view of one configuration revision: what the request path reads.
import type { Diagnostic } from "../../core/errors.js";
import type {
  ApiInfo,
  DeploymentInfo,
  OperationInfo,
  Pipeline,
  PolicyEnvironment,
  ProductInfo,
  SubscriptionInfo,
  UserInfo,
} from "../../policy/types.js";
import type { BackendRoute } from "./backends.js";
import type { OperationMatcher } from "./operation-matcher.js";
import type { RouteTable } from "./route-table.js";

/** What runs for one (api, operation, product): nothing but forwarding, a pipeline, or a broken config. */
export type PipelineEntry =
  | { readonly kind: "forward" }
  | { readonly kind: "pipeline"; readonly pipeline: Pipeline }
  | { readonly kind: "invalid"; readonly diagnostics: readonly Diagnostic[] };

export interface ProductRoute {
  readonly name: string;
  readonly info: ProductInfo;
  /** API names (revision suffix stripped) in this product. */
  readonly apiNames: ReadonlySet<string>;
  readonly subscriptionRequired: boolean;
  readonly policy: string | undefined;
}

export interface OperationRoute {
  readonly info: OperationInfo;
  readonly policy: string | undefined;
  /** Lazily filled: one entry per product context (undefined = no product). */
  readonly pipelines: Map<ProductRoute | undefined, PipelineEntry>;
  /** The policy environment with this operation's API definition (schemas, parameters, examples). */
  readonly env?: PolicyEnvironment;
}

export interface ApiRoute {
  readonly name: string;
  /** Name without `;rev=n`: what products and subscriptions refer to. */
  readonly baseName: string;
  readonly info: ApiInfo;
  readonly allowsHttp: boolean;
  readonly allowsHttps: boolean;
  readonly isWebSocket: boolean;
  readonly subscriptionRequired: boolean;
  /** Lower-cased header name and query name carrying the subscription key. */
  readonly keyHeader: string;
  readonly keyQuery: string;
  readonly operations: OperationMatcher<OperationRoute>;
  /** Open product (subscriptionRequired=false) containing this API: the context of key-less calls. */
  readonly openProduct: ProductRoute | undefined;
  readonly policy: string | undefined;
  /** Parsed serviceUrl: where the fast path sends requests (undefined: no serviceUrl configured). */
  readonly backend: BackendBase | undefined;
  /** Decision objects shared by every request that needs them (no allocation per request). */
  readonly openDecision: AccessGranted | undefined;
}

export interface BackendBase {
  readonly url: string;
  readonly origin: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  /** Host header value for the backend ("host" or "host:port"). */
  readonly hostHeader: string;
  /** Path of the service URL without trailing slash ("" for none). */
  readonly path: string;
}

export interface AccessGranted {
  readonly ok: true;
  readonly product: ProductRoute | undefined;
  readonly subscription: SubscriptionInfo | undefined;
  readonly user: UserInfo | undefined;
  readonly allowTracing: boolean;
}

export type SubscriptionScope =
  | { readonly kind: "all" }
  | { readonly kind: "api"; readonly name: string }
  | { readonly kind: "product"; readonly product: ProductRoute };

export interface KeyEntry {
  readonly subscriptionName: string;
  readonly scope: SubscriptionScope;
  /** Active subscription whose owner (if any) is not blocked. */
  readonly usable: boolean;
  readonly granted: AccessGranted;
}

export interface LoggerRoute {
  readonly name: string;
  /** HTTP(S) sink URL the gateway POSTs events to; undefined when the logger has no HTTP sink. */
  readonly url: string | undefined;
  readonly headers: ReadonlyArray<[string, string]>;
}

export interface CertificateMaterial {
  pfx?: Buffer;
  cert?: string;
  key?: string;
  passphrase?: string;
}

export interface GatewaySnapshot {
  readonly revision: number;
  readonly routes: RouteTable<ApiRoute>;
  readonly keys: ReadonlyMap<string, KeyEntry>;
  readonly backends: ReadonlyMap<string, BackendRoute>;
  readonly loggers: ReadonlyMap<string, LoggerRoute>;
  readonly certificates: ReadonlyMap<string, CertificateMaterial>;
  readonly deployment: DeploymentInfo;
  /** Compiled on first use and cached on the operation route (this snapshot only). */
  pipelineFor(api: ApiRoute, operation: OperationRoute, product: ProductRoute | undefined): PipelineEntry;
}
