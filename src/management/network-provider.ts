// The declared network at Azure's own provider paths, so @azure/arm-network and other Microsoft.Network
// clients drive it:
//   /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}[/subnets/{subnet}]
//   …/networkSecurityGroups/{name}[/securityRules/{rule}], …/routeTables/{name}[/routes/{route}]
// The resources are the same entities the service-scoped routes ("virtualNetworks/{name}" under the
// service) store and the network validation reads. Moat holds one network namespace: the subscription
// and resource group of the path are echoed in ids but do not partition it (as the service's own
// paths accept any subscription and resource group), so a name is unique across resource groups.
//
// PUT and DELETE are long-running as on Azure: the body is checked in the request (bad input → 400
// with every finding), the reply is 200/201 (provisioningState "Updating") or 202 with an
// Azure-AsyncOperation URL, and the store write runs in the background; its failure (the resource
// changed meanwhile, the store unavailable, the subnet taken into use) is the operation's error.
import { createHash } from "node:crypto";
import type { StoredEntity } from "../model/resources.js";
import { defaultSecurityRules } from "../network/index.js";
import { StoreError } from "../store/contract.js";
import type { Handler, Reply, RequestContext } from "./context.js";
import { checkPreconditions, etagHeaders } from "./crud.js";
import { ApiError, validationError } from "./errors.js";
import { assertNotInUse, assertUnreferenced, backRefs, vnetsOf } from "./network-in-use.js";
import { type NetworkKind, networkArmId, networkKinds } from "./network-model.js";
import {
  operationNotFound,
  operationResultReply,
  operationStatusBody,
  operationsOf,
  retryAfterSeconds,
} from "./operations.js";
import { prepareNetworkBody } from "./resources/network.js";
import type { Method, RouteSpec } from "./router.js";
import { checkName, requireObject } from "./validation.js";

type Json = Record<string, unknown>;

/** Stable Microsoft.Network api-versions; Moat serves one shape for all of them. */
export const networkApiVersions: ReadonlySet<string> = new Set([
  "2017-03-01",
  "2017-06-01",
  "2017-08-01",
  "2017-09-01",
  "2017-10-01",
  "2017-11-01",
  "2018-01-01",
  "2018-02-01",
  "2018-04-01",
  "2018-06-01",
  "2018-07-01",
  "2018-08-01",
  "2018-10-01",
  "2018-11-01",
  "2018-12-01",
  "2019-02-01",
  "2019-04-01",
  "2019-06-01",
  "2019-07-01",
  "2019-08-01",
  "2019-09-01",
  "2019-11-01",
  "2019-12-01",
  "2020-03-01",
  "2020-04-01",
  "2020-05-01",
  "2020-06-01",
  "2020-07-01",
  "2020-08-01",
  "2020-11-01",
  "2021-02-01",
  "2021-03-01",
  "2021-05-01",
  "2021-08-01",
  "2022-01-01",
  "2022-05-01",
  "2022-07-01",
  "2022-09-01",
  "2022-11-01",
  "2023-02-01",
  "2023-04-01",
  "2023-05-01",
  "2023-06-01",
  "2023-09-01",
  "2023-11-01",
  "2024-01-01",
  "2024-03-01",
  "2024-05-01",
  "2024-07-01",
  "2024-10-01",
  "2025-01-01",
  "2025-03-01",
  "2025-05-01",
]);

export function checkNetworkApiVersion(value: string | null): string {
  if (value === null || value === "")
    throw new ApiError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
      { details: [{ code: "MissingApiVersionParameter", message: "api-version is required", target: "api-version" }] },
    );
  if (!networkApiVersions.has(value))
    throw new ApiError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${value}' is invalid for Microsoft.Network. The supported versions are '${[...networkApiVersions].join(",")}'.`,
      { details: [{ code: "InvalidApiVersionParameter", message: `unsupported ${value}`, target: "api-version" }] },
    );
  return value;
}

const rgPrefix = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network(\/.*)?$/i;
const subPrefix = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network(\/.*)?$/i;

export interface NetworkPath {
  readonly subscriptionId: string;
  /** Absent for subscription-level paths (operation status). */
  readonly resourceGroup?: string;
  /** Path after ".../providers/Microsoft.Network", e.g. "/virtualNetworks/vnet". */
  readonly rest: string;
  readonly prefix: string;
}

export function matchNetworkPath(pathname: string): NetworkPath | undefined {
  const rg = rgPrefix.exec(pathname);
  const m = rg ?? subPrefix.exec(pathname);
  if (!m) return undefined;
  const rest = (rg ? rg[3] : m[2]) ?? "";
  return {
    subscriptionId: m[1] as string,
    ...(rg ? { resourceGroup: rg[2] as string } : {}),
    rest: rest || "/",
    prefix: pathname.slice(0, pathname.length - rest.length),
  };
}

// ---------------------------------------------------------------------------------------------
// Shapes

interface ChildKind {
  readonly parent: NetworkKind;
  readonly collection: "subnets" | "securityRules" | "routes";
  readonly param: string;
  readonly armType: string;
}

const kindOf = (k: string) => networkKinds.find((n) => n.kind === k) as NetworkKind;
const childKinds: readonly ChildKind[] = [
  {
    parent: kindOf("virtualNetwork"),
    collection: "subnets",
    param: "subnetName",
    armType: "Microsoft.Network/virtualNetworks/subnets",
  },
  {
    parent: kindOf("networkSecurityGroup"),
    collection: "securityRules",
    param: "securityRuleName",
    armType: "Microsoft.Network/networkSecurityGroups/securityRules",
  },
  {
    parent: kindOf("routeTable"),
    collection: "routes",
    param: "routeName",
    armType: "Microsoft.Network/routeTables/routes",
  },
];
const childOf = (kind: NetworkKind) => childKinds.find((c) => c.parent.kind === kind.kind) as ChildKind;

/** Properties Azure computes; accepted in requests (a GET body can be sent back) and dropped. */
const readOnlyTop: Record<string, readonly string[]> = {
  virtualNetwork: ["provisioningState", "resourceGuid"],
  networkSecurityGroup: ["provisioningState", "resourceGuid", "defaultSecurityRules", "subnets", "networkInterfaces"],
  routeTable: ["provisioningState", "resourceGuid", "subnets"],
};
const readOnlyChild = ["provisioningState"];

function obj(v: unknown): Json {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function without(o: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** A child entry as stored: { name, properties } (id, etag and type are computed on the way out). */
function storedChild(entry: unknown): Json {
  const e = obj(entry);
  return { ...(e.name !== undefined ? { name: e.name } : {}), properties: without(obj(e.properties), readOnlyChild) };
}

/** Drops what Azure computes from a top-level body, so a GET body can be sent back unchanged. */
function requestBody(kind: NetworkKind, input: unknown): Json {
  const body = requireObject(input, "body");
  if (body.properties === undefined) return body;
  const props = without(requireObject(body.properties, "properties"), readOnlyTop[kind.kind] ?? []);
  const child = childOf(kind);
  if (Array.isArray(props[child.collection]))
    props[child.collection] = (props[child.collection] as unknown[]).map(storedChild);
  return { ...body, properties: props };
}

function guid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const weakEtag = (etag: string) => `W/"${etag.replace(/^W\//, "").replace(/"/g, "")}"`;

interface Shown {
  readonly name: string;
  readonly stored: Json;
  readonly etag: string;
}

function childEnvelope(parentId: string, child: ChildKind, entry: unknown, etag: string, state: string): Json {
  const e = obj(entry);
  const name = String(e.name ?? "");
  return {
    id: `${parentId}/${child.collection}/${name}`,
    name,
    etag: weakEtag(etag),
    type: child.armType,
    properties: { ...obj(e.properties), provisioningState: state },
  };
}

/** Azure's body of a network resource: provisioningState, resourceGuid, children with ids. */
function azureResource(
  ctx: RequestContext,
  kind: NetworkKind,
  shown: Shown,
  vnets: readonly StoredEntity[],
  state = "Succeeded",
): Json {
  const id = networkArmId(ctx, kind, shown.name);
  const child = childOf(kind);
  const p = obj(shown.stored.properties);
  const props: Json = {
    ...p,
    provisioningState: state,
    resourceGuid: guid(`${kind.kind}/${shown.name.toLowerCase()}`),
    [child.collection]: ((p[child.collection] as unknown[] | undefined) ?? []).map((c) =>
      childEnvelope(id, child, c, shown.etag, state),
    ),
  };
  if (kind.kind === "virtualNetwork") {
    props.dhcpOptions = { dnsServers: [], ...obj(p.dhcpOptions) };
    props.virtualNetworkPeerings ??= [];
    props.enableDdosProtection ??= false;
  }
  if (kind.kind === "networkSecurityGroup") {
    props.defaultSecurityRules = defaultSecurityRules.map((r) => {
      const { name, ...rest } = r;
      return {
        id: `${id}/defaultSecurityRules/${name}`,
        name,
        etag: weakEtag(shown.etag),
        type: "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
        properties: { ...rest, provisioningState: "Succeeded" },
      };
    });
    props.subnets = backRefs(ctx, vnets, "networkSecurityGroup", id);
  }
  if (kind.kind === "routeTable") {
    props.disableBgpRoutePropagation ??= false;
    props.subnets = backRefs(ctx, vnets, "routeTable", id);
  }
  return {
    id,
    name: shown.name,
    type: kind.armType,
    etag: weakEtag(shown.etag),
    location: shown.stored.location ?? "",
    tags: shown.stored.tags ?? {},
    properties: props,
  };
}

const shownOf = (e: StoredEntity): Shown => ({ name: e.name, stored: e.properties, etag: e.etag });

// ---------------------------------------------------------------------------------------------
// Long-running plumbing

function statusUrls(ctx: RequestContext, location: string, id: string) {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(ctx.armBase)?.[1] ?? "";
  const v = encodeURIComponent(ctx.query.get("api-version") ?? "");
  const base = `${ctx.origin}/subscriptions/${sub}/providers/Microsoft.Network/locations/${encodeURIComponent(
    location.replace(/\s+/g, "").toLowerCase() || "local",
  )}`;
  return {
    asyncOperation: `${base}/operations/${id}?api-version=${v}`,
    location: `${base}/operationResults/${id}?api-version=${v}`,
  };
}

/** Starts `work` as a long-running operation locked on `lockKey`; returns the status headers. */
function startOperation(
  ctx: RequestContext,
  lockKey: string,
  describe: string,
  location: string,
  work: () => Promise<Reply>,
  withLocation: boolean,
): Record<string, string> {
  const record = operationsOf(ctx.options).start(work, lockKey, describe);
  const urls = statusUrls(ctx, location, record.id);
  return {
    "azure-asyncoperation": urls.asyncOperation,
    ...(withLocation ? { location: urls.location } : {}),
    "retry-after": retryAfterSeconds,
  };
}

/** Writes the entity only if it is still what the request saw; otherwise the operation fails. */
async function guardedPut(
  ctx: RequestContext,
  kind: NetworkKind,
  id: string,
  stored: Json,
  seen: StoredEntity | undefined,
): Promise<StoredEntity> {
  try {
    return await ctx.options.store.put(kind.kind, id, stored, seen ? { ifMatch: seen.etag } : { ifNoneMatch: "*" });
  } catch (err) {
    throw changedMeanwhile(err, kind, id);
  }
}

function changedMeanwhile(err: unknown, kind: NetworkKind, id: string): unknown {
  if (err instanceof StoreError && (err.code === "STORE_ERR_PRECONDITION" || err.code === "STORE_ERR_CONFLICT"))
    return new ApiError(
      409,
      "Conflict",
      `${kind.armType} '${id.split("/").pop()}' was changed by another request after this operation was accepted; nothing was written. Read it and send the request again.`,
      { cause: err },
    );
  return err;
}

async function readOr404(ctx: RequestContext, kind: NetworkKind, name: string): Promise<StoredEntity> {
  const entity = await ctx.options.store.get(kind.kind, `${kind.collection}/${name}`);
  if (!entity) throw resourceNotFound(ctx, kind.armType, name);
  return entity;
}

function resourceNotFound(ctx: RequestContext, type: string, name: string): ApiError {
  const rg = /\/resourceGroups\/([^/]+)/i.exec(ctx.armBase)?.[1] ?? "";
  return new ApiError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${rg}' was not found.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Handlers

function topHandlers(kind: NetworkKind) {
  const nameOf = (ctx: RequestContext) => ctx.params[kind.param] as string;
  const idOf = (ctx: RequestContext) => `${kind.collection}/${nameOf(ctx)}`;
  /** 200 with the resource as Azure shows it, and its ETag. */
  const answer = async (ctx: RequestContext, entity: StoredEntity) => ({
    status: 200,
    body: azureResource(ctx, kind, shownOf(entity), await vnetsOf(ctx)),
    headers: etagHeaders(entity),
  });
  return {
    list: (async (ctx) => {
      const vnets = await vnetsOf(ctx);
      const items = (await ctx.options.store.list(kind.kind, {})).items;
      return { status: 200, body: { value: items.map((e) => azureResource(ctx, kind, shownOf(e), vnets)) } };
    }) satisfies Handler,
    get: (async (ctx) => {
      return answer(ctx, await readOr404(ctx, kind, nameOf(ctx)));
    }) satisfies Handler,
    put: (async (ctx) => {
      const name = nameOf(ctx);
      checkName(name, kind.param, 80);
      const id = idOf(ctx);
      const existing = await ctx.options.store.get(kind.kind, id);
      checkPreconditions(ctx, existing, false);
      const stored = prepareNetworkBody(ctx, kind, name, requestBody(kind, ctx.body), undefined, false);
      const headers = startOperation(
        ctx,
        id,
        `${kind.armType} '${name}'`,
        String(stored.location),
        async () => {
          const written = await guardedPut(ctx, kind, id, stored, existing);
          return { status: 200, body: azureResource(ctx, kind, shownOf(written), await vnetsOf(ctx)) };
        },
        false,
      );
      const shown = { name, stored, etag: existing?.etag ?? "" };
      return {
        status: existing ? 200 : 201,
        body: azureResource(ctx, kind, shown, await vnetsOf(ctx), "Updating"),
        headers,
      };
    }) satisfies Handler,
    /** Azure's PATCH of a network resource updates its tags only, synchronously. */
    patchTags: (async (ctx) => {
      const entity = await readOr404(ctx, kind, nameOf(ctx));
      checkPreconditions(ctx, entity, false);
      const body = requireObject(ctx.body, "body");
      const extra = Object.keys(body).filter((k) => k !== "tags");
      if (extra.length > 0)
        throw validationError(
          extra.map((k) => ({ code: "UnknownProperty", message: `only tags can be patched, not '${k}'`, target: k })),
        );
      const tags = requireObject(body.tags ?? {}, "tags");
      const bad = Object.entries(tags).filter(([, v]) => typeof v !== "string");
      if (bad.length > 0)
        throw validationError(
          bad.map(([k]) => ({ code: "InvalidTag", message: "must be a string", target: `tags.${k}` })),
        );
      return answer(ctx, await guardedPut(ctx, kind, entity.id, { ...entity.properties, tags }, entity));
    }) satisfies Handler,
    delete: (async (ctx) => {
      const name = nameOf(ctx);
      const id = idOf(ctx);
      const existing = await ctx.options.store.get(kind.kind, id);
      checkPreconditions(ctx, existing, false);
      if (!existing) return { status: 204 };
      if (kind.kind === "virtualNetwork") await assertNotInUse(ctx, name);
      await assertUnreferenced(ctx, kind, name);
      const headers = startOperation(
        ctx,
        id,
        `${kind.armType} '${name}'`,
        String(existing.properties.location ?? ""),
        async () => {
          // The service may have moved into the VNet since the request was accepted.
          if (kind.kind === "virtualNetwork") await assertNotInUse(ctx, name);
          await assertUnreferenced(ctx, kind, name);
          try {
            await ctx.options.store.delete(kind.kind, id, { ifMatch: existing.etag });
          } catch (err) {
            throw changedMeanwhile(err, kind, id);
          }
          return { status: 204 };
        },
        true,
      );
      return { status: 202, headers };
    }) satisfies Handler,
  };
}

function childHandlers(child: ChildKind) {
  const kind = child.parent;
  const parentName = (ctx: RequestContext) => ctx.params[kind.param] as string;
  const childName = (ctx: RequestContext) => ctx.params[child.param] as string;
  const entries = (e: StoredEntity) => (obj(e.properties.properties)[child.collection] as unknown[] | undefined) ?? [];
  const same = (entry: unknown, name: string) => String(obj(entry).name ?? "").toLowerCase() === name.toLowerCase();
  const parentId = (ctx: RequestContext) => networkArmId(ctx, kind, parentName(ctx));

  /** The parent with its child list replaced, checked as a whole (a subnet must fit its VNet). */
  const withChildren = (ctx: RequestContext, parent: StoredEntity, list: unknown[]): Json => {
    const props = { ...obj(parent.properties.properties), [child.collection]: list };
    const body = { location: parent.properties.location, tags: parent.properties.tags, properties: props };
    return prepareNetworkBody(ctx, kind, parent.name, body, undefined, false);
  };

  return {
    list: (async (ctx) => {
      const parent = await readOr404(ctx, kind, parentName(ctx));
      return {
        status: 200,
        body: { value: entries(parent).map((c) => childEnvelope(parentId(ctx), child, c, parent.etag, "Succeeded")) },
      };
    }) satisfies Handler,
    get: (async (ctx) => {
      const parent = await readOr404(ctx, kind, parentName(ctx));
      const entry = entries(parent).find((c) => same(c, childName(ctx)));
      if (!entry) throw resourceNotFound(ctx, child.armType, `${parent.name}/${childName(ctx)}`);
      return { status: 200, body: childEnvelope(parentId(ctx), child, entry, parent.etag, "Succeeded") };
    }) satisfies Handler,
    put: (async (ctx) => {
      const name = childName(ctx);
      checkName(name, child.param, 80);
      const parent = await readOr404(ctx, kind, parentName(ctx));
      const body = requireObject(ctx.body, "body");
      const unknown = Object.keys(body).filter((k) => !["id", "name", "etag", "type", "properties"].includes(k));
      if (unknown.length > 0)
        throw validationError(
          unknown.map((k) => ({ code: "UnknownProperty", message: `unknown property '${k}'`, target: k })),
        );
      const entry = { ...storedChild({ properties: requireObject(body.properties ?? {}, "properties") }), name };
      const list = entries(parent).map(storedChild);
      const at = list.findIndex((c) => same(c, name));
      const existed = at >= 0;
      if (existed) list[at] = entry;
      else list.push(entry);
      const stored = withChildren(ctx, parent, list);
      const headers = startOperation(
        ctx,
        parent.id,
        `${kind.armType} '${parent.name}'`,
        String(parent.properties.location ?? ""),
        async () => {
          const written = await guardedPut(ctx, kind, parent.id, stored, parent);
          const now = entries(written).find((c) => same(c, name));
          return { status: 200, body: childEnvelope(parentId(ctx), child, now, written.etag, "Succeeded") };
        },
        false,
      );
      return {
        status: existed ? 200 : 201,
        body: childEnvelope(parentId(ctx), child, entry, parent.etag, "Updating"),
        headers,
      };
    }) satisfies Handler,
    delete: (async (ctx) => {
      const name = childName(ctx);
      const parent = await ctx.options.store.get(kind.kind, `${kind.collection}/${parentName(ctx)}`);
      if (!parent || !entries(parent).some((c) => same(c, name))) return { status: 204 };
      if (child.collection === "subnets") await assertNotInUse(ctx, parent.name, name);
      const stored = withChildren(
        ctx,
        parent,
        entries(parent)
          .filter((c) => !same(c, name))
          .map(storedChild),
      );
      const headers = startOperation(
        ctx,
        parent.id,
        `${kind.armType} '${parent.name}'`,
        String(parent.properties.location ?? ""),
        async () => {
          if (child.collection === "subnets") await assertNotInUse(ctx, parent.name, name);
          await guardedPut(ctx, kind, parent.id, stored, parent);
          return { status: 204 };
        },
        true,
      );
      return { status: 202, headers };
    }) satisfies Handler,
  };
}

const operationStatus: Handler = async (ctx) => {
  const id = ctx.params.operationId as string;
  const record = operationsOf(ctx.options).get(id);
  if (!record) throw operationNotFound(id);
  const self = new URL(`${ctx.origin}${ctx.pathPrefix}${ctx.path}`).pathname;
  return { status: 200, body: operationStatusBody(record, self) };
};

const operationResult: Handler = async (ctx) => {
  const id = ctx.params.operationId as string;
  const record = operationsOf(ctx.options).get(id);
  if (!record) throw operationNotFound(id);
  const query = new URLSearchParams({ "api-version": ctx.query.get("api-version") ?? "" });
  return operationResultReply(record, `${ctx.origin}${ctx.pathPrefix}${ctx.path}?${query}`);
};

type Add = (pattern: string, method: Method, handler: Handler) => void;

function collect(fill: (add: Add) => void): RouteSpec[] {
  const routes = new Map<string, Partial<Record<Method, Handler>>>();
  fill((pattern, method, handler) => {
    routes.set(pattern, { ...(routes.get(pattern) ?? {}), [method]: handler });
  });
  return [...routes.entries()].map(([pattern, methods]) => ({ pattern, methods }));
}

/** Routes under /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network. */
export function createNetworkRoutes(): RouteSpec[] {
  return collect((add) => {
    for (const kind of networkKinds) {
      const h = topHandlers(kind);
      const entity = `${kind.collection}/{${kind.param}}`;
      add(kind.collection, "GET", h.list);
      add(entity, "GET", h.get);
      add(entity, "PUT", h.put);
      add(entity, "PATCH", h.patchTags);
      add(entity, "DELETE", h.delete);
      const child = childOf(kind);
      const c = childHandlers(child);
      add(`${entity}/${child.collection}`, "GET", c.list);
      add(`${entity}/${child.collection}/{${child.param}}`, "GET", c.get);
      add(`${entity}/${child.collection}/{${child.param}}`, "PUT", c.put);
      add(`${entity}/${child.collection}/{${child.param}}`, "DELETE", c.delete);
    }
  });
}

/** Routes under /subscriptions/{sub}/providers/Microsoft.Network: the operation-status resources. */
export function createNetworkSubscriptionRoutes(): RouteSpec[] {
  return collect((add) => {
    add("locations/{location}/operations/{operationId}", "GET", operationStatus);
    add("locations/{location}/operationResults/{operationId}", "GET", operationResult);
  });
}
