// System.Xml: XDocument/XElement parsing, XmlDocument, and the XmlReader/XNode/StringReader reading loop.
import { CsStringReader, CsXmlReader, parseXDocument, XDocumentView } from "../xml.js";
import type { StaticTypes } from "./static-type.js";

export const XML_TYPES: StaticTypes = {
  XDocument: { methods: { Parse: ([v]) => parseXDocument(v) }, ctor: () => new XDocumentView() },
  XElement: { methods: { Parse: ([v]) => parseXDocument(v).Root } },
  XmlDocument: { ctor: () => new XDocumentView() },
  XmlReader: { methods: { Create: ([input]) => CsXmlReader.create(input) } },
  XNode: { methods: { ReadFrom: ([reader]) => (reader instanceof CsXmlReader ? reader.readElement() : null) } },
  StringReader: { ctor: ([text]) => new CsStringReader(String(text ?? "")) },
};
