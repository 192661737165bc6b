// Home, catalog (products and APIs with group visibility and search) and the API page with its
// operations, schemas, examples, code samples and try-it console.
import { type Ctx, type PortalApp, page, type Route } from "./app.js";
import { viewerOf } from "./catalog.js";
import { codeSamples } from "./code-samples.js";
import { lastSegment } from "./management-client.js";
import { enrichDocument, namedSchemas } from "./openapi-enrich.js";
import {
  documentFromExport,
  type OperationView,
  operationsFromContracts,
  operationsFromOpenApi,
} from "./openapi-view.js";

const admin = { kind: "admin" } as const;

function matches(q: string, ...texts: string[]): boolean {
  const needle = q.toLowerCase();
  return texts.some((t) => t.toLowerCase().includes(needle));
}

async function home(app: PortalApp, ctx: Ctx): Promise<void> {
  const { products, apis } = await app.catalog.visible(viewerOf(ctx.session));
  await page(app, ctx, "home", { products: products.slice(0, 6), apiCount: apis.length });
}

async function catalogPage(app: PortalApp, ctx: Ctx): Promise<void> {
  const q = (ctx.url.searchParams.get("q") ?? "").trim().slice(0, 100);
  const { products, apis } = await app.catalog.visible(viewerOf(ctx.session));
  await page(app, ctx, "catalog", {
    q,
    products: q ? products.filter((p) => matches(q, p.displayName, p.description, p.name)) : products,
    apis: q ? apis.filter((a) => matches(q, a.displayName, a.description, a.path, a.name)) : apis,
  });
}

async function notFound(app: PortalApp, ctx: Ctx, what: string): Promise<void> {
  await page(
    app,
    ctx,
    "message",
    { title: "Not found", text: `${what} does not exist or is not visible to you.`, error: true },
    404,
  );
}

async function productPage(app: PortalApp, ctx: Ctx): Promise<void> {
  const { products, apis } = await app.catalog.visible(viewerOf(ctx.session));
  const product = products.find((p) => p.name === ctx.params.product);
  if (!product) return notFound(app, ctx, "This product");
  await page(app, ctx, "product", { product, apis: apis.filter((a) => product.apis.includes(a.name)) });
}

/**
 * Operations of an API: from its exported OpenAPI document (completed with the schemas the API's
 * `schemas` resource and operation contracts hold), else from the operation contracts alone.
 */
async function loadOperations(app: PortalApp, api: string): Promise<OperationView[]> {
  const path = `/apis/${encodeURIComponent(api)}`;
  const none = (what: string) => (err: unknown) => {
    app.log.warn({ err, api }, `portal: cannot read the API's ${what}`);
    return [];
  };
  const [exported, contracts, schemaEntities] = await Promise.all([
    app.management.call("GET", path, admin, { query: { export: "true", format: "openapi+json" } }),
    app.management.list<Record<string, unknown>>(`${path}/operations`, admin).catch(none("operations")),
    app.management.list<Record<string, unknown>>(`${path}/schemas`, admin).catch(none("schemas")),
  ]);
  const doc = exported.status === 200 ? documentFromExport(exported.body) : undefined;
  if (doc) {
    const ops = operationsFromOpenApi(enrichDocument(doc, contracts, namedSchemas(schemaEntities)));
    if (ops.length > 0) return ops;
  }
  return operationsFromContracts(contracts);
}

async function apiPage(app: PortalApp, ctx: Ctx): Promise<void> {
  const { products, apis } = await app.catalog.visible(viewerOf(ctx.session));
  const entry = apis.find((a) => a.name === ctx.params.api);
  if (!entry) return notFound(app, ctx, "This API");
  const [apiRes, operations] = await Promise.all([
    app.management.expect("GET", `/apis/${encodeURIComponent(entry.name)}`, admin, [200]),
    loadOperations(app, entry.name),
  ]);
  const props = (apiRes.body as { properties?: Record<string, unknown> }).properties ?? {};
  const keyNames = (props.subscriptionKeyParameterNames ?? {}) as { header?: string };
  const keyHeader = keyNames.header || "Ocp-Apim-Subscription-Key";
  const base = `${gatewayFor(app, props.protocols).replace(/\/$/, "")}${entry.path ? `/${entry.path.replace(/^\//, "")}` : ""}`;
  const selectedId = ctx.url.searchParams.get("operation") ?? operations[0]?.id;
  const selected = operations.find((o) => o.id === selectedId) ?? operations[0];

  // Subscriptions of the signed-in user that open this API, for the try-it key picker (the keys
  // themselves are fetched on demand by the browser, never embedded in the page).
  let subscriptions: { id: string; label: string }[] = [];
  if (ctx.session.uid && ctx.session.sas) {
    const subs = await app.management.list<Record<string, unknown>>(`/users/${ctx.session.uid}/subscriptions`, {
      kind: "sas",
      token: ctx.session.sas,
    });
    const productNames = new Map(products.map((p) => [p.name, p.displayName]));
    subscriptions = subs
      .filter((s) => s.properties.state === "active")
      .filter((s) => {
        const scope = String(s.properties.scope ?? "");
        if (scope === "/" || scope === "/apis" || scope.endsWith(`/apis/${entry.name}`)) return true;
        return scope.includes("/products/") && entry.products.includes(lastSegment(scope));
      })
      .map((s) => ({
        id: s.name,
        label: `${String(s.properties.displayName ?? s.name)} (${productNames.get(lastSegment(String(s.properties.scope))) ?? String(s.properties.scope)})`,
      }));
  }

  let op: Record<string, unknown> | undefined;
  if (selected) {
    const pathWithExamples = selected.path.replace(/\{([^}]+)\}/g, (m, name: string) => {
      const p = selected.params.find((x) => x.in === "path" && x.name === name);
      return p?.example ? encodeURIComponent(p.example) : m;
    });
    const query = selected.params
      .filter((p) => p.in === "query" && p.required)
      .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.example || "value")}`)
      .join("&");
    const url = `${base}${pathWithExamples}${query ? `?${query}` : ""}`;
    const headers: [string, string][] = [[keyHeader, "{subscription key}"]];
    if (selected.requestBody) headers.push(["Content-Type", selected.requestBody.contentType]);
    for (const h of selected.params.filter((p) => p.in === "header" && p.required))
      headers.push([h.name, h.example || "value"]);
    op = {
      ...selected,
      samples: codeSamples({
        method: selected.method,
        url,
        headers,
        ...(selected.requestBody ? { body: selected.requestBody.example } : {}),
      }),
    };
  }
  await page(app, ctx, "api", {
    api: { ...entry, description: String(props.description ?? entry.description) },
    products: products.filter((p) => entry.products.includes(p.name)),
    operations,
    op,
    base,
    keyHeader,
    gatewayUrl: app.gatewayUrl,
    subscriptions,
  });
}

export const catalogRoutes: readonly Route[] = [
  { method: "GET", path: "/", handler: home },
  { method: "GET", path: "/catalog", handler: catalogPage },
  { method: "GET", path: "/products/:product", handler: productPage },
  { method: "GET", path: "/apis/:api", handler: apiPage },
];

/** APIs that do not accept plain http are shown (and tried) on the gateway's https URL. */
function gatewayFor(app: PortalApp, protocols: unknown): string {
  const httpsOnly = Array.isArray(protocols) && protocols.length > 0 && !protocols.includes("http");
  return httpsOnly && app.gatewayHttpsUrl ? app.gatewayHttpsUrl : app.gatewayUrl;
}
