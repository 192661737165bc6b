// Operation matching inside one API, as APIM does it: method + URL template. Templates are compiled
// once per configuration revision into a segment trie; a lookup walks the request's segments,
// preferring literal segments over `{param}` segments over a trailing wildcard (`/*`, `{*rest}`),
// and backtracks only within that precedence. Cost depends on the path depth, not on the number of
// operations. Template query parameters (`/search?q={q}`) must be present to match.

export interface CompiledOperation<T> {
  readonly value: T;
  /** Upper-cased method; "*" matches any. */
  readonly method: string;
  /** Names of `{param}` segments in order (index = capture position). */
  readonly params: readonly string[];
  /** Name of the trailing wildcard parameter ("*" for `/*`), or undefined. */
  readonly wildcard: string | undefined;
  /** Template query parameters: [query name, parameter name or undefined for a literal value, literal]. */
  readonly query: ReadonlyArray<readonly [string, string | undefined, string]>;
}

interface TrieNode<T> {
  literal: Map<string, TrieNode<T>> | undefined;
  param: TrieNode<T> | undefined;
  /** Operations ending here. */
  ops: CompiledOperation<T>[];
  /** Operations whose template ends with a wildcard at this depth. */
  wildcardOps: CompiledOperation<T>[];
}

export interface OperationMatch<T> {
  readonly value: T;
  readonly params: Map<string, string>;
}

export interface OperationMatcher<T> {
  /**
   * `segments` are the request path segments after the API path (already split, not decoded).
   * `query` is the request query (names case-sensitive as APIM).
   * Returns undefined when no operation matches the method and path.
   */
  match(
    method: string,
    segments: readonly string[],
    query: ReadonlyMap<string, string[]>,
  ): OperationMatch<T> | undefined;
}

const newNode = <T>(): TrieNode<T> => ({ literal: undefined, param: undefined, ops: [], wildcardOps: [] });

/** Splits a URL template into path segments and query parameters; throws on malformed templates. */
export function parseUrlTemplate(template: string): {
  segments: Array<
    { kind: "literal"; text: string } | { kind: "param"; name: string } | { kind: "wildcard"; name: string }
  >;
  query: Array<readonly [string, string | undefined, string]>;
} {
  const q = template.indexOf("?");
  const pathPart = q === -1 ? template : template.slice(0, q);
  const queryPart = q === -1 ? "" : template.slice(q + 1);
  const segments: ReturnType<typeof parseUrlTemplate>["segments"] = [];
  const raw = pathPart.split("/").filter((s) => s !== "");
  raw.forEach((seg, i) => {
    const last = i === raw.length - 1;
    if (seg === "*") {
      if (!last) throw new Error(`wildcard "*" must be the last segment of "${template}"`);
      segments.push({ kind: "wildcard", name: "*" });
    } else if (seg.startsWith("{*") && seg.endsWith("}")) {
      if (!last) throw new Error(`wildcard "${seg}" must be the last segment of "${template}"`);
      segments.push({ kind: "wildcard", name: seg.slice(2, -1) });
    } else if (seg.startsWith("{") && seg.endsWith("}")) {
      const name = seg.slice(1, -1);
      if (name === "" || name.includes("{") || name.includes("}")) throw new Error(`bad parameter "${seg}"`);
      segments.push({ kind: "param", name });
    } else {
      if (seg.includes("{") || seg.includes("}")) throw new Error(`mixed literal and parameter in "${seg}"`);
      segments.push({ kind: "literal", text: safeDecode(seg).toLowerCase() });
    }
  });
  const query: Array<readonly [string, string | undefined, string]> = [];
  for (const pair of queryPart.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = eq === -1 ? pair : pair.slice(0, eq);
    const value = eq === -1 ? "" : pair.slice(eq + 1);
    if (value.startsWith("{") && value.endsWith("}")) query.push([name, value.slice(1, -1), ""]);
    else query.push([name, undefined, value]);
  }
  return { segments, query };
}

function safeDecode(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function compileOperationMatcher<T>(
  operations: ReadonlyArray<{ method: string; urlTemplate: string; value: T }>,
): OperationMatcher<T> {
  const root = newNode<T>();
  for (const op of operations) {
    const { segments, query } = parseUrlTemplate(op.urlTemplate);
    let node = root;
    const params: string[] = [];
    let wildcard: string | undefined;
    for (const seg of segments) {
      if (seg.kind === "literal") {
        node.literal ??= new Map();
        let next = node.literal.get(seg.text);
        if (!next) {
          next = newNode();
          node.literal.set(seg.text, next);
        }
        node = next;
      } else if (seg.kind === "param") {
        node.param ??= newNode();
        node = node.param;
        params.push(seg.name);
      } else {
        wildcard = seg.name;
      }
    }
    const compiled: CompiledOperation<T> = {
      value: op.value,
      method: op.method.toUpperCase(),
      params,
      wildcard,
      query,
    };
    (wildcard === undefined ? node.ops : node.wildcardOps).push(compiled);
  }
  // More template query parameters = more specific: try those first.
  const sortNode = (n: TrieNode<T>): void => {
    n.ops.sort((a, b) => b.query.length - a.query.length);
    n.wildcardOps.sort((a, b) => b.query.length - a.query.length);
    if (n.literal) for (const c of n.literal.values()) sortNode(c);
    if (n.param) sortNode(n.param);
  };
  sortNode(root);

  const pick = (list: CompiledOperation<T>[], method: string, query: ReadonlyMap<string, string[]>) => {
    for (const op of list) {
      if (op.method !== method && op.method !== "*") continue;
      let ok = true;
      for (const [name, param, literal] of op.query) {
        const values = query.get(name);
        if (values === undefined || (param === undefined && literal !== "" && !values.includes(literal))) {
          ok = false;
          break;
        }
      }
      if (ok) return op;
    }
    return undefined;
  };

  // Depth-first search with precedence literal > param > wildcard; `captures` holds param values.
  const walk = (
    node: TrieNode<T>,
    segments: readonly string[],
    i: number,
    captures: string[],
    method: string,
    query: ReadonlyMap<string, string[]>,
  ): { op: CompiledOperation<T>; rest: number } | undefined => {
    if (i === segments.length) {
      const op = pick(node.ops, method, query);
      if (op) return { op, rest: -1 };
      // `/items/*` also matches `/items` (APIM: wildcard may be empty).
      const w = pick(node.wildcardOps, method, query);
      return w ? { op: w, rest: i } : undefined;
    }
    const seg = segments[i] as string;
    if (node.literal) {
      const next =
        node.literal.get(seg.toLowerCase()) ??
        (seg.includes("%") ? node.literal.get(safeDecode(seg).toLowerCase()) : undefined);
      if (next) {
        const found = walk(next, segments, i + 1, captures, method, query);
        if (found) return found;
      }
    }
    if (node.param && seg !== "") {
      captures.push(seg);
      const found = walk(node.param, segments, i + 1, captures, method, query);
      if (found) return found;
      captures.pop();
    }
    if (node.wildcardOps.length > 0) {
      const w = pick(node.wildcardOps, method, query);
      if (w) return { op: w, rest: i };
    }
    return undefined;
  };

  return {
    match(method, segments, query) {
      const captures: string[] = [];
      const found = walk(root, segments, 0, captures, method, query);
      if (!found) return undefined;
      const { op, rest } = found;
      const params = new Map<string, string>();
      for (let k = 0; k < op.params.length; k++) params.set(op.params[k] as string, safeDecode(captures[k] as string));
      if (op.wildcard !== undefined) params.set(op.wildcard, rest === -1 ? "" : segments.slice(rest).join("/"));
      for (const [name, param] of op.query) {
        if (param !== undefined) params.set(param, query.get(name)?.[0] ?? "");
      }
      return { value: op.value, params };
    },
  };
}
