// Compile-time knowledge of types: the `context` object model (with member types, so that a wrong
// member is reported when the policy is saved), type-name aliases, and the set of instance member names
// that values of statically unknown type may use.
import { ApiView, ContextView } from "./context-view.js";
import { BodyView, HeadersView, QueryView, RequestView, ResponseView, UrlView } from "./message-views.js";
import { BasicCredentials, JwtView } from "./runtime/auth.js";
import { CsHash, CsRandom } from "./runtime/crypto.js";
import { CsException } from "./runtime/errors.js";
import { JArray, JObject, JProperty, JToken, JValue, KeyValue } from "./runtime/json.js";
import { LINQ } from "./runtime/linq.js";
import { STATIC_TYPES } from "./runtime/statics.js";
import { STRING_METHODS } from "./runtime/strings.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./runtime/time.js";
import { CsEncoding, CsGroup, CsIPAddress, CsMatch, CsRegex, CsStringBuilder, CsUri } from "./runtime/types.js";
import { CsStringReader, CsXmlReader, XAttribute, XDocumentView, XElement, XName } from "./runtime/xml.js";
import { VariablesView } from "./variables-view.js";

/** Member → static type; "()" suffix marks a method. Display names are APIM's interface names. */
const DICT = { GetValueOrDefault: "string()", ContainsKey: "bool()", Count: "int", Keys: "?" };
export const CONTEXT_TYPES: Record<string, { display: string; members: Record<string, string>; dictionary?: boolean }> =
  {
    IContext: {
      display: "IContext",
      members: {
        Api: "IApi",
        Deployment: "IDeployment",
        Elapsed: "TimeSpan",
        LastError: "ILastError",
        Operation: "IOperation",
        Product: "IProduct",
        Request: "IRequest",
        RequestId: "Guid",
        Response: "IContextResponse",
        Subscription: "ISubscription",
        Timestamp: "DateTime",
        Tracing: "bool",
        User: "IUser",
        Variables: "IVariables",
        Trace: "void()",
      },
    },
    IRequest: {
      display: "IRequest",
      members: {
        Body: "IMessageBody",
        Certificate: "?",
        Headers: "IHeaders",
        IpAddress: "string",
        MatchedParameters: "IParameters",
        Method: "string",
        OriginalUrl: "IUrl",
        Url: "IUrl",
      },
    },
    IContextResponse: {
      display: "IResponse",
      members: { Body: "IMessageBody", Headers: "IHeaders", StatusCode: "int", StatusReason: "string" },
    },
    IResponse: {
      display: "IResponse",
      members: { Body: "IMessageBody", Headers: "IHeaders", StatusCode: "int", StatusReason: "string" },
    },
    IUrl: {
      display: "IUrl",
      members: {
        Host: "string",
        Path: "string",
        Port: "int",
        Query: "IQuery",
        QueryString: "string",
        Scheme: "string",
        ToString: "string()",
      },
    },
    IHeaders: { display: "IReadOnlyDictionary<string, string[]>", members: DICT, dictionary: true },
    IQuery: { display: "IReadOnlyDictionary<string, string[]>", members: DICT, dictionary: true },
    IParameters: { display: "IReadOnlyDictionary<string, string>", members: DICT, dictionary: true },
    IVariables: {
      display: "IReadOnlyDictionary<string, object>",
      members: { ...DICT, GetValueOrDefault: "?()" },
      dictionary: true,
    },
    IMessageBody: { display: "IMessageBody", members: { As: "?()", AsFormUrlEncodedContent: "?()" } },
    IApi: {
      display: "IApi",
      members: {
        Id: "string",
        Name: "string",
        Path: "string",
        Protocols: "?",
        ServiceUrl: "IUrl",
        SubscriptionKeyParameterNames: "?",
        IsCurrentRevision: "bool",
        Revision: "string",
        Version: "string",
      },
    },
    IOperation: {
      display: "IOperation",
      members: { Id: "string", Method: "string", Name: "string", UrlTemplate: "string" },
    },
    IProduct: {
      display: "IProduct",
      members: {
        Apis: "?",
        ApprovalRequired: "bool",
        Groups: "?",
        Id: "string",
        Name: "string",
        State: "string",
        SubscriptionLimit: "?",
        SubscriptionRequired: "bool",
      },
    },
    ISubscription: {
      display: "ISubscription",
      members: {
        CreatedDate: "DateTime",
        EndDate: "DateTime",
        Id: "string",
        Key: "string",
        Name: "string",
        PrimaryKey: "string",
        SecondaryKey: "string",
        StartDate: "DateTime",
      },
    },
    IUser: {
      display: "IUser",
      members: {
        Email: "string",
        FirstName: "string",
        LastName: "string",
        Groups: "?",
        Id: "string",
        Identities: "?",
        Note: "string",
        RegistrationDate: "DateTime",
      },
    },
    IDeployment: {
      display: "IDeployment",
      members: { GatewayId: "string", Region: "string", ServiceName: "string", Gateway: "?", Certificates: "?" },
    },
    ILastError: {
      display: "ILastError",
      members: {
        Source: "string",
        Reason: "string",
        Message: "string",
        Scope: "string",
        Section: "string",
        Path: "string",
        PolicyId: "string",
      },
    },
  };

/** Members every value has. */
export const UNIVERSAL_MEMBERS = new Set(["ToString", "Equals", "GetHashCode", "GetType", "CompareTo"]);

const ALIASES: Record<string, string> = {
  String: "string",
  Int32: "int",
  Int64: "long",
  Int16: "short",
  Boolean: "bool",
  Double: "double",
  Single: "float",
  Decimal: "decimal",
  Object: "object",
  Byte: "byte",
  Char: "char",
  UInt32: "uint",
  UInt64: "ulong",
};

/** Types that are valid in casts, declarations and `is`/`as` besides the static types. */
const OTHER_TYPES = new Set([
  "object",
  "char",
  "byte",
  "sbyte",
  "short",
  "ushort",
  "uint",
  "ulong",
  "float",
  "decimal",
  "IResponse",
  "IRequest",
  "IUrl",
  "IMessageBody",
  "Jwt",
  "BasicAuthCredentials",
  "IEnumerable",
  "IList",
  "ICollection",
  "IDictionary",
  "IReadOnlyDictionary",
  "KeyValuePair",
  "JValue",
  "JProperty",
  "Match",
  "Group",
  "MatchCollection",
  "HashAlgorithm",
  "HMAC",
  "Exception",
  "JsonReaderException",
  "JsonException",
  "CryptographicException",
  "KeyNotFoundException",
  "NullReferenceException",
  "IndexOutOfRangeException",
  "ArgumentOutOfRangeException",
  "OverflowException",
  "UriFormatException",
  "Nullable",
  // get-authorization-context's result (AccessToken, Claims); a plain object at run time.
  "Authorization",
  "XAttribute",
  "XName",
  "XmlNode",
  "XmlElement",
  "XmlNodeList",
  "void",
  "var",
]);

/** Allowed in APIM but not implemented by Moat: reported by name instead of as unknown. */
export const UNSUPPORTED_TYPES = new Set([
  "XNamespace",
  "XmlWriter",
  "XmlNamespaceManager",
  "StringWriter",
  "X509Certificate2",
  "RSA",
  "RSACryptoServiceProvider",
  "dynamic",
]);

export const NAMESPACES = new Set([
  "System",
  "System.Text",
  "System.Net",
  "System.Linq",
  "System.Collections",
  "System.Collections.Generic",
  "System.Security",
  "System.Security.Cryptography",
  "System.Text.RegularExpressions",
  "System.Globalization",
  "System.Xml",
  "System.Xml.Linq",
  "System.IO",
  "Newtonsoft",
  "Newtonsoft.Json",
  "Newtonsoft.Json.Linq",
  "Microsoft",
]);

/** "System.Int32" → "int", "Newtonsoft.Json.Linq.JObject" → "JObject". */
export function shortTypeName(dotted: string): string {
  const last = dotted.includes(".") ? dotted.slice(dotted.lastIndexOf(".") + 1) : dotted;
  return ALIASES[last] ?? last;
}

export type TypeCheck = { ok: true; name: string } | { ok: false; message: string };

export function checkTypeName(dotted: string): TypeCheck {
  const name = shortTypeName(dotted);
  if (dotted.includes(".")) {
    const ns = dotted.slice(0, dotted.lastIndexOf("."));
    if (!NAMESPACES.has(ns)) return { ok: false, message: `unknown type '${dotted}'` };
  }
  if (UNSUPPORTED_TYPES.has(name))
    return { ok: false, message: `unsupported type '${dotted}' (not available in Moat policy expressions)` };
  if (name in STATIC_TYPES || OTHER_TYPES.has(name) || name in CONTEXT_TYPES) return { ok: true, name };
  return { ok: false, message: `unknown type '${dotted}'` };
}

function pascalMembers(...classes: Array<{ prototype: object }>): string[] {
  const out: string[] = [];
  for (const c of classes) {
    for (let p: object | null = c.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const n of Object.getOwnPropertyNames(p)) if (/^[A-Z]/.test(n)) out.push(n);
    }
  }
  return out;
}

/** Every instance member name some run-time value supports (for receivers of unknown static type). */
export const KNOWN_INSTANCE_MEMBERS = new Set<string>([
  ...UNIVERSAL_MEMBERS,
  ...Object.keys(STRING_METHODS),
  ...Object.keys(LINQ),
  ...Object.values(CONTEXT_TYPES).flatMap((t) => Object.keys(t.members)),
  ...pascalMembers(
    JToken,
    JObject,
    JArray,
    JValue,
    JProperty,
    KeyValue,
    CsDateTime,
    CsTimeSpan,
    CsGuid,
    CsHash,
    CsRandom,
    CsEncoding,
    CsRegex,
    CsMatch,
    CsGroup,
    CsUri,
    CsStringBuilder,
    CsIPAddress,
    JwtView,
    BasicCredentials,
    CsException,
    ContextView,
    ApiView,
    RequestView,
    ResponseView,
    UrlView,
    HeadersView,
    QueryView,
    BodyView,
    VariablesView,
    XElement,
    XDocumentView,
    XName,
    XAttribute,
    CsXmlReader,
    CsStringReader,
  ),
  // Collections, JSON helpers, byte[] extensions and dictionary members dispatched in runtime/members.ts.
  ...[
    "Length",
    "LongLength",
    "Count",
    "Keys",
    "Values",
    "Add",
    "AddRange",
    "Insert",
    "Remove",
    "RemoveAt",
    "Clear",
    "IndexOf",
  ],
  ...[
    "Sort",
    "Exists",
    "Find",
    "FindIndex",
    "ForEach",
    "CopyTo",
    "ContainsKey",
    "ContainsValue",
    "GetValueOrDefault",
    "TryAdd",
  ],
  ...["TryGetValue", "Value", "Values", "ToObject", "Children", "GetValue", "Merge", "Encrypt", "Decrypt", "Dispose"],
  ...["AsJwt", "TryParseJwt", "AsBasic", "TryParseBasic", "Claims", "ToFormUrlEncodedContent"],
  // Fields (not on prototypes): KeyValuePair, BasicAuthCredentials, Match/Group, Encoding.
  ...[
    "Key",
    "UserId",
    "Password",
    "Success",
    "Index",
    "WebName",
    "Message",
    "LocalName",
    "NamespaceName",
    "Name",
    "AccessToken",
  ],
]);

/** Static types of common instance members (where integer arithmetic depends on it). */
export const MEMBER_TYPES: Record<string, string> = {
  Length: "int",
  Count: "int",
  IndexOf: "int",
  LastIndexOf: "int",
  StatusCode: "int",
  Port: "int",
  Next: "int",
  NextDouble: "double",
  TotalSeconds: "double",
  TotalMinutes: "double",
  TotalMilliseconds: "double",
  TotalHours: "double",
  TotalDays: "double",
  Ticks: "long",
  ToUnixTimeSeconds: "long",
  ToUnixTimeMilliseconds: "long",
  ToString: "string",
  Substring: "string",
  Replace: "string",
  Trim: "string",
  ToLower: "string",
  ToUpper: "string",
};

const LIST_MEMBERS = ["Length", "LongLength", "Count", "Add", "AddRange", "Insert", "Remove", "RemoveAt", "Clear"];
const JSON_EXTRA = ["Value", "Values", "ToObject", "Children", "GetValue", "TryGetValue", "Merge", "Remove"];
const typeMembers = new Map<string, Set<string> | undefined>();

/**
 * Members of a statically known run-time type (DateTime, JObject, byte[] …), so that
 * `DateTime.UtcNow.Length` is rejected when the policy is saved; undefined when the type is open.
 */
export function membersOfType(type: string): Set<string> | undefined {
  if (typeMembers.has(type)) return typeMembers.get(type);
  const linq = Object.keys(LINQ);
  let names: string[] | undefined;
  if (type === "DateTime" || type === "DateTimeOffset") names = pascalMembers(CsDateTime);
  else if (type === "TimeSpan") names = pascalMembers(CsTimeSpan);
  else if (type === "Guid") names = pascalMembers(CsGuid);
  else if (type === "JObject" || type === "JArray" || type === "JToken" || type === "JValue" || type === "JProperty")
    names = [...pascalMembers(JToken, JObject, JArray, JValue, JProperty), ...JSON_EXTRA, ...linq];
  else if (type === "byte[]") names = ["Encrypt", "Decrypt", ...LIST_MEMBERS, ...linq, "IndexOf", "CopyTo"];
  else if (type.endsWith("[]"))
    names = [...LIST_MEMBERS, ...linq, "IndexOf", "Sort", "Exists", "Find", "FindIndex", "ForEach", "CopyTo"];
  else if (["int", "long", "short", "byte", "double", "float", "decimal", "bool"].includes(type)) names = [];
  const set = names === undefined ? undefined : new Set([...names, ...UNIVERSAL_MEMBERS]);
  typeMembers.set(type, set);
  return set;
}
