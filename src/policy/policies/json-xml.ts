// <json-to-xml apply consider-accept-header …/> and <xml-to-json kind apply consider-accept-header …/>:
// body conversions through fast-xml-parser; malformed bodies fail the request (on-error) with 400/502.
import { contentTypeOf, isJsonType, isXmlType, jsonToXml, xmlToJson } from "../body-formats.js";
import { definePolicy } from "../definition.js";
import { bodyText, headerValue, setBodyText } from "../message.js";
import type { PolicyContext } from "../types.js";
import { CONTINUE, PolicyError } from "../types.js";
import type { Target } from "./common.js";
import { messageOf } from "./common.js";

interface Config {
  always: boolean;
  considerAccept: boolean;
  target: Target;
}

function acceptAllows(ctx: PolicyContext, considerAccept: boolean, wanted: (t: string) => boolean): boolean {
  if (!considerAccept) return true;
  const accept = headerValue(ctx.request.headers, "accept");
  if (!accept) return true;
  return accept.split(",").some((part) => {
    const t = (part.split(";")[0] ?? "").trim().toLowerCase();
    return t === "*/*" || wanted(t);
  });
}

function failStatus(target: Target, ctx: PolicyContext): number {
  return target === "request" || (target === "auto" && !ctx.response) ? 400 : 502;
}

export const jsonToXmlPolicy = definePolicy<Config & { attributePrefix: string }>({
  name: "json-to-xml",
  sections: ["inbound", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const apply = p.enumeration(el, "apply", ["always", "content-type-json"] as const, { required: true });
    const accept = p.boolean(el, "consider-accept-header", { expression: false });
    p.boolean(el, "parse-date", { expression: false });
    p.string(el, "namespace-separator", { expression: false });
    p.string(el, "namespace-prefix", { expression: false });
    const attributeBlock = p.string(el, "attribute-block-name", { expression: false });
    p.usesSectionBody();
    if (p.failedSince(m) || apply?.kind !== "const") return undefined;
    return {
      always: apply.value === "always",
      considerAccept: accept?.kind === "const" ? accept.value : true,
      target: p.target(),
      attributePrefix: attributeBlock?.kind === "const" ? attributeBlock.value : "@",
    };
  },
  compile(c) {
    return (ctx) => {
      const message = messageOf(ctx, c.target);
      if (!c.always && !isJsonType(contentTypeOf(message.headers))) return CONTINUE;
      if (!acceptAllows(ctx, c.considerAccept, isXmlType)) return CONTINUE;
      let xml: string;
      try {
        xml = jsonToXml(bodyText(message.body), { attributePrefix: c.attributePrefix });
      } catch (error) {
        throw new PolicyError(
          "json-to-xml",
          "InvalidJson",
          `Body is not valid JSON: ${(error as Error).message}`,
          failStatus(c.target, ctx),
        );
      }
      message.body = setBodyText(xml, message.headers);
      message.headers.set("content-type", ["application/xml"]);
      return CONTINUE;
    };
  },
});

export const xmlToJsonPolicy = definePolicy<Config & { direct: boolean; alwaysArray: boolean }>({
  name: "xml-to-json",
  sections: ["inbound", "outbound", "on-error"],
  parse(el, p) {
    const m = p.mark();
    p.children(el, []);
    const kind = p.enumeration(el, "kind", ["javascript-friendly", "direct"] as const, { required: true });
    const apply = p.enumeration(el, "apply", ["always", "content-type-xml"] as const, { required: true });
    const accept = p.boolean(el, "consider-accept-header", { expression: false });
    const alwaysArray = p.boolean(el, "always-array-child-elements", { expression: false });
    p.usesSectionBody();
    if (p.failedSince(m) || kind?.kind !== "const" || apply?.kind !== "const") return undefined;
    return {
      always: apply.value === "always",
      considerAccept: accept?.kind === "const" ? accept.value : true,
      target: p.target(),
      direct: kind.value === "direct",
      alwaysArray: alwaysArray?.kind === "const" && alwaysArray.value,
    };
  },
  compile(c) {
    return (ctx) => {
      const message = messageOf(ctx, c.target);
      if (!c.always && !isXmlType(contentTypeOf(message.headers))) return CONTINUE;
      if (!acceptAllows(ctx, c.considerAccept, isJsonType)) return CONTINUE;
      let json: string;
      try {
        json = xmlToJson(bodyText(message.body), { direct: c.direct, alwaysArray: c.alwaysArray });
      } catch (error) {
        throw new PolicyError(
          "xml-to-json",
          "InvalidXml",
          `Body is not valid XML: ${(error as Error).message}`,
          failStatus(c.target, ctx),
        );
      }
      message.body = setBodyText(json, message.headers);
      message.headers.set("content-type", ["application/json"]);
      return CONTINUE;
    };
  },
});
