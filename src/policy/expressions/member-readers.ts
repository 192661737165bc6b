// Direct readers for the members of the `context` object model, chosen when an expression is compiled.
// Each reader is its own function with its own property-load site, so V8 keeps every site monomorphic
// (or nearly) and inlines the view's getter; one shared `o[name]` site for all members would go
// megamorphic and look the name up on every read.
type Reader = (o: Record<string, unknown>) => unknown;

const READERS: Readonly<Record<string, Reader>> = Object.freeze({
  // IContext
  Api: (o) => o.Api,
  Deployment: (o) => o.Deployment,
  Elapsed: (o) => o.Elapsed,
  LastError: (o) => o.LastError,
  Operation: (o) => o.Operation,
  Product: (o) => o.Product,
  Request: (o) => o.Request,
  RequestId: (o) => o.RequestId,
  Response: (o) => o.Response,
  Subscription: (o) => o.Subscription,
  Timestamp: (o) => o.Timestamp,
  Tracing: (o) => o.Tracing,
  User: (o) => o.User,
  Variables: (o) => o.Variables,
  // IRequest / IResponse
  Body: (o) => o.Body,
  Certificate: (o) => o.Certificate,
  Headers: (o) => o.Headers,
  IpAddress: (o) => o.IpAddress,
  MatchedParameters: (o) => o.MatchedParameters,
  Method: (o) => o.Method,
  OriginalUrl: (o) => o.OriginalUrl,
  Url: (o) => o.Url,
  StatusCode: (o) => o.StatusCode,
  StatusReason: (o) => o.StatusReason,
  // IUrl
  Host: (o) => o.Host,
  Path: (o) => o.Path,
  Port: (o) => o.Port,
  Query: (o) => o.Query,
  QueryString: (o) => o.QueryString,
  Scheme: (o) => o.Scheme,
  // IApi, IOperation, IProduct, ISubscription, IUser
  Id: (o) => o.Id,
  Name: (o) => o.Name,
  Protocols: (o) => o.Protocols,
  ServiceUrl: (o) => o.ServiceUrl,
  SubscriptionKeyParameterNames: (o) => o.SubscriptionKeyParameterNames,
  IsCurrentRevision: (o) => o.IsCurrentRevision,
  Revision: (o) => o.Revision,
  Version: (o) => o.Version,
  UrlTemplate: (o) => o.UrlTemplate,
  Apis: (o) => o.Apis,
  ApprovalRequired: (o) => o.ApprovalRequired,
  Groups: (o) => o.Groups,
  State: (o) => o.State,
  SubscriptionLimit: (o) => o.SubscriptionLimit,
  SubscriptionRequired: (o) => o.SubscriptionRequired,
  CreatedDate: (o) => o.CreatedDate,
  EndDate: (o) => o.EndDate,
  Key: (o) => o.Key,
  PrimaryKey: (o) => o.PrimaryKey,
  SecondaryKey: (o) => o.SecondaryKey,
  StartDate: (o) => o.StartDate,
  Email: (o) => o.Email,
  FirstName: (o) => o.FirstName,
  LastName: (o) => o.LastName,
  Identities: (o) => o.Identities,
  Note: (o) => o.Note,
  RegistrationDate: (o) => o.RegistrationDate,
  // IDeployment, ILastError
  GatewayId: (o) => o.GatewayId,
  Region: (o) => o.Region,
  ServiceName: (o) => o.ServiceName,
  Gateway: (o) => o.Gateway,
  Certificates: (o) => o.Certificates,
  Source: (o) => o.Source,
  Reason: (o) => o.Reason,
  Message: (o) => o.Message,
  Scope: (o) => o.Scope,
  Section: (o) => o.Section,
  PolicyId: (o) => o.PolicyId,
});

/** The reader of a context member, or undefined for a name without one (the caller reads `o[name]`). */
export function memberReader(name: string): Reader | undefined {
  return Object.hasOwn(READERS, name) ? READERS[name] : undefined;
}
