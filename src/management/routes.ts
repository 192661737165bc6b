// The route table: every resource kind is one entry of `resourceDefs` (or `linkSpecs`), expanded
// here into collection and entity routes. Adding a kind (e.g. virtualNetworks) is one entry.
import type { ResourceKind, StoredEntity } from "../model/resources.js";
import type { WriteOp } from "../store/contract.js";
import { listSecrets, listValue, regenerateKey, userToken } from "./actions.js";
import { exportApiOr, importApiOr } from "./api-import.js";
import type { Handler, ManagementOptions, RequestContext } from "./context.js";
import { createCrudHandlers } from "./crud.js";
import { ApiError } from "./errors.js";
import { createLinkHandlers, derivedList, type LinkSpec } from "./links.js";
import {
  applyNetworkUpdates,
  effectiveRulesAction,
  ipFlowVerifyAction,
  networkStatusAll,
  networkStatusByLocation,
  nextHopAction,
  subnetSizingAction,
} from "./network-actions.js";
import { serviceOperationResult, serviceOperationStatus } from "./operations.js";
import { apiDef, apiVersionSetDef, operationDef } from "./resources/apis.js";
import { certificateDef } from "./resources/certificates.js";
import { backendDef, cacheDef, loggerDef, namedValueDef, portalSettingDef, tagDef } from "./resources/misc.js";
import { addNetworkResourceRoutes } from "./resources/network.js";
import { policyDefs, policyFragmentDef } from "./resources/policies.js";
import { productDef } from "./resources/products.js";
import { apiSchemaDef, serviceSchemaDef } from "./resources/schemas.js";
import { serviceHandlers } from "./resources/service.js";
import { subscriptionDef } from "./resources/subscriptions.js";
import { canonicalTemplateName, defaultTemplateProperties, templateDef } from "./resources/templates.js";
import type { ResourceDef } from "./resources/types.js";
import { groupDef, userDef } from "./resources/users.js";
import type { Method, RouteSpec, UserGuard } from "./router.js";
import { guards, isPublishedApi } from "./user-access.js";

const publishedApiDef: ResourceDef = {
  ...apiDef,
  userVisible: (ctx, entity) => isPublishedApi(ctx, entity.name),
};

/** Every plain resource kind. */
export const resourceDefs: readonly ResourceDef[] = [
  publishedApiDef,
  operationDef,
  apiSchemaDef,
  apiVersionSetDef,
  productDef,
  subscriptionDef,
  userDef,
  groupDef,
  backendDef,
  namedValueDef,
  ...policyDefs,
  policyFragmentDef,
  serviceSchemaDef,
  certificateDef,
  tagDef,
  templateDef,
  loggerDef,
  cacheDef,
  portalSettingDef,
];

export const linkSpecs: readonly LinkSpec[] = [
  {
    kind: "productApi",
    pattern: "products/{productId}/apis/{apiId}",
    target: publishedApiDef,
    targetCollection: "apis",
    headStatus: 204,
  },
  {
    kind: "productGroup",
    pattern: "products/{productId}/groups/{groupId}",
    target: groupDef,
    targetCollection: "groups",
    headStatus: 204,
  },
  {
    kind: "groupUser",
    pattern: "groups/{groupId}/users/{userId}",
    target: userDef,
    targetCollection: "users",
    headStatus: 204,
  },
  { kind: "tagLink", pattern: "apis/{apiId}/tags/{tagId}", target: tagDef, targetCollection: "tags", headStatus: 200 },
  {
    kind: "tagLink",
    pattern: "products/{productId}/tags/{tagId}",
    target: tagDef,
    targetCollection: "tags",
    headStatus: 200,
  },
  {
    kind: "tagLink",
    pattern: "apis/{apiId}/operations/{operationId}/tags/{tagId}",
    target: tagDef,
    targetCollection: "tags",
    headStatus: 200,
  },
];

/** Developer access per route pattern and method (see user-access.ts). */
const userRoutes: Record<string, Partial<Record<Method, UserGuard>>> = {
  "users/{userId}": { GET: guards.self, HEAD: guards.self, PATCH: guards.selfPatch },
  "users/{userId}/subscriptions": { GET: guards.self },
  "users/{userId}/groups": { GET: guards.self },
  products: { GET: guards.anyone },
  "products/{productId}": { GET: guards.publishedProduct, HEAD: guards.publishedProduct },
  "products/{productId}/apis": { GET: guards.publishedProduct },
  "products/{productId}/apis/{apiId}": { GET: guards.publishedProduct, HEAD: guards.publishedProduct },
  apis: { GET: guards.anyone },
  "apis/{apiId}": { GET: guards.publishedApi, HEAD: guards.publishedApi },
  "apis/{apiId}/operations": { GET: guards.publishedApi },
  "apis/{apiId}/operations/{operationId}": { GET: guards.publishedApi, HEAD: guards.publishedApi },
  groups: { GET: guards.anyone },
  "groups/{groupId}": { GET: guards.memberOfGroup, HEAD: guards.memberOfGroup },
  subscriptions: { GET: guards.anyone },
  "subscriptions/{sid}": {
    GET: guards.ownSubscription,
    HEAD: guards.ownSubscription,
    PUT: guards.subscriptionPut,
    PATCH: guards.ownSubscriptionPatch,
  },
  "subscriptions/{sid}/listSecrets": { POST: guards.ownSubscription },
  "subscriptions/{sid}/regeneratePrimaryKey": { POST: guards.ownSubscription },
  "subscriptions/{sid}/regenerateSecondaryKey": { POST: guards.ownSubscription },
};

function kindResolver(): (collectionPath: string) => ResourceKind | undefined {
  const map = new Map<string, ResourceKind>();
  for (const def of resourceDefs) {
    const collections = def.pattern
      .split("/")
      .filter((_, i) => i % 2 === 0)
      .join("/");
    if (!map.has(collections.toLowerCase())) map.set(collections.toLowerCase(), def.kind);
  }
  return (c) => map.get(c.toLowerCase());
}

/** Rewrites a template name to Azure's spelling before the generic handlers see it. */
function withTemplateName(handler: Handler): Handler {
  return (ctx) => {
    const name = canonicalTemplateName(ctx.params.templateName ?? "");
    if (!name) throw new ApiError(404, "ResourceNotFound", `There is no e-mail template '${ctx.params.templateName}'.`);
    return handler({ ...ctx, params: { ...ctx.params, templateName: name } });
  };
}

const resetTemplate: Handler = async (ctx) => {
  const id = `templates/${ctx.params.templateName}`;
  const existing = await ctx.options.store.get("template", id);
  await ctx.options.store.put("template", id, defaultTemplateProperties(ctx.params.templateName as string), {
    ...(existing ? { ifMatch: existing.etag } : {}),
  });
  return { status: 200 };
};

/**
 * Deleting a resource removes the links that point at it from elsewhere (a product's link to a
 * deleted API, a tag's links), so no dangling reference survives.
 */
function withLinkCascade(def: ResourceDef): ResourceDef {
  const linkKinds = [...new Set(linkSpecs.filter((l) => l.target.kind === def.kind).map((l) => l.kind))];
  if (linkKinds.length === 0) return def;
  return {
    ...def,
    async beforeDelete(ctx, entity) {
      const own = def.beforeDelete ? await def.beforeDelete(ctx, entity) : [];
      const links: WriteOp[] = [];
      for (const kind of linkKinds)
        for (const link of (await ctx.options.store.list(kind, {})).items)
          if (link.name === entity.name && !link.id.startsWith(`${entity.id}/`))
            links.push({ op: "delete", kind, id: link.id });
      return [...own, ...links];
    },
  };
}

export function createRoutes(_options: ManagementOptions): RouteSpec[] {
  const kindOf = kindResolver();
  const routes = new Map<string, { methods: Partial<Record<Method, Handler>> }>();
  const add = (pattern: string, method: Method, handler: Handler) => {
    const route = routes.get(pattern) ?? { methods: {} };
    route.methods[method] = handler;
    routes.set(pattern, route);
  };

  add("", "GET", serviceHandlers.get);
  add("", "HEAD", serviceHandlers.get);
  add("", "PUT", serviceHandlers.put);
  add("", "PATCH", serviceHandlers.patch);

  for (const plain of resourceDefs) {
    const def = withLinkCascade(plain);
    const h = createCrudHandlers(def, kindOf);
    const wrap = def.kind === "template" ? withTemplateName : (x: Handler) => x;
    const collection = def.pattern.split("/").slice(0, -1).join("/");
    if (def.listable !== false) add(collection, "GET", h.list);
    add(def.pattern, "GET", wrap(def.kind === "api" ? exportApiOr(h.get) : h.get));
    add(def.pattern, "HEAD", wrap(h.head));
    add(def.pattern, "PUT", wrap(def.kind === "api" ? importApiOr(h.put, kindOf) : h.put));
    if (def.patchable !== false) add(def.pattern, "PATCH", wrap(h.patch));
    add(def.pattern, "DELETE", wrap(def.kind === "template" ? resetTemplate : h.delete));
  }
  for (const spec of linkSpecs) {
    const h = createLinkHandlers(spec, kindOf);
    add(spec.pattern.split("/").slice(0, -1).join("/"), "GET", h.list);
    add(spec.pattern, "GET", h.get);
    add(spec.pattern, "HEAD", h.head);
    add(spec.pattern, "PUT", h.put);
    add(spec.pattern, "DELETE", h.delete);
  }

  add("subscriptions/{sid}/listSecrets", "POST", listSecrets);
  add("subscriptions/{sid}/regeneratePrimaryKey", "POST", regenerateKey("primaryKey"));
  add("subscriptions/{sid}/regenerateSecondaryKey", "POST", regenerateKey("secondaryKey"));
  add("namedValues/{namedValueId}/listValue", "POST", listValue);
  add("users/{userId}/token", "POST", userToken);

  // Virtual-network integration (issue 4): network resources, NetworkStatus, apply, network questions.
  addNetworkResourceRoutes(add);
  add("networkstatus", "GET", networkStatusAll);
  add("locations/{locationName}/networkstatus", "GET", networkStatusByLocation);
  add("applynetworkconfigurationupdates", "POST", applyNetworkUpdates);
  add("operationresults/{operationId}", "GET", serviceOperationResult);
  add("operationstatuses/{operationId}", "GET", serviceOperationStatus);
  add("ipFlowVerify", "POST", ipFlowVerifyAction);
  add("nextHop", "POST", nextHopAction);
  add("effectiveSecurityRules", "POST", effectiveRulesAction);
  add("subnetSizing", "POST", subnetSizingAction);

  const allSubscriptions = async (ctx: RequestContext) =>
    (await ctx.options.store.list("subscription", { parentId: "" })).items;
  const linksNamed = async (ctx: RequestContext, kind: ResourceKind, name: string) =>
    (await ctx.options.store.list(kind, {})).items.filter((l) => l.name === name);
  const resolveAll = async (ctx: RequestContext, kind: ResourceKind, ids: string[]) =>
    (await Promise.all(ids.map((id) => ctx.options.store.get(kind, id)))).filter(
      (e): e is StoredEntity => e !== undefined,
    );

  add(
    "users/{userId}/subscriptions",
    "GET",
    derivedList(subscriptionDef, { kind: "user", idOf: (ctx) => `users/${ctx.params.userId}` }, async (ctx) =>
      (await allSubscriptions(ctx)).filter((s) => s.properties.ownerId === `/users/${ctx.params.userId}`),
    ),
  );
  add(
    "users/{userId}/groups",
    "GET",
    derivedList(groupDef, { kind: "user", idOf: (ctx) => `users/${ctx.params.userId}` }, async (ctx) =>
      resolveAll(
        ctx,
        "group",
        (await linksNamed(ctx, "groupUser", ctx.params.userId as string)).map((l) => l.parentId),
      ),
    ),
  );
  add(
    "products/{productId}/subscriptions",
    "GET",
    derivedList(subscriptionDef, { kind: "product", idOf: (ctx) => `products/${ctx.params.productId}` }, async (ctx) =>
      (await allSubscriptions(ctx)).filter((s) => s.properties.scope === `/products/${ctx.params.productId}`),
    ),
  );
  add(
    "apis/{apiId}/products",
    "GET",
    derivedList(productDef, { kind: "api", idOf: (ctx) => `apis/${ctx.params.apiId}` }, async (ctx) =>
      resolveAll(
        ctx,
        "product",
        (await linksNamed(ctx, "productApi", ctx.params.apiId as string)).map((l) => l.parentId),
      ),
    ),
  );

  return [...routes.entries()].map(([pattern, { methods }]) => ({
    pattern,
    methods,
    ...(userRoutes[pattern] ? { user: userRoutes[pattern] } : {}),
  }));
}
