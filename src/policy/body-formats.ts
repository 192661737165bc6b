// Content types and conversions between JSON and XML bodies (fast-xml-parser does the XML work).
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import type { HeaderMap } from "./types.js";

export function contentTypeOf(headers: HeaderMap): string {
  return (headers.get("content-type")?.[0] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export function isJsonType(type: string): boolean {
  return type === "application/json" || type === "text/json" || type.endsWith("+json");
}

export function isXmlType(type: string): boolean {
  return type === "application/xml" || type === "text/xml" || type.endsWith("+xml");
}

const objectParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  parseTagValue: false,
});

/** XML text → plain object ({ root: { child: …, "@attr": … } }). Throws on malformed XML. */
export function xmlToObject(text: string): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  return objectParser.parse(text) as Record<string, unknown>;
}

/** Liquid's `body`: parsed JSON or XML, or the raw text for other content. */
export function bodyForTemplate(type: string, text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    if (isJsonType(type)) return JSON.parse(text);
    if (isXmlType(type)) return xmlToObject(text);
  } catch {
    return text;
  }
  return text;
}

/** APIM's "javascript-friendly" xml-to-json: attributes as "@name", text as "#text"; `direct` keeps all as strings. */
export function xmlToJson(text: string, options: { alwaysArray: boolean; direct: boolean }): string {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    textNodeName: "#text",
    ignoreDeclaration: true,
    parseTagValue: !options.direct,
    parseAttributeValue: !options.direct,
    isArray: (_name, _path, _leaf, isAttribute) => options.alwaysArray && !isAttribute,
  });
  return JSON.stringify(parser.parse(text));
}

export function jsonToXml(text: string, options: { rootName?: string; attributePrefix: string }): string {
  const value: unknown = JSON.parse(text);
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: options.attributePrefix,
    textNodeName: "#text",
    suppressEmptyNode: true,
  });
  // A JSON document with several top-level members or an array needs one element around it.
  const wrapped =
    value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1
      ? value
      : { [options.rootName ?? "Document"]: value };
  return builder.build(wrapped) as string;
}
