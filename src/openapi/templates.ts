// URL templates: the placeholders of a path and the template parameters that must match them.
import { type Diagnostic, errorDiagnostic } from "../core/errors.js";
import type { ParameterContract } from "../model/resources.js";

const PLACEHOLDER = /\{([^{}]+)\}/g;

export function placeholders(urlTemplate: string): string[] {
  return [...urlTemplate.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "");
}

/**
 * APIM requires exactly one template parameter per placeholder: undeclared placeholders get a
 * required string parameter, declared parameters the path does not use are dropped; both are warned.
 */
export function alignTemplateParameters(
  urlTemplate: string,
  declared: ParameterContract[],
  path: string,
  warnings: Diagnostic[],
): ParameterContract[] {
  const names = placeholders(urlTemplate);
  const out: ParameterContract[] = [];
  for (const name of names) {
    const found = declared.find((p) => p.name === name);
    if (found) {
      out.push({ ...found, required: true });
      continue;
    }
    warnings.push(warning("OPENAPI_WARN_UNDECLARED_PATH_PARAMETER", `path parameter "${name}" is not declared`, path));
    out.push({ name, type: "string", required: true, values: [] });
  }
  for (const param of declared) {
    if (!names.includes(param.name)) {
      warnings.push(
        warning(
          "OPENAPI_WARN_UNUSED_PATH_PARAMETER",
          `path parameter "${param.name}" does not appear in the path`,
          path,
        ),
      );
    }
  }
  return out;
}

export function warning(code: string, message: string, path?: string): Diagnostic {
  return { ...errorDiagnostic(code, message, path === undefined ? undefined : { path }), severity: "warning" };
}
