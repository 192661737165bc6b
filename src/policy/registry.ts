// Every policy Moat knows, by XML element name.
import type { PolicyDefinition } from "./definition.js";
import { authenticationBasic, authenticationCertificate, proxy } from "./policies/authentication.js";
import { cacheLookup } from "./policies/cache-lookup.js";
import { cacheStore } from "./policies/cache-store.js";
import { cacheLookupValue, cacheRemoveValue, cacheStoreValue } from "./policies/cache-value.js";
import { checkHeader } from "./policies/check-header.js";
import { choose } from "./policies/choose.js";
import { cors } from "./policies/cors.js";
import { emitMetric } from "./policies/emit-metric.js";
import { findAndReplace } from "./policies/find-and-replace.js";
import { forwardRequest } from "./policies/forward-request.js";
import { includeFragment } from "./policies/include-fragment.js";
import { ipFilter } from "./policies/ip-filter.js";
import { jsonToXmlPolicy, xmlToJsonPolicy } from "./policies/json-xml.js";
import { jsonp } from "./policies/jsonp.js";
import { limitConcurrency } from "./policies/limit-concurrency.js";
import {
  azureOpenAiEmitTokenMetric,
  azureOpenAiTokenLimit,
  llmEmitTokenMetric,
  llmTokenLimit,
} from "./policies/llm-tokens.js";
import { logToEventhub } from "./policies/log-to-eventhub.js";
import { authenticationManagedIdentity } from "./policies/managed-identity.js";
import { mockResponse } from "./policies/mock-response.js";
import { quota } from "./policies/quota.js";
import { quotaByKey } from "./policies/quota-by-key.js";
import { rateLimit } from "./policies/rate-limit.js";
import { rateLimitByKey } from "./policies/rate-limit-by-key.js";
import { retry } from "./policies/retry.js";
import { returnResponse } from "./policies/return-response.js";
import { rewriteUri } from "./policies/rewrite-uri.js";
import { sendOneWayRequest } from "./policies/send-one-way-request.js";
import { sendRequest } from "./policies/send-request.js";
import { setBackendService } from "./policies/set-backend-service.js";
import { setBody } from "./policies/set-body.js";
import { setHeader } from "./policies/set-header.js";
import { setMethod } from "./policies/set-method.js";
import { setQueryParameter } from "./policies/set-query-parameter.js";
import { setStatus } from "./policies/set-status.js";
import { setVariable } from "./policies/set-variable.js";
import { trace } from "./policies/trace.js";
import { unsupportedPolicies } from "./policies/unsupported.js";
import { validateAzureAdToken } from "./policies/validate-azure-ad-token.js";
import { validateContent } from "./policies/validate-content.js";
import { validateJwt } from "./policies/validate-jwt.js";
import { validateHeaders, validateParameters, validateStatusCode } from "./policies/validate-messages.js";
import { wait } from "./policies/wait.js";

// biome-ignore lint/suspicious/noExplicitAny: heterogeneous registry; each config type belongs to its definition
const all: PolicyDefinition<any>[] = [
  authenticationBasic,
  authenticationCertificate,
  authenticationManagedIdentity,
  proxy,
  cacheLookup,
  cacheStore,
  cacheLookupValue,
  cacheStoreValue,
  cacheRemoveValue,
  checkHeader,
  choose,
  cors,
  emitMetric,
  findAndReplace,
  forwardRequest,
  includeFragment,
  ipFilter,
  jsonToXmlPolicy,
  xmlToJsonPolicy,
  jsonp,
  limitConcurrency,
  logToEventhub,
  mockResponse,
  quota,
  quotaByKey,
  rateLimit,
  rateLimitByKey,
  retry,
  returnResponse,
  rewriteUri,
  sendOneWayRequest,
  sendRequest,
  setBackendService,
  setBody,
  setHeader,
  setMethod,
  setQueryParameter,
  setStatus,
  setVariable,
  trace,
  validateContent,
  validateJwt,
  validateHeaders,
  validateParameters,
  validateStatusCode,
  wait,
  llmTokenLimit,
  azureOpenAiTokenLimit,
  llmEmitTokenMetric,
  azureOpenAiEmitTokenMetric,
  validateAzureAdToken,
  ...unsupportedPolicies,
];

export const registry: ReadonlyMap<string, PolicyDefinition<unknown>> = new Map(all.map((d) => [d.name, d]));
