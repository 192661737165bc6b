// Routes are compiled once into segment matchers grouped by segment count; a request walks only the
// candidates of its length. Literal segments match case-insensitively, as ARM paths do.
import type { Handler, RequestContext } from "./context.js";
import { ApiError } from "./errors.js";

export type Method = "GET" | "HEAD" | "PUT" | "PATCH" | "DELETE" | "POST";

/** Decides whether a developer (SAS principal) may call a route; throws 404 when not. */
export type UserGuard = (ctx: RequestContext, userId: string) => Promise<void>;

export interface RouteSpec {
  /** e.g. "apis/{apiId}/operations/{operationId}"; "" is the service itself. */
  readonly pattern: string;
  readonly methods: Partial<Record<Method, Handler>>;
  /** Methods a developer may call, each with its guard. Absent: administrators only. */
  readonly user?: Partial<Record<Method, UserGuard>>;
}

interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly segments: readonly { literal?: string; param?: string }[];
  readonly literals: number;
}

export interface RouteMatch {
  readonly spec: RouteSpec;
  readonly params: Record<string, string>;
}

export interface Router {
  match(path: string): RouteMatch | undefined;
}

export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return [];
  return trimmed.split("/").map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new ApiError(400, "InvalidRequestUri", `The path segment '${s}' is not validly percent-encoded.`);
    }
  });
}

export function compileRouter(specs: readonly RouteSpec[]): Router {
  const byLength = new Map<number, CompiledRoute[]>();
  for (const spec of specs) {
    const segments = spec.pattern === "" ? [] : spec.pattern.split("/").map(compileSegment);
    const route = { spec, segments, literals: segments.filter((s) => s.literal !== undefined).length };
    const list = byLength.get(segments.length) ?? [];
    list.push(route);
    byLength.set(segments.length, list);
  }
  // More literal segments first: "policies/policy" wins over "policies/{id}".
  for (const list of byLength.values()) list.sort((a, b) => b.literals - a.literals);

  return {
    match(path) {
      const parts = splitPath(path);
      const candidates = byLength.get(parts.length);
      if (!candidates) return undefined;
      const lower = parts.map((p) => p.toLowerCase());
      for (const route of candidates) {
        const params: Record<string, string> = {};
        let ok = true;
        for (let i = 0; i < route.segments.length; i++) {
          const seg = route.segments[i] as { literal?: string; param?: string };
          if (seg.literal !== undefined) {
            if (seg.literal !== lower[i]) {
              ok = false;
              break;
            }
          } else params[seg.param as string] = parts[i] as string;
        }
        if (ok) return { spec: route.spec, params };
      }
      return undefined;
    },
  };
}

function compileSegment(segment: string): { literal?: string; param?: string } {
  const m = /^\{(\w+)\}$/.exec(segment);
  return m ? { param: m[1] as string } : { literal: segment.toLowerCase() };
}
