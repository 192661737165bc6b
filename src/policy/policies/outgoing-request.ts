// The request built by send-request / send-one-way-request from their children:
// <set-url>, <set-method>, <set-header>*, <set-body>, <authentication-basic>, <authentication-certificate>, <proxy>.
import type { Getter } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import type { PolicyParser } from "../parser.js";
import type { OutgoingHttpRequest, PolicyContext, RequestUrl } from "../types.js";
import { PolicyError } from "../types.js";
import type { XmlElement } from "../xml/reader.js";
import type { IdentityConfig } from "./managed-identity.js";
import { createTokenSource, parseIdentity } from "./managed-identity.js";
import type { NamedValuesConfig } from "./set-header.js";
import { compileNamedValues, parseNamedValues } from "./set-header.js";

const CHILDREN = [
  "set-url",
  "set-method",
  "set-header",
  "set-body",
  "authentication-basic",
  "authentication-certificate",
  "proxy",
  "authentication-managed-identity",
];

export interface OutgoingConfig {
  copy: boolean;
  timeoutMs: number;
  url: Dyn<string> | undefined;
  method: Dyn<string> | undefined;
  headers: NamedValuesConfig[];
  body: Dyn<string> | undefined;
  basic: { username: Dyn<string>; password: Dyn<string> } | undefined;
  certificateId: Dyn<string> | undefined;
  identity: IdentityConfig | undefined;
}

export function parseOutgoing(el: XmlElement, p: PolicyParser, defaultTimeoutS: number): OutgoingConfig | undefined {
  const m = p.mark();
  const mode = p.enumeration(el, "mode", ["new", "copy"] as const);
  const timeout = p.integer(el, "timeout", { min: 1, expression: false });
  const config: OutgoingConfig = {
    copy: mode?.kind === "const" && mode.value === "copy",
    timeoutMs: (timeout?.kind === "const" ? timeout.value : defaultTimeoutS) * 1000,
    url: undefined,
    method: undefined,
    headers: [],
    body: undefined,
    basic: undefined,
    certificateId: undefined,
    identity: undefined,
  };
  // A copy carries the incoming body: the gateway must have it in memory.
  if (config.copy) p.needsRequestBody = true;
  for (const child of p.children(el, CHILDREN)) {
    switch (child.name) {
      case "set-url":
        p.finishChild(child);
        config.url = p.text(child);
        break;
      case "set-method":
        p.finishChild(child);
        config.method = p.text(child);
        break;
      case "set-header": {
        p.attr(child, "id");
        const h = parseNamedValues(child, p);
        p.finishChild(child);
        if (h) config.headers.push(h);
        break;
      }
      case "set-body":
        p.attr(child, "template");
        p.finishChild(child);
        config.body = p.text(child, { raw: true });
        break;
      case "authentication-basic": {
        const username = p.string(child, "username", { required: true });
        const password = p.string(child, "password", { required: true });
        p.finishChild(child);
        if (username && password) config.basic = { username, password };
        break;
      }
      case "authentication-certificate":
        config.certificateId = p.nonEmpty(child, "certificate-id") ?? p.nonEmpty(child, "thumbprint");
        p.attr(child, "password");
        p.finishChild(child);
        if (!config.certificateId)
          p.error("POLICY_ERR_REQUIRED", "<authentication-certificate> requires certificate-id or thumbprint", child);
        break;
      case "proxy":
        p.string(child, "url", { required: true });
        p.string(child, "username");
        p.string(child, "password");
        p.finishChild(child);
        p.warning("POLICY_WARN_IGNORED", "<proxy> inside a request is not supported: the request goes direct", child);
        break;
      case "authentication-managed-identity":
        config.identity = parseIdentity(child, p);
        p.attr(child, "ignore-error");
        p.attr(child, "output-token-variable-name");
        p.finishChild(child);
        break;
    }
  }
  if (!config.copy && !config.url && !p.failedSince(m)) {
    p.error("POLICY_ERR_REQUIRED", `<${el.name}> in mode "new" requires a <set-url> child`, el);
  }
  return p.failedSince(m) ? undefined : config;
}

export function urlToString(url: RequestUrl): string {
  const defaultPort = (url.scheme === "https" && url.port === 443) || (url.scheme === "http" && url.port === 80);
  const qs = [...url.query]
    .flatMap(([k, vs]) => vs.map((v) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join("&");
  return `${url.scheme}://${url.host}${url.port && !defaultPort ? `:${url.port}` : ""}${url.path}${qs ? `?${qs}` : ""}`;
}

/** Compiles the children into a builder of the outgoing request. */
export function compileOutgoing(
  config: OutgoingConfig,
  source: string,
): (ctx: PolicyContext) => OutgoingHttpRequest | Promise<OutgoingHttpRequest> {
  const build = compileOutgoingSync(config, source);
  if (!config.identity) return build;
  const token = createTokenSource(config.identity, source);
  return async (ctx) => {
    const request = build(ctx);
    request.headers = request.headers.filter(([k]) => k !== "authorization");
    request.headers.push(["authorization", `Bearer ${await token(ctx)}`]);
    return request;
  };
}

function compileOutgoingSync(config: OutgoingConfig, source: string): (ctx: PolicyContext) => OutgoingHttpRequest {
  const url = config.url ? getter(config.url) : undefined;
  const method = config.method ? getter(config.method) : undefined;
  const headerSteps = config.headers.map((h) => compileNamedValues(h, true));
  const body: Getter<string> | undefined = config.body ? getter(config.body) : undefined;
  const basic = config.basic ? { u: getter(config.basic.username), p: getter(config.basic.password) } : undefined;
  const certificateId = config.certificateId ? getter(config.certificateId) : undefined;
  return (ctx) => {
    const headers = new Map<string, string[]>();
    let bodyValue: Buffer | string | undefined;
    if (config.copy) {
      for (const [k, v] of ctx.request.headers) headers.set(k, [...v]);
      bodyValue = ctx.request.body.bytes;
    }
    for (const apply of headerSteps) apply(ctx, headers);
    if (basic)
      headers.set("authorization", [`Basic ${Buffer.from(`${basic.u(ctx)}:${basic.p(ctx)}`).toString("base64")}`]);
    if (body) bodyValue = body(ctx);
    const target = url ? url(ctx).trim() : urlToString(ctx.request.url);
    if (!/^https?:\/\//i.test(target)) {
      throw new PolicyError(source, "InvalidUrl", `Request URL "${target}" is not an absolute http(s) URL.`);
    }
    const request: OutgoingHttpRequest = {
      url: target,
      method: (method ? method(ctx) : config.copy ? ctx.request.method : "GET").trim().toUpperCase(),
      headers: [...headers].flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])),
      body: bodyValue,
      timeoutMs: config.timeoutMs,
    };
    if (certificateId) {
      const id = certificateId(ctx);
      const cert = ctx.services.certificate(id);
      if (!cert) throw new PolicyError(source, "CertificateNotFound", `Certificate "${id}" was not found.`);
      request.clientCertificate = cert.pfx
        ? { pfx: cert.pfx, passphrase: cert.passphrase }
        : { cert: cert.cert ?? "", key: cert.key ?? "", passphrase: cert.passphrase };
    }
    return request;
  };
}
