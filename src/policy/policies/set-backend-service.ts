// <set-backend-service base-url | backend-id />: where forward-request sends the request.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { CONTINUE, PolicyError } from "../types.js";

// Service Fabric and Dapr routing need those runtimes; the attributes are accepted and reported.
const IGNORED = [
  "sf-partition-key",
  "sf-replica-type",
  "sf-resolve-condition",
  "sf-service-instance-name",
  "sf-listener-name",
  "dapr-app-id",
  "dapr-method",
  "dapr-namespace",
];

type Config = { kind: "url"; url: Dyn<string> } | { kind: "backend"; id: Dyn<string> };

export const setBackendService = definePolicy<Config>({
  name: "set-backend-service",
  sections: ["inbound", "backend"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    for (const name of IGNORED) {
      const a = p.attr(el, name);
      if (a)
        p.warning(
          "POLICY_WARN_IGNORED_ATTRIBUTE",
          `attribute "${name}" (Service Fabric/Dapr) is not supported by Moat and is ignored`,
          p.attrWhere(el, a),
        );
    }
    const url = p.nonEmpty(el, "base-url");
    const id = p.nonEmpty(el, "backend-id");
    if (p.failedSince(m)) return undefined;
    if (url && id) {
      p.error("POLICY_ERR_EXCLUSIVE", "<set-backend-service> takes either base-url or backend-id, not both", el);
      return undefined;
    }
    if (url) {
      if (url.kind === "const" && !/^(https?|wss?):\/\/[^/]/i.test(url.value.trim())) {
        p.error("POLICY_ERR_INVALID_URL", `base-url must be an absolute http(s) URL, got "${url.value}"`, el);
        return undefined;
      }
      return { kind: "url", url };
    }
    if (id) {
      if (id.kind === "const" && !p.env.backendIds.has(id.value)) {
        const message = `backend "${id.value}" does not exist`;
        if (p.options.lenientReferences) p.warning("POLICY_WARN_UNKNOWN_BACKEND", message, el);
        else p.error("POLICY_ERR_UNKNOWN_BACKEND", message, el);
      }
      return p.failedSince(m) ? undefined : { kind: "backend", id };
    }
    p.error("POLICY_ERR_REQUIRED", "<set-backend-service> requires base-url or backend-id", el);
    return undefined;
  },
  compile(config) {
    if (config.kind === "url") {
      const read = getter(config.url);
      return (ctx) => {
        const url = read(ctx).trim();
        if (!/^(https?|wss?):\/\//i.test(url)) {
          throw new PolicyError(
            "set-backend-service",
            "InvalidBackendUrl",
            `Backend URL "${url}" is not an absolute http(s) URL.`,
          );
        }
        ctx.backend = { ...ctx.backend, url, backendId: undefined };
        return CONTINUE;
      };
    }
    const read = getter(config.id);
    return (ctx) => {
      ctx.backend = { ...ctx.backend, url: "", backendId: read(ctx).trim() };
      return CONTINUE;
    };
  },
});
