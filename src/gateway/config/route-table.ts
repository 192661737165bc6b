// API selection by URL suffix: a trie over lower-cased path segments, longest prefix wins. Version
// sets add a level (Segment scheme: `{path}/{version}`) or a per-node lookup by query/header value;
// non-current revisions are reachable under `{last segment};rev={n}`. Built once per configuration
// revision; a lookup touches one map per request path segment, whatever the number of APIs.
import type { VersioningScheme } from "../../model/resources.js";

export interface VersionGroup<A> {
  readonly scheme: "Query" | "Header";
  /** Query parameter name (Query scheme) or lower-cased header name (Header scheme). */
  readonly name: string;
  readonly byVersion: Map<string, A>;
  /** The version-less original API of the set, if any. */
  unversioned: A | undefined;
}

interface PathNode<A> {
  children: Map<string, PathNode<A>> | undefined;
  api: A | undefined;
  versions: VersionGroup<A> | undefined;
}

export interface RouteEntry<A> {
  readonly api: A;
  /** Path segments of the API itself (including a Segment version and `;rev=n`). */
  readonly segments: readonly string[];
  readonly scheme?: VersioningScheme;
  readonly version?: string;
  readonly versionName?: string;
}

export interface ApiLookup<A> {
  readonly api: A;
  /** Index in the request segments where the operation part starts. */
  readonly consumed: number;
}

export interface RouteTable<A> {
  /**
   * Longest-prefix API match. `header(name)` returns a request header value by lower-cased name.
   * Returns undefined when no API claims the path (or a versioned API's version is missing).
   */
  lookup(
    segments: readonly string[],
    query: ReadonlyMap<string, string[]>,
    header: (lowerName: string) => string | undefined,
  ): ApiLookup<A> | undefined;
  readonly size: number;
}

const newNode = <A>(): PathNode<A> => ({ children: undefined, api: undefined, versions: undefined });

export function compileRouteTable<A>(entries: readonly RouteEntry<A>[]): RouteTable<A> {
  const root = newNode<A>();
  for (const entry of entries) {
    let node = root;
    for (const seg of entry.segments) {
      node.children ??= new Map();
      const key = seg.toLowerCase();
      let next = node.children.get(key);
      if (!next) {
        next = newNode();
        node.children.set(key, next);
      }
      node = next;
    }
    if (entry.scheme === "Query" || entry.scheme === "Header") {
      const name = entry.versionName ?? (entry.scheme === "Query" ? "api-version" : "api-version");
      node.versions ??= {
        scheme: entry.scheme,
        name: entry.scheme === "Header" ? name.toLowerCase() : name,
        byVersion: new Map(),
        unversioned: node.api,
      };
      if (entry.version) node.versions.byVersion.set(entry.version.toLowerCase(), entry.api);
      else node.versions.unversioned = entry.api;
    } else if (node.api === undefined) {
      node.api = entry.api;
      if (node.versions) node.versions.unversioned ??= entry.api;
    }
  }

  const resolve = (
    node: PathNode<A>,
    query: ReadonlyMap<string, string[]>,
    header: (n: string) => string | undefined,
  ): A | undefined => {
    const group = node.versions;
    if (!group) return node.api;
    const requested = group.scheme === "Query" ? query.get(group.name)?.[0] : header(group.name);
    if (requested === undefined || requested === "") return group.unversioned;
    return group.byVersion.get(requested.toLowerCase());
  };

  return {
    size: entries.length,
    lookup(segments, query, header) {
      let node: PathNode<A> | undefined = root;
      let best: ApiLookup<A> | undefined;
      let i = 0;
      for (;;) {
        if (node.api !== undefined || node.versions !== undefined) {
          const api = resolve(node, query, header);
          if (api !== undefined) best = { api, consumed: i };
        }
        if (i === segments.length || node.children === undefined) break;
        const seg = segments[i] as string;
        node = node.children.get(seg.toLowerCase());
        if (node === undefined) break;
        i++;
      }
      return best;
    },
  };
}

/** Splits a request path into non-empty segments. */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let start = 1;
  for (let i = 1; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47 /* / */) {
      if (i > start) out.push(path.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}
