// Resource kinds of a Moat service, shaped like Azure's Microsoft.ApiManagement provider.
// An entity is addressed by a path relative to the service, mirroring the ARM id:
//   "apis/echo", "apis/echo/operations/get-user", "products/starter/apis/echo", "policies/policy",
//   "apis/echo/policies/policy", "namedValues/backend-key". The service itself has the id "".
// The store keeps `properties` as JSON; the management API wraps them in ARM envelopes.

export type ResourceKind =
  | "service"
  | "api"
  | "operation"
  | "apiVersionSet"
  | "product"
  | "productApi"
  | "productGroup"
  | "subscription"
  | "user"
  | "group"
  | "groupUser"
  | "backend"
  | "namedValue"
  | "policy"
  | "policyFragment"
  /** "schemas/{schemaId}": service-level ("global") JSON or XML schemas that validate-content's schema-id names. */
  | "schema"
  | "certificate"
  | "tag"
  | "tagLink"
  | "template"
  | "logger"
  | "cache"
  | "portalSetting"
  | "userCredential"
  | "virtualNetwork"
  | "networkSecurityGroup"
  | "routeTable"
  /** "apis/{apiId}/schemas/{schemaId}": reusable schemas of an API (OpenAPI components / definitions). */
  | "apiSchema"
  /**
   * Internal, never served: a marker the management API bumps (with an etag precondition) in the same
   * transaction as a write whose validity depends on other entities (unique API paths, unique
   * operations, a product's subscriptionsLimit), so two concurrent writers cannot both pass the check.
   * Ids: "writeGuards/apiPaths", "apis/{apiId}/writeGuards/operations", "products/{productId}/writeGuards/subscriptions".
   */
  | "writeGuard";

export type ProductState = "notPublished" | "published";
export type SubscriptionState = "suspended" | "active" | "expired" | "submitted" | "rejected" | "cancelled";
export type UserState = "active" | "blocked" | "pending" | "deleted";
export type VersioningScheme = "Segment" | "Query" | "Header";
export type Protocol = "http" | "https" | "ws" | "wss";

export interface ApiProperties {
  displayName: string;
  path: string;
  serviceUrl?: string;
  protocols?: Protocol[];
  apiType?: "http" | "soap" | "websocket" | "graphql";
  type?: string;
  description?: string;
  subscriptionRequired?: boolean;
  subscriptionKeyParameterNames?: { header?: string; query?: string };
  apiRevision?: string;
  isCurrent?: boolean;
  apiVersion?: string;
  apiVersionSetId?: string;
  apiVersionDescription?: string;
  /** Original OpenAPI document when the API was imported, for export and the portal. */
  [key: string]: unknown;
}

export interface ParameterContract {
  name: string;
  type: string;
  required?: boolean;
  defaultValue?: string;
  values?: string[];
  description?: string;
  [key: string]: unknown;
}

export interface OperationProperties {
  displayName: string;
  method: string;
  urlTemplate: string;
  templateParameters?: ParameterContract[];
  description?: string;
  request?: { queryParameters?: ParameterContract[]; headers?: ParameterContract[]; [key: string]: unknown };
  responses?: Array<{ statusCode: number; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface ApiVersionSetProperties {
  displayName: string;
  versioningScheme: VersioningScheme;
  versionQueryName?: string;
  versionHeaderName?: string;
  description?: string;
}

export interface ProductProperties {
  displayName: string;
  description?: string;
  terms?: string;
  subscriptionRequired?: boolean;
  approvalRequired?: boolean;
  subscriptionsLimit?: number;
  state?: ProductState;
}

export interface SubscriptionProperties {
  /** "/users/{uid}" (or a full ARM id ending so); absent for a standalone subscription. */
  ownerId?: string;
  /** "/products/{id}", "/apis", "/apis/{id}" or "/" (all access); full ARM ids are normalised to these. */
  scope: string;
  displayName?: string;
  state: SubscriptionState;
  primaryKey: string;
  secondaryKey: string;
  allowTracing?: boolean;
  createdDate?: string;
  startDate?: string;
  expirationDate?: string;
  endDate?: string;
  notificationDate?: string;
  stateComment?: string;
}

export interface UserProperties {
  email: string;
  firstName: string;
  lastName: string;
  state: UserState;
  note?: string;
  registrationDate?: string;
  identities?: Array<{ provider: string; id: string }>;
}

export interface GroupProperties {
  displayName: string;
  description?: string;
  builtIn?: boolean;
  type?: "custom" | "system" | "external";
  externalId?: string;
}

export interface BackendProperties {
  url: string;
  protocol: "http" | "soap";
  title?: string;
  description?: string;
  resourceId?: string;
  credentials?: {
    certificateIds?: string[];
    certificate?: string[];
    query?: Record<string, string[]>;
    header?: Record<string, string[]>;
    authorization?: { scheme: string; parameter: string };
  };
  proxy?: { url: string; username?: string; password?: string };
  tls?: { validateCertificateChain?: boolean; validateCertificateName?: boolean };
  circuitBreaker?: {
    rules: Array<{
      name: string;
      failureCondition: {
        count?: number;
        percentage?: number;
        interval: string;
        statusCodeRanges?: Array<{ min: number; max: number }>;
        errorReasons?: string[];
      };
      tripDuration: string;
      acceptRetryAfter?: boolean;
    }>;
  };
  type?: "Single" | "Pool";
  pool?: { services: Array<{ id: string; weight?: number; priority?: number }> };
}

export interface NamedValueProperties {
  displayName: string;
  value?: string;
  secret?: boolean;
  tags?: string[];
}

export interface PolicyProperties {
  value: string;
  format?: "xml" | "rawxml";
}

export interface PolicyFragmentProperties {
  value: string;
  format?: "xml" | "rawxml";
  description?: string;
}

/** A stored entity as every ConfigStore backend returns it. */
export interface StoredEntity<P = Record<string, unknown>> {
  readonly kind: ResourceKind;
  /** Path relative to the service, e.g. "apis/echo/operations/get". */
  readonly id: string;
  /** Last segment of the id: the resource's name. */
  readonly name: string;
  /** Id of the parent entity ("apis/echo" for an operation), "" for top-level ones. */
  readonly parentId: string;
  readonly properties: P;
  /** Opaque quoted string, changes on every write. */
  readonly etag: string;
  /** Store revision of the last write to this entity. */
  readonly revision: number;
}
