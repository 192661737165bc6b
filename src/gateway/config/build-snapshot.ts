// Compiles a store Snapshot into the GatewaySnapshot the request path reads: route table, key index,
// products per API, backends, loggers, certificates. Pipelines compile lazily on first use and are
// cached on the operation route, so a revision with 10,000 APIs does not compile 10,000 pipelines.
import type {
  ApiProperties,
  ApiVersionSetProperties,
  BackendProperties,
  OperationProperties,
  PolicyProperties,
  ProductProperties,
  StoredEntity,
  SubscriptionProperties,
  UserProperties,
} from "../../model/resources.js";
import { toOperationContract } from "../../policy/operation-contract.js";
import type { DeploymentInfo, PolicyEnvironment, SubscriptionInfo, UserInfo } from "../../policy/types.js";
import type { Snapshot } from "../../store/contract.js";
import type { PolicyEngine } from "../policy-engine.js";
import { type BackendRoute, compileBackend } from "./backends.js";
import { compileOperationMatcher } from "./operation-matcher.js";
import { compileRouteTable, type RouteEntry, splitPath } from "./route-table.js";
import type {
  AccessGranted,
  ApiRoute,
  BackendBase,
  CertificateMaterial,
  GatewaySnapshot,
  KeyEntry,
  LoggerRoute,
  OperationRoute,
  PipelineEntry,
  ProductRoute,
  SubscriptionScope,
} from "./types.js";

export interface BuildOptions {
  readonly engine: PolicyEngine;
  readonly deployment: DeploymentInfo;
  /** Reports entities that could not be compiled (bad URL template, …); they are skipped. */
  readonly warn?: (message: string) => void;
}

const lastSegment = (ref: string): string => ref.slice(ref.lastIndexOf("/") + 1);
const stripRev = (name: string): string => {
  const i = name.indexOf(";rev=");
  return i === -1 ? name : name.slice(0, i);
};
/** Collapses whitespace between tags so an unchanged default global policy is recognised. */
const normaliseXml = (xml: string): string => xml.replace(/>\s+</g, "><").trim();

export function buildGatewaySnapshot(snapshot: Snapshot, options: BuildOptions): GatewaySnapshot {
  const warn = options.warn ?? (() => {});
  const byKind = new Map<string, StoredEntity[]>();
  for (const e of snapshot.entities) {
    let list = byKind.get(e.kind);
    if (!list) {
      list = [];
      byKind.set(e.kind, list);
    }
    list.push(e);
  }
  const all = <P>(kind: string) => (byKind.get(kind) ?? []) as unknown as StoredEntity<P>[];

  const policies = new Map<string, string>();
  for (const p of all<PolicyProperties>("policy")) policies.set(p.parentId, p.properties.value);
  const policyOf = (ownerId: string): string | undefined => policies.get(ownerId);

  // Groups per user, users by name.
  const groupNames = new Map<string, string>();
  for (const g of all<{ displayName?: string }>("group")) groupNames.set(g.name, g.properties.displayName ?? g.name);
  const userGroups = new Map<string, Array<{ id: string; name: string }>>();
  for (const gu of all("groupUser")) {
    const group = lastSegment(gu.parentId);
    const list = userGroups.get(gu.name) ?? [];
    list.push({ id: group, name: groupNames.get(group) ?? group });
    userGroups.set(gu.name, list);
  }
  const users = new Map<string, { info: UserInfo; active: boolean }>();
  for (const u of all<UserProperties>("user")) {
    const p = u.properties;
    users.set(u.name, {
      active: p.state !== "blocked" && p.state !== "deleted",
      info: Object.freeze({
        id: u.name,
        email: p.email,
        firstName: p.firstName,
        lastName: p.lastName,
        note: p.note,
        registrationDate: p.registrationDate,
        groups: userGroups.get(u.name) ?? [],
      }),
    });
  }

  // Products and their APIs.
  const productApis = new Map<string, Set<string>>();
  for (const pa of all("productApi")) {
    const product = lastSegment(pa.parentId);
    const set = productApis.get(product) ?? new Set<string>();
    set.add(stripRev(pa.name));
    productApis.set(product, set);
  }
  const productGroups = new Map<string, Array<{ id: string; name: string }>>();
  for (const pg of all("productGroup")) {
    const product = lastSegment(pg.parentId);
    const list = productGroups.get(product) ?? [];
    list.push({ id: pg.name, name: groupNames.get(pg.name) ?? pg.name });
    productGroups.set(product, list);
  }
  const apiDisplayNames = new Map<string, string>();
  for (const a of all<ApiProperties>("api")) apiDisplayNames.set(a.name, a.properties.displayName ?? a.name);
  const products = new Map<string, ProductRoute>();
  const openProductOfApi = new Map<string, ProductRoute>();
  for (const p of all<ProductProperties>("product")) {
    const props = p.properties;
    const apiNames = productApis.get(p.name) ?? new Set<string>();
    const route: ProductRoute = {
      name: p.name,
      apiNames,
      subscriptionRequired: props.subscriptionRequired !== false,
      policy: policyOf(p.id),
      info: Object.freeze({
        id: p.name,
        name: props.displayName ?? p.name,
        approvalRequired: props.approvalRequired === true,
        subscriptionRequired: props.subscriptionRequired !== false,
        subscriptionLimit: props.subscriptionsLimit,
        state: props.state ?? "notPublished",
        groups: productGroups.get(p.name) ?? [],
        apis: [...apiNames].map((id) => ({ id, name: apiDisplayNames.get(id) ?? id })),
      }),
    };
    products.set(p.name, route);
    // APIM allows an API in at most one open product; with several, the first by name wins.
    if (!route.subscriptionRequired)
      for (const api of apiNames) if (!openProductOfApi.has(api)) openProductOfApi.set(api, route);
  }

  // Subscription key index: both keys of every subscription.
  const keys = new Map<string, KeyEntry>();
  for (const s of all<SubscriptionProperties>("subscription")) {
    const p = s.properties;
    const scope = parseScope(p.scope, products);
    if (!scope) {
      warn(`subscription ${s.name}: scope "${p.scope}" does not name an existing API, product or all APIs; skipped`);
      continue;
    }
    const owner = p.ownerId ? users.get(lastSegment(p.ownerId)) : undefined;
    const usable = p.state === "active" && (owner === undefined || owner.active);
    for (const key of [p.primaryKey, p.secondaryKey]) {
      if (!key) continue;
      const info: SubscriptionInfo = Object.freeze({
        id: s.name,
        name: p.displayName ?? s.name,
        key,
        primaryKey: p.primaryKey,
        secondaryKey: p.secondaryKey,
        createdDate: p.createdDate,
        startDate: p.startDate,
        endDate: p.endDate ?? p.expirationDate,
      });
      const granted: AccessGranted = Object.freeze({
        ok: true as const,
        product: scope.kind === "product" ? scope.product : undefined,
        subscription: info,
        user: owner?.info,
        allowTracing: p.allowTracing === true,
      });
      keys.set(key, { subscriptionName: s.name, scope, usable, granted });
    }
  }

  const backends = new Map<string, BackendRoute>();
  for (const b of all<BackendProperties>("backend")) {
    try {
      backends.set(b.name, compileBackend(b.name, b.properties));
    } catch (err) {
      warn(`backend ${b.name}: ${(err as Error).message}; skipped`);
    }
  }

  const env = buildEnvironment(all, backends);
  // Each operation compiles with its API's definition: validate-* and mock-response read it.
  const apiSchemasOf = new Map<string, Map<string, unknown>>();
  for (const s of all<{ document?: unknown }>("apiSchema")) {
    const schemas = apiSchemasOf.get(s.parentId) ?? new Map<string, unknown>();
    schemas.set(s.name, s.properties.document);
    apiSchemasOf.set(s.parentId, schemas);
  }
  const loggers = new Map<string, LoggerRoute>();
  for (const l of all<Record<string, unknown>>("logger")) loggers.set(l.name, compileLogger(l.name, l.properties));
  const certificates = new Map<string, CertificateMaterial>();
  for (const c of all<Record<string, unknown>>("certificate"))
    certificates.set(c.name, compileCertificate(c.properties));

  // APIs and operations.
  const versionSets = new Map<string, ApiVersionSetProperties>();
  for (const v of all<ApiVersionSetProperties>("apiVersionSet")) versionSets.set(v.name, v.properties);
  const operationsOf = new Map<string, StoredEntity<OperationProperties>[]>();
  for (const o of all<OperationProperties>("operation")) {
    const list = operationsOf.get(o.parentId) ?? [];
    list.push(o);
    operationsOf.set(o.parentId, list);
  }
  const entries: RouteEntry<ApiRoute>[] = [];
  for (const a of all<ApiProperties>("api")) {
    const apiSchemas = apiSchemasOf.get(a.id);
    const envFor = (o: StoredEntity<OperationProperties>): PolicyEnvironment => ({
      ...env,
      ...(apiSchemas ? { apiSchemas } : {}),
      operationContract: toOperationContract(o.properties),
    });
    const route = compileApi(a, operationsOf.get(a.id) ?? [], openProductOfApi, policyOf, warn, envFor);
    const p = a.properties;
    const segments = splitPath(`/${p.path ?? ""}`);
    const vs = p.apiVersionSetId ? versionSets.get(lastSegment(p.apiVersionSetId)) : undefined;
    const version = p.apiVersion ?? "";
    const revSuffix =
      p.isCurrent === false ? `;rev=${p.apiRevision ?? lastSegment(a.name).split(";rev=")[1] ?? ""}` : "";
    if (vs?.versioningScheme === "Segment" && version !== "") segments.push(version);
    if (revSuffix) {
      if (segments.length === 0) {
        warn(`api ${a.name}: a non-current revision of an API with an empty path cannot be addressed; skipped`);
        continue;
      }
      segments[segments.length - 1] += revSuffix;
    }
    if (vs && vs.versioningScheme !== "Segment") {
      entries.push({
        api: route,
        segments,
        scheme: vs.versioningScheme,
        version,
        versionName:
          vs.versioningScheme === "Query"
            ? (vs.versionQueryName ?? "api-version")
            : (vs.versionHeaderName ?? "api-version"),
      });
    } else entries.push({ api: route, segments });
    // The current revision is also reachable under its own `;rev=n`.
    if (!revSuffix && p.apiRevision && segments.length > 0) {
      const revSegments = [...segments];
      revSegments[revSegments.length - 1] += `;rev=${p.apiRevision}`;
      entries.push({ api: route, segments: revSegments });
    }
  }
  const routes = compileRouteTable(entries);

  const engine = options.engine;
  const globalPolicy = policyOf("") ?? engine.defaultGlobalPolicy;
  const globalIsDefault = normaliseXml(globalPolicy) === normaliseXml(engine.defaultGlobalPolicy);

  return Object.freeze({
    revision: snapshot.revision,
    routes,
    keys,
    backends,
    loggers,
    certificates,
    deployment: options.deployment,
    pipelineFor(api: ApiRoute, operation: OperationRoute, product: ProductRoute | undefined): PipelineEntry {
      const cached = operation.pipelines.get(product);
      if (cached) return cached;
      let entry: PipelineEntry;
      const productPolicy = product?.policy;
      if (globalIsDefault && !productPolicy && !api.policy && !operation.policy) entry = { kind: "forward" };
      else {
        const result = engine.compilePipeline(
          { global: globalPolicy, product: productPolicy, api: api.policy, operation: operation.policy },
          operation.env ?? env,
        );
        entry = result.pipeline
          ? { kind: "pipeline", pipeline: result.pipeline }
          : { kind: "invalid", diagnostics: result.diagnostics };
      }
      operation.pipelines.set(product, entry);
      return entry;
    },
  });
}

function parseScope(scope: string, products: ReadonlyMap<string, ProductRoute>): SubscriptionScope | undefined {
  // Full ARM ids are accepted too: keep the part from "/products/" or "/apis" on.
  const s = scope.replace(/\/+$/, "");
  const p = s.lastIndexOf("/products/");
  if (p !== -1) {
    const product = products.get(s.slice(p + "/products/".length));
    return product ? { kind: "product", product } : undefined;
  }
  const a = s.lastIndexOf("/apis/");
  if (a !== -1) return { kind: "api", name: stripRev(s.slice(a + "/apis/".length)) };
  if (s === "" || s.endsWith("/apis") || /\/service\/[^/]+$/.test(s)) return { kind: "all" };
  return undefined;
}

function compileApi(
  a: StoredEntity<ApiProperties>,
  operations: StoredEntity<OperationProperties>[],
  openProducts: ReadonlyMap<string, ProductRoute>,
  policyOf: (id: string) => string | undefined,
  warn: (m: string) => void,
  envFor: (o: StoredEntity<OperationProperties>) => PolicyEnvironment,
): ApiRoute {
  const p = a.properties;
  const protocols = p.protocols ?? ["https"];
  const isWebSocket =
    p.apiType === "websocket" || p.type === "websocket" || protocols.some((x) => x === "ws" || x === "wss");
  const header = p.subscriptionKeyParameterNames?.header ?? "Ocp-Apim-Subscription-Key";
  const query = p.subscriptionKeyParameterNames?.query ?? "subscription-key";
  const baseName = stripRev(a.name);
  const ops: Array<{ method: string; urlTemplate: string; value: OperationRoute }> = [];
  for (const o of operations) {
    const op: OperationRoute = {
      info: Object.freeze({
        id: o.name,
        name: o.properties.displayName ?? o.name,
        method: o.properties.method,
        urlTemplate: o.properties.urlTemplate,
      }),
      policy: policyOf(o.id),
      pipelines: new Map(),
      env: envFor(o),
    };
    ops.push({ method: o.properties.method, urlTemplate: o.properties.urlTemplate, value: op });
  }
  // WebSocket APIs have one implicit onHandshake operation (GET /).
  if (isWebSocket && ops.length === 0) {
    ops.push({
      method: "GET",
      urlTemplate: "/*",
      value: {
        info: { id: "onHandshake", name: "onHandshake", method: "GET", urlTemplate: "/" },
        policy: undefined,
        pipelines: new Map(),
      },
    });
  }
  let matcher: ApiRoute["operations"];
  try {
    matcher = compileOperationMatcher(ops);
  } catch (err) {
    warn(`api ${a.name}: ${(err as Error).message}; its operations are not served`);
    matcher = compileOperationMatcher([]);
  }
  const openProduct = openProducts.get(baseName);
  const subscriptionRequired = p.subscriptionRequired !== false;
  return {
    name: a.name,
    baseName,
    info: Object.freeze({
      id: a.name,
      name: p.displayName ?? a.name,
      path: p.path ?? "",
      protocols,
      serviceUrl: p.serviceUrl,
      subscriptionKeyParameterNames: { header, query },
      isCurrentRevision: p.isCurrent !== false,
      revision: p.apiRevision ?? "1",
      version: p.apiVersion ?? "",
    }),
    allowsHttp: protocols.includes("http") || protocols.includes("ws"),
    allowsHttps: protocols.includes("https") || protocols.includes("wss"),
    isWebSocket,
    subscriptionRequired,
    keyHeader: header.toLowerCase(),
    keyQuery: query,
    operations: matcher,
    openProduct,
    policy: policyOf(a.id),
    backend: parseBackendBase(p.serviceUrl, a.name, warn),
    openDecision: openProduct
      ? Object.freeze({
          ok: true as const,
          product: openProduct,
          subscription: undefined,
          user: undefined,
          allowTracing: false,
        })
      : subscriptionRequired
        ? undefined
        : Object.freeze({
            ok: true as const,
            product: undefined,
            subscription: undefined,
            user: undefined,
            allowTracing: false,
          }),
  };
}

function parseBackendBase(url: string | undefined, api: string, warn: (m: string) => void): BackendBase | undefined {
  if (!url) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    warn(`api ${api}: serviceUrl "${url}" is not a URL`);
    return undefined;
  }
  const scheme = u.protocol.slice(0, -1);
  const secure = scheme === "https" || scheme === "wss";
  const port = u.port ? Number(u.port) : secure ? 443 : 80;
  // WebSocket backends are reached over HTTP(S) for the upgrade handshake.
  const httpScheme = secure ? "https" : "http";
  return Object.freeze({
    url: url.replace(/\/+$/, ""),
    origin: `${httpScheme}://${u.host}`,
    scheme: httpScheme,
    host: u.hostname,
    port,
    hostHeader: u.host,
    path: u.pathname.replace(/\/+$/, ""),
  });
}

function buildEnvironment(
  all: <P>(kind: string) => StoredEntity<P>[],
  backends: ReadonlyMap<string, BackendRoute>,
): PolicyEnvironment {
  const namedValues = new Map<string, string>();
  for (const n of all<{ displayName?: string; value?: string }>("namedValue")) {
    const value = n.properties.value ?? "";
    namedValues.set(n.name, value);
    if (n.properties.displayName) namedValues.set(n.properties.displayName, value);
  }
  const fragments = new Map<string, string>();
  for (const f of all<{ value: string }>("policyFragment")) fragments.set(f.name, f.properties.value);
  // Service schemas for validate-content's schema-id: a json schema's document, an xml schema's XSD text.
  const schemas = new Map<string, unknown>();
  for (const s of all<{ schemaType?: string; value?: unknown; document?: unknown }>("schema"))
    schemas.set(s.name, s.properties.schemaType === "xml" ? s.properties.value : s.properties.document);
  return {
    namedValues,
    fragments,
    backendIds: new Set(backends.keys()),
    loggerIds: new Set(all("logger").map((l) => l.name)),
    schemas,
  };
}

/** Logger entities: an HTTP sink is `properties.url` or `credentials.url`/`endpoint` (http/https). */
function compileLogger(name: string, props: Record<string, unknown>): LoggerRoute {
  const creds = (props.credentials ?? {}) as Record<string, unknown>;
  const candidates = [props.url, creds.url, creds.endpoint];
  const url = candidates.find((u): u is string => typeof u === "string" && /^https?:\/\//i.test(u));
  const headers: Array<[string, string]> = [];
  if (typeof creds.authorization === "string") headers.push(["authorization", creds.authorization]);
  return { name, url, headers };
}

function compileCertificate(props: Record<string, unknown>): CertificateMaterial {
  const out: CertificateMaterial = {};
  if (typeof props.data === "string") out.pfx = Buffer.from(props.data, "base64");
  if (typeof props.password === "string") out.passphrase = props.password;
  if (typeof props.cert === "string") out.cert = props.cert;
  if (typeof props.key === "string") out.key = props.key;
  return out;
}
