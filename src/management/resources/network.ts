// Network resources stored with the service (Microsoft.Network/virtualNetworks,
// networkSecurityGroups, routeTables), addressed as "<collection>/{name}" under the service path.
// They keep Azure's ARM body ({ location, tags, properties }) so the network model reads them
// unchanged; every write is checked by the model's validators and rejected with every finding.
import type { Handler, RequestContext } from "../context.js";
import { checkPreconditions, etagHeaders, writeOptions } from "../crud.js";
import { diagnosticsToDetails, notFound, validationError } from "../errors.js";
import { assertNotInUse, assertUnreferenced } from "../network-in-use.js";
import { catalogOf, type NetworkKind, networkKinds, networkResource } from "../network-model.js";
import { checkName, requireObject } from "../validation.js";

const allowedTopLevel = new Set(["id", "name", "type", "etag", "location", "tags", "properties"]);

/** What a network resource stores: Azure's ARM body ({ location, tags, properties }) without id, name, type and etag. */
export type StoredNetworkBody = Record<string, unknown>;

/**
 * Checks an ARM body for `kind` (unknown top-level keys, location, the model's validators) and
 * returns what is stored; a PATCH merges into `previous`. Every problem is one 400 detail.
 */
export function prepareNetworkBody(
  ctx: RequestContext,
  kind: NetworkKind,
  name: string,
  input: unknown,
  previous: Record<string, unknown> | undefined,
  patch: boolean,
): StoredNetworkBody {
  const body = requireObject(input, "body");
  const unknown = Object.keys(body).filter((k) => !allowedTopLevel.has(k));
  if (unknown.length > 0)
    throw validationError(
      unknown.map((k) => ({ code: "UnknownProperty", message: `unknown property '${k}'`, target: k })),
    );
  const before = previous ?? {};
  const stored = {
    location: body.location ?? (patch ? before.location : undefined) ?? ctx.options.location,
    tags: body.tags ?? (patch ? before.tags : undefined) ?? {},
    properties:
      body.properties === undefined
        ? patch
          ? ((before.properties as Record<string, unknown> | undefined) ?? {})
          : {}
        : patch
          ? {
              ...((before.properties as object | undefined) ?? {}),
              ...requireObject(body.properties, "properties"),
            }
          : requireObject(body.properties, "properties"),
  };
  if (typeof stored.location !== "string" || stored.location === "")
    throw validationError([{ code: "InvalidLocation", message: "must be a region name", target: "location" }]);
  const details = diagnosticsToDetails(kind.validate({ name, ...stored }, catalogOf(ctx)));
  if (details.length > 0)
    throw validationError(
      details,
      `${kind.armType} '${name}' is invalid: ${details.map((d) => `${d.target ?? ""}: ${d.message}`).join("; ")}`,
    );
  return stored;
}

function handlers(kind: NetworkKind) {
  const idOf = (ctx: RequestContext) => `${kind.collection}/${ctx.params[kind.param]}`;
  const write =
    (patch: boolean): Handler =>
    async (ctx) => {
      const name = ctx.params[kind.param] as string;
      checkName(name, kind.param, 80);
      const id = idOf(ctx);
      const existing = await ctx.options.store.get(kind.kind, id);
      if (patch && !existing) throw notFound(id);
      checkPreconditions(ctx, existing, false); // Microsoft.Network does not require If-Match
      const stored = prepareNetworkBody(ctx, kind, name, ctx.body, existing?.properties, patch);
      const entity = await ctx.options.store.put(kind.kind, id, stored, writeOptions(ctx));
      return {
        status: existing ? 200 : 201,
        body: networkResource(ctx, kind, entity),
        headers: etagHeaders(entity),
      };
    };
  return {
    list: (async (ctx) => {
      const items = (await ctx.options.store.list(kind.kind, {})).items;
      return { status: 200, body: { value: items.map((e) => networkResource(ctx, kind, e)), count: items.length } };
    }) satisfies Handler,
    get: (async (ctx) => {
      const entity = await ctx.options.store.get(kind.kind, idOf(ctx));
      if (!entity) throw notFound(idOf(ctx));
      return { status: 200, body: networkResource(ctx, kind, entity), headers: etagHeaders(entity) };
    }) satisfies Handler,
    put: write(false),
    patch: write(true),
    delete: (async (ctx) => {
      const id = idOf(ctx);
      const existing = await ctx.options.store.get(kind.kind, id);
      checkPreconditions(ctx, existing, false);
      if (!existing) return { status: 204 };
      if (kind.kind === "virtualNetwork") await assertNotInUse(ctx, existing.name);
      await assertUnreferenced(ctx, kind, existing.name);
      await ctx.options.store.delete(kind.kind, id, writeOptions(ctx));
      return { status: 200 };
    }) satisfies Handler,
  };
}

/** Adds collection and entity routes of each network kind. */
export function addNetworkResourceRoutes(
  add: (pattern: string, method: "GET" | "PUT" | "PATCH" | "DELETE", h: Handler) => void,
) {
  for (const kind of networkKinds) {
    const h = handlers(kind);
    const entity = `${kind.collection}/{${kind.param}}`;
    add(kind.collection, "GET", h.list);
    add(entity, "GET", h.get);
    add(entity, "PUT", h.put);
    add(entity, "PATCH", h.patch);
    add(entity, "DELETE", h.delete);
  }
}
