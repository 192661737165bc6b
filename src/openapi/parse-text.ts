// Turns the text of an OpenAPI document (JSON or YAML) into a value, with positions on failure.

import { LineCounter, parseDocument } from "yaml";
import { type Diagnostic, errorDiagnostic } from "../core/errors.js";

export interface ParsedText {
  value: unknown;
  diagnostics: Diagnostic[];
}

/** JSON goes through JSON.parse (fast on megabyte documents); anything else through the YAML parser. */
export function parseOpenApiText(text: string): ParsedText {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.length === 0) {
    return { value: undefined, diagnostics: [errorDiagnostic("OPENAPI_ERR_EMPTY", "the document is empty")] };
  }
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { value: JSON.parse(trimmed), diagnostics: [] };
    } catch (error) {
      return { value: undefined, diagnostics: [jsonDiagnostic(trimmed, error)] };
    }
  }
  // YAML 1.2 core schema: "2.0" stays a string when quoted, as the OpenAPI specs expect.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ""), { prettyErrors: false, uniqueKeys: false, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    return {
      value: undefined,
      diagnostics: [
        errorDiagnostic("OPENAPI_ERR_SYNTAX", `invalid YAML: ${first.message.split("\n")[0]}`, {
          line: pos.line,
          column: pos.col,
        }),
      ],
    };
  }
  try {
    // toJS's default alias limit (100) stops "billion laughs" expansions.
    return { value: doc.toJS(), diagnostics: [] };
  } catch (error) {
    return {
      value: undefined,
      diagnostics: [errorDiagnostic("OPENAPI_ERR_SYNTAX", `invalid YAML: ${(error as Error).message}`)],
    };
  }
}

function jsonDiagnostic(text: string, error: unknown): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) {
    return errorDiagnostic("OPENAPI_ERR_SYNTAX", `invalid JSON: ${message}`, {
      line: Number(lineColumn[1]),
      column: Number(lineColumn[2]),
    });
  }
  const match = /position (\d+)/.exec(message);
  if (!match) return errorDiagnostic("OPENAPI_ERR_SYNTAX", `invalid JSON: ${message}`);
  const offset = Number(match[1]);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return errorDiagnostic("OPENAPI_ERR_SYNTAX", `invalid JSON: ${message}`, { line, column });
}
