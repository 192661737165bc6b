// <authentication-basic username password/>, <authentication-certificate certificate-id|thumbprint|body/>
// and <proxy url username password/>: credentials and routing for the backend call.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { CONTINUE, PolicyError } from "../types.js";

export const authenticationBasic = definePolicy<{ username: Dyn<string>; password: Dyn<string> }>({
  name: "authentication-basic",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const username = p.string(el, "username", { required: true });
    const password = p.string(el, "password", { required: true });
    if (p.failedSince(m) || !username || !password) return undefined;
    return { username, password };
  },
  compile({ username, password }) {
    if (username.kind === "const" && password.kind === "const") {
      const value = [`Basic ${Buffer.from(`${username.value}:${password.value}`).toString("base64")}`];
      return (ctx) => {
        ctx.request.headers.set("authorization", value.slice());
        return CONTINUE;
      };
    }
    const u = getter(username);
    const pw = getter(password);
    return (ctx) => {
      ctx.request.headers.set("authorization", [`Basic ${Buffer.from(`${u(ctx)}:${pw(ctx)}`).toString("base64")}`]);
      return CONTINUE;
    };
  },
});

type CertConfig =
  | { kind: "id"; id: Dyn<string> }
  | { kind: "body"; body: Dyn<string>; password: Dyn<string> | undefined };

export const authenticationCertificate = definePolicy<CertConfig>({
  name: "authentication-certificate",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const id = p.nonEmpty(el, "certificate-id") ?? p.nonEmpty(el, "thumbprint");
    const body = p.nonEmpty(el, "body");
    const password = p.string(el, "password");
    if (p.failedSince(m)) return undefined;
    if (id) return { kind: "id", id };
    if (body) return { kind: "body", body, password };
    p.error("POLICY_ERR_REQUIRED", "<authentication-certificate> requires certificate-id, thumbprint or body", el);
    return undefined;
  },
  compile(config) {
    if (config.kind === "id") {
      const read = getter(config.id);
      return (ctx) => {
        const id = read(ctx);
        const cert = ctx.services.certificate(id);
        if (!cert)
          throw new PolicyError(
            "authentication-certificate",
            "CertificateNotFound",
            `Certificate "${id}" was not found.`,
          );
        ctx.backend.clientCertificate = cert.pfx
          ? { pfx: cert.pfx, passphrase: cert.passphrase }
          : { cert: cert.cert ?? "", key: cert.key ?? "", passphrase: cert.passphrase };
        return CONTINUE;
      };
    }
    const body = getter(config.body);
    const password = config.password ? getter(config.password) : undefined;
    return (ctx) => {
      ctx.backend.clientCertificate = { pfx: Buffer.from(body(ctx), "base64"), passphrase: password?.(ctx) };
      return CONTINUE;
    };
  },
});

export const proxy = definePolicy<{
  url: Dyn<string>;
  username: Dyn<string> | undefined;
  password: Dyn<string> | undefined;
}>({
  name: "proxy",
  sections: ["inbound"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const url = p.nonEmpty(el, "url", { required: true });
    const username = p.string(el, "username");
    const password = p.string(el, "password");
    if (url?.kind === "const" && !/^http:\/\/[^/]+/i.test(url.value.trim())) {
      p.error("POLICY_ERR_INVALID_URL", `proxy url must be http://host:port, got "${url.value}"`, el);
    }
    if (p.failedSince(m) || !url) return undefined;
    return { url, username, password };
  },
  compile(config) {
    const url = getter(config.url);
    const username = config.username ? getter(config.username) : undefined;
    const password = config.password ? getter(config.password) : undefined;
    return (ctx) => {
      ctx.backend.proxy = { url: url(ctx).trim(), username: username?.(ctx), password: password?.(ctx) };
      return CONTINUE;
    };
  },
});
