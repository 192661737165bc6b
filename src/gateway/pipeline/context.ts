// The PolicyContext of one request on the pipeline path. The abort signal is created lazily: most
// pipelines never look at it, and an AbortController per request is measurable on the hot path.
import type {
  ApiInfo,
  DeploymentInfo,
  HeaderMap,
  LastError,
  MessageBody,
  OperationInfo,
  PolicyContext,
  PolicyRequest,
  PolicyResponse,
  PolicyServices,
  ProductInfo,
  RequestUrl,
  SubscriptionInfo,
  UserInfo,
} from "../../policy/types.js";
import type { ClientRequest, ClientResponse } from "../server/client.js";

export interface ContextInit {
  requestId: string;
  timestamp: number;
  req: ClientRequest;
  res: ClientResponse;
  method: string;
  originalUrl: RequestUrl;
  url: RequestUrl;
  headers: HeaderMap;
  body: MessageBody;
  ipAddress: string;
  matchedParameters: ReadonlyMap<string, string>;
  api: ApiInfo;
  operation: OperationInfo;
  product: ProductInfo | undefined;
  subscription: SubscriptionInfo | undefined;
  user: UserInfo | undefined;
  deployment: DeploymentInfo;
  backendUrl: string;
  services: PolicyServices;
  tracing: boolean;
  /** The pipeline reads the response body: forward buffers it. */
  needsResponseBody: boolean;
}

export class GatewayContext implements PolicyContext {
  readonly requestId: string;
  readonly timestamp: number;
  readonly request: PolicyRequest;
  response: PolicyResponse | undefined = undefined;
  readonly variables = new Map<string, unknown>();
  readonly api: ApiInfo;
  readonly operation: OperationInfo;
  readonly product: ProductInfo | undefined;
  readonly subscription: SubscriptionInfo | undefined;
  readonly user: UserInfo | undefined;
  readonly deployment: DeploymentInfo;
  lastError: LastError | undefined = undefined;
  backend: PolicyContext["backend"];
  tracing: boolean;
  readonly trace: Array<{ source: string; message: string }> = [];
  readonly services: PolicyServices;
  /** Backend base URL the request URL was derived from (to re-base it when set-backend-service changes it). */
  readonly initialBackendUrl: string;
  readonly res: ClientResponse;
  readonly req: ClientRequest;
  /** Milliseconds spent waiting for the backend (access log). */
  backendMs: number | undefined = undefined;
  readonly needsResponseBody: boolean;
  /** The expression engine's per-request `context` view (PolicyContext.expressionView): declared for one shape. */
  expressionView: unknown = undefined;
  private controller: AbortController | undefined;

  constructor(init: ContextInit) {
    this.requestId = init.requestId;
    this.timestamp = init.timestamp;
    this.request = {
      method: init.method,
      url: init.url,
      originalUrl: init.originalUrl,
      headers: init.headers,
      body: init.body,
      ipAddress: init.ipAddress,
      matchedParameters: init.matchedParameters,
    };
    this.api = init.api;
    this.operation = init.operation;
    this.product = init.product;
    this.subscription = init.subscription;
    this.user = init.user;
    this.deployment = init.deployment;
    this.backend = { url: init.backendUrl };
    this.initialBackendUrl = init.backendUrl;
    this.services = init.services;
    this.tracing = init.tracing;
    this.res = init.res;
    this.req = init.req;
    this.needsResponseBody = init.needsResponseBody;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.res.destroyed && !this.res.writableFinished) controller.abort();
      else
        this.res.once("close", () => {
          if (!this.res.writableFinished) controller.abort();
        });
    }
    return this.controller.signal;
  }
}

/** Request headers as the policy model wants them: lower-cased names, values in order. */
export function headerMapFromRaw(raw: readonly string[]): HeaderMap {
  const map: HeaderMap = new Map();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const list = map.get(name);
    if (list) list.push(raw[i + 1] as string);
    else map.set(name, [raw[i + 1] as string]);
  }
  return map;
}

/** "a=1&b=2&a=3" → Map{a:[1,3], b:[2]}; names keep their case, values are decoded. */
export function parseQuery(search: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  if (search === "") return map;
  for (const pair of search.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
    const list = map.get(name);
    if (list) list.push(value);
    else map.set(name, [value]);
  }
  return map;
}

function decode(s: string): string {
  if (!s.includes("%") && !s.includes("+")) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

export function formatQuery(query: ReadonlyMap<string, string[]>): string {
  let out = "";
  for (const [name, values] of query) {
    for (const v of values) out += `${out === "" ? "?" : "&"}${encodeURIComponent(name)}=${encodeURIComponent(v)}`;
  }
  return out;
}
