// The `context` object of policy expressions: PascalCase views over the gateway's PolicyContext.
// Views are created on first access and cached on the root, so unused parts cost nothing per request.
// The request/response views are in message-views.ts, context.Variables in variables-view.ts.
import type {
  DeploymentInfo,
  LastError,
  PolicyContext,
  PolicyRequest,
  PolicyResponse,
  ProductInfo,
  SubscriptionInfo,
  UserInfo,
} from "../types.js";
import { RequestView, ResponseView, UrlView } from "./message-views.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./runtime/time.js";
import { VariablesView } from "./variables-view.js";

/**
 * The request's `context` view: kept in the PolicyContext's own slot, so every expression of a request
 * shares it and it dies with the request. (A WeakMap keyed by the context, whose value pointed back at the
 * key, formed an ephemeron cycle that survived minor GCs and made GC the main cost of the request path.)
 */
export function createExpressionContext(ctx: PolicyContext): ContextView {
  const cached = ctx.expressionView;
  // The identity check keeps a context copied with `{ ...ctx }` from reading its original's view.
  if (cached instanceof ContextView && cached.ctx === ctx) return cached;
  const view = new ContextView(ctx);
  ctx.expressionView = view;
  return view;
}

function dateOrNull(text: string | undefined): CsDateTime | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new CsDateTime(ms, "Utc") : null;
}

type InfoRecord = Record<string, unknown>;

function subscriptionRecord(s: SubscriptionInfo): InfoRecord {
  return {
    Id: s.id,
    Name: s.name,
    Key: s.key,
    PrimaryKey: s.primaryKey,
    SecondaryKey: s.secondaryKey,
    CreatedDate: dateOrNull(s.createdDate),
    StartDate: dateOrNull(s.startDate),
    EndDate: dateOrNull(s.endDate),
  };
}

function productRecord(p: ProductInfo): InfoRecord {
  return {
    Id: p.id,
    Name: p.name,
    ApprovalRequired: p.approvalRequired,
    SubscriptionRequired: p.subscriptionRequired,
    SubscriptionLimit: p.subscriptionLimit ?? null,
    State: p.state,
    Groups: p.groups.map((g) => ({ Id: g.id, Name: g.name })),
    Apis: p.apis.map((a) => ({ Id: a.id, Name: a.name })),
  };
}

function userRecord(u: UserInfo): InfoRecord {
  return {
    Id: u.id,
    Email: u.email,
    FirstName: u.firstName,
    LastName: u.lastName,
    Note: u.note ?? null,
    RegistrationDate: dateOrNull(u.registrationDate),
    Groups: u.groups.map((g) => ({ Id: g.id, Name: g.name })),
    Identities: [],
  };
}

function lastErrorRecord(e: LastError): InfoRecord {
  return {
    Source: e.source,
    Reason: e.reason,
    Message: e.message,
    Scope: e.scope,
    Section: e.section,
    Path: e.path,
    PolicyId: e.policyId,
  };
}

/**
 * Views and records are built on first read and kept for the request; each cache remembers the source
 * object it was built from, so a field the pipeline replaces (response, lastError) gets a fresh view.
 * All fields are set in the constructor so that every ContextView has one shape.
 */
export class ContextView {
  private apiOf: PolicyContext["api"] = undefined;
  private api: ApiView | null = null;
  private operationOf: PolicyContext["operation"] = undefined;
  private operation: InfoRecord | null = null;
  private productOf: PolicyContext["product"] = undefined;
  private product: InfoRecord | null = null;
  private subscriptionOf: PolicyContext["subscription"] = undefined;
  private subscription: InfoRecord | null = null;
  private userOf: PolicyContext["user"] = undefined;
  private user: InfoRecord | null = null;
  private deploymentOf: DeploymentInfo | undefined = undefined;
  private deployment: InfoRecord | null = null;
  private lastErrorOf: LastError | undefined = undefined;
  private lastError: InfoRecord | null = null;
  private requestOf: PolicyRequest | undefined = undefined;
  private request: RequestView | null = null;
  private responseOf: PolicyResponse | undefined = undefined;
  private response: ResponseView | null = null;
  private variablesOf: Map<string, unknown> | undefined = undefined;
  private variables: VariablesView | null = null;
  constructor(readonly ctx: PolicyContext) {}
  get Api(): ApiView | null {
    const a = this.ctx.api;
    if (!a) return null;
    if (this.apiOf !== a) {
      this.api = new ApiView(a);
      this.apiOf = a;
    }
    return this.api;
  }
  get Operation(): InfoRecord | null {
    const o = this.ctx.operation;
    if (!o) return null;
    if (this.operationOf !== o) {
      this.operation = { Id: o.id, Name: o.name, Method: o.method, UrlTemplate: o.urlTemplate };
      this.operationOf = o;
    }
    return this.operation;
  }
  get Product(): InfoRecord | null {
    const p = this.ctx.product;
    if (!p) return null;
    if (this.productOf !== p) {
      this.product = productRecord(p);
      this.productOf = p;
    }
    return this.product;
  }
  get Subscription(): InfoRecord | null {
    const s = this.ctx.subscription;
    if (!s) return null;
    if (this.subscriptionOf !== s) {
      this.subscription = subscriptionRecord(s);
      this.subscriptionOf = s;
    }
    return this.subscription;
  }
  get User(): InfoRecord | null {
    const u = this.ctx.user;
    if (!u) return null;
    if (this.userOf !== u) {
      this.user = userRecord(u);
      this.userOf = u;
    }
    return this.user;
  }
  get Deployment(): InfoRecord {
    const d = this.ctx.deployment;
    if (this.deploymentOf !== d || this.deployment === null) {
      this.deployment = {
        GatewayId: d.gatewayId,
        Region: d.region,
        ServiceName: d.serviceName,
        Gateway: { Id: d.gatewayId, InstanceId: d.gatewayId, IsManaged: false },
        Certificates: new Map(),
      };
      this.deploymentOf = d;
    }
    return this.deployment;
  }
  get LastError(): InfoRecord | null {
    const e = this.ctx.lastError;
    if (!e) return null;
    if (this.lastErrorOf !== e) {
      this.lastError = lastErrorRecord(e);
      this.lastErrorOf = e;
    }
    return this.lastError;
  }
  get Request(): RequestView {
    const r = this.ctx.request;
    if (this.requestOf !== r || this.request === null) {
      this.request = new RequestView(r);
      this.requestOf = r;
    }
    return this.request;
  }
  get Response(): ResponseView | null {
    const r = this.ctx.response;
    if (!r) return null;
    if (this.responseOf !== r) {
      this.response = new ResponseView(r);
      this.responseOf = r;
    }
    return this.response;
  }
  get Variables(): VariablesView {
    const v = this.ctx.variables;
    if (this.variablesOf !== v || this.variables === null) {
      this.variables = new VariablesView(v);
      this.variablesOf = v;
    }
    return this.variables;
  }
  get RequestId(): CsGuid {
    return requestGuid(this.ctx.requestId);
  }
  get Timestamp(): CsDateTime {
    return new CsDateTime(this.ctx.timestamp, "Utc");
  }
  get Elapsed(): CsTimeSpan {
    return new CsTimeSpan(this.ctx.services.clock.now() - this.ctx.timestamp);
  }
  get Tracing(): boolean {
    return this.ctx.tracing;
  }
  Trace(message: unknown): void {
    if (this.ctx.tracing) this.ctx.trace.push({ source: "expression", message: String(message ?? "") });
  }
}

// Kept out of the getter: a try/catch there would sit on the path of every context member read.
function requestGuid(id: string): CsGuid {
  try {
    return CsGuid.parse(id);
  } catch {
    return new CsGuid(id);
  }
}

export class ApiView {
  constructor(private readonly api: NonNullable<PolicyContext["api"]>) {}
  get Id(): string {
    return this.api.id;
  }
  get Name(): string {
    return this.api.name;
  }
  get Path(): string {
    return this.api.path;
  }
  get Protocols(): string[] {
    return this.api.protocols;
  }
  get ServiceUrl(): UrlView | null {
    const s = this.api.serviceUrl;
    if (!s) return null;
    try {
      const u = new URL(s);
      const query = new Map<string, string[]>();
      for (const [k, v] of u.searchParams) query.set(k, [...(query.get(k) ?? []), v]);
      const scheme = u.protocol.replace(":", "");
      const port = u.port ? Number(u.port) : scheme === "https" ? 443 : 80;
      return new UrlView({ scheme, host: u.hostname, port, path: decodeURI(u.pathname), query });
    } catch {
      return null;
    }
  }
  get SubscriptionKeyParameterNames(): Record<string, string> {
    return {
      Header: this.api.subscriptionKeyParameterNames.header,
      Query: this.api.subscriptionKeyParameterNames.query,
    };
  }
  get IsCurrentRevision(): boolean {
    return this.api.isCurrentRevision;
  }
  get Revision(): string {
    return this.api.revision;
  }
  get Version(): string {
    return this.api.version;
  }
}
