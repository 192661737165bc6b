// The published catalog as the portal shows it: products with the groups that may see them and the
// APIs they contain. Read with the admin key and cached for a few seconds, because every page needs
// it and the management API would otherwise be asked N+1 questions per page view. Visibility is then
// decided per viewer from their groups (guests: only products linked to "guests").
import type { Clock } from "../core/clock.js";
import { type Auth, type Envelope, lastSegment, type ManagementClient } from "./management-client.js";

export interface ProductEntry {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly terms: string;
  readonly approvalRequired: boolean;
  readonly subscriptionRequired: boolean;
  readonly groups: readonly string[];
  readonly apis: readonly string[];
}

export interface ApiEntry {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly path: string;
  readonly products: readonly string[];
}

export interface CatalogSnapshot {
  readonly products: readonly ProductEntry[];
  readonly apis: ReadonlyMap<string, ApiEntry>;
}

export interface Viewer {
  readonly groups: readonly string[];
  readonly admin: boolean;
}

export interface Catalog {
  snapshot(): Promise<CatalogSnapshot>;
  visible(viewer: Viewer): Promise<{ products: ProductEntry[]; apis: ApiEntry[] }>;
  invalidate(): void;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

export function createCatalog(management: ManagementClient, clock: Clock, ttlMs: number): Catalog {
  const admin: Auth = { kind: "admin" };
  let cached: { at: number; value: Promise<CatalogSnapshot> } | undefined;

  async function load(): Promise<CatalogSnapshot> {
    const all = await management.list<Record<string, unknown>>("/products", admin);
    const published = all.filter((p) => p.properties.state === "published");
    const products = await Promise.all(
      published.map(async (p: Envelope<Record<string, unknown>>): Promise<ProductEntry> => {
        const [groups, apis] = await Promise.all([
          management.list(`/products/${encodeURIComponent(p.name)}/groups`, admin),
          management.list(`/products/${encodeURIComponent(p.name)}/apis`, admin),
        ]);
        return {
          name: p.name,
          displayName: str(p.properties.displayName) || p.name,
          description: str(p.properties.description),
          terms: str(p.properties.terms),
          approvalRequired: p.properties.approvalRequired === true,
          subscriptionRequired: p.properties.subscriptionRequired !== false,
          groups: groups.map((g) => lastSegment(g.name).toLowerCase()),
          apis: apis.map((a) => lastSegment(a.name)),
        };
      }),
    );
    const apis = new Map<string, ApiEntry>();
    const apiList = await management.list<Record<string, unknown>>("/apis", admin);
    for (const a of apiList) {
      const inProducts = products.filter((p) => p.apis.includes(a.name)).map((p) => p.name);
      if (inProducts.length === 0) continue;
      // Only the current revision is listed; others are reachable by name from the management API.
      if (a.name.includes(";rev=") || a.properties.isCurrent === false) continue;
      apis.set(a.name, {
        name: a.name,
        displayName: str(a.properties.displayName) || a.name,
        description: str(a.properties.description),
        path: str(a.properties.path),
        products: inProducts,
      });
    }
    return { products, apis };
  }

  const snapshot = (): Promise<CatalogSnapshot> => {
    const now = clock.now();
    if (!cached || now - cached.at >= ttlMs) {
      const value = load();
      cached = { at: now, value };
      // A failed load is not cached: the next page view tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };

  return {
    snapshot,
    async visible(viewer) {
      const snap = await snapshot();
      const products = snap.products.filter((p) => viewer.admin || p.groups.some((g) => viewer.groups.includes(g)));
      const names = new Set(products.map((p) => p.name));
      const apis = [...snap.apis.values()].filter((a) => a.products.some((p) => names.has(p)));
      return { products, apis };
    },
    invalidate() {
      cached = undefined;
    },
  };
}

export function viewerOf(session: { uid?: string; admin?: boolean; groups?: readonly string[] }): Viewer {
  if (!session.uid) return { groups: ["guests"], admin: false };
  return { groups: session.groups ?? ["developers"], admin: session.admin === true };
}
