// Policies that exist in Azure but need Azure-only services. They are recognised (so the message names
// exactly why) and rejected at validation, instead of failing at request time.
import type { PolicyDefinition } from "../definition.js";
import { definePolicy } from "../definition.js";
import { ALL_SECTIONS } from "./common.js";

const REASONS: Record<string, string> = {
  "get-authorization-context":
    "needs the Azure API Management credential manager, which is not available on a self-hosted gateway",
  "azure-openai-semantic-cache-lookup": "needs Azure OpenAI embeddings and Azure Cache for Redis Enterprise",
  "azure-openai-semantic-cache-store": "needs Azure OpenAI embeddings and Azure Cache for Redis Enterprise",
  "llm-semantic-cache-lookup": "needs an embeddings backend and Azure Cache for Redis Enterprise",
  "llm-semantic-cache-store": "needs an embeddings backend and Azure Cache for Redis Enterprise",
  "llm-content-safety": "needs Azure AI Content Safety",
  "validate-client-certificate": "needs client certificates from the listener, which Moat does not negotiate yet",
  "xsl-transform": "needs an XSLT processor, which Moat does not include",
  "publish-to-dapr": "needs a Dapr sidecar",
  "invoke-dapr-binding": "needs a Dapr sidecar",
  "cross-domain": "serves Flash/Silverlight cross-domain files, which Moat does not support",
  "redirect-content-urls": "is not supported by Moat",
};

export const unsupportedPolicies: PolicyDefinition<never>[] = Object.entries(REASONS).map(([name, reason]) =>
  definePolicy<never>({
    name,
    sections: ALL_SECTIONS,
    parse(el, p) {
      // Attributes are not reported one by one: the whole statement is refused.
      for (const a of el.attributes) p.attr(el, a.name);
      p.error(
        "POLICY_ERR_UNSUPPORTED",
        `<${name}> at line ${el.line} is not supported on a self-hosted Moat gateway: it ${reason}`,
        el,
      );
      return undefined;
    },
    compile() {
      throw new Error(`${name} cannot be compiled`);
    },
  }),
);
