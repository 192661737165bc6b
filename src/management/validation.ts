// Turns schema problems into Azure error details that name the field ("properties.sku.capacity").
import type { z } from "zod";
import { ApiError, type ErrorDetail, validationError } from "./errors.js";

/** Azure's rule for resource names: no * # & + : < > ? and a bounded length. */
const forbiddenName = /[*#&+:<>?]/;

export function checkName(name: string, target: string, maxLength = 256, allowed?: readonly string[]): void {
  if (allowed && !allowed.includes(name))
    throw validationError([{ code: "InvalidIdentifier", message: `must be one of: ${allowed.join(", ")}`, target }]);
  if (name.length === 0 || name.length > maxLength)
    throw validationError([
      { code: "InvalidIdentifier", message: `must be 1 to ${maxLength} characters long (got ${name.length})`, target },
    ]);
  if (forbiddenName.test(name) || name.trim() !== name)
    throw validationError([
      {
        code: "InvalidIdentifier",
        message: `'${name}' does not match ^[^*#&+:<>?]+$ (no * # & + : < > ? and no surrounding spaces)`,
        target,
      },
    ]);
}

export function zodDetails(error: z.ZodError, prefix: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        details.push({
          code: "UnknownProperty",
          message: `unknown property '${key}'`,
          target: base ? `${base}.${key}` : key,
        });
    } else {
      details.push({ code: "InvalidProperty", message: issue.message, target: base || prefix });
    }
  }
  return details;
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(zodDetails(result.error, prefix));
  return result.data;
}

export function requireObject(value: unknown, target: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw validationError([{ code: "InvalidRequestContent", message: "must be a JSON object", target }]);
  return value as Record<string, unknown>;
}

/** Checks an envelope's top-level keys; returns its properties object. */
export function envelopeProperties(
  body: unknown,
  extraTopLevel: readonly string[] = [],
  required = true,
): Record<string, unknown> {
  if (body === undefined && !required) return {};
  const obj = requireObject(body, "body");
  const allowed = new Set(["properties", "id", "name", "type", ...extraTopLevel]);
  const unknown = Object.keys(obj).filter((k) => !allowed.has(k));
  if (unknown.length > 0)
    throw validationError(
      unknown.map((k) => ({ code: "UnknownProperty", message: `unknown property '${k}'`, target: k })),
    );
  if (obj.properties === undefined) {
    if (required) throw validationError([{ code: "MissingProperty", message: "is required", target: "properties" }]);
    return {};
  }
  return requireObject(obj.properties, "properties");
}

export function parseIntParam(
  value: string | null,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
  min = 0,
): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > max || Number(value) < min)
    throw new ApiError(400, "ValidationError", `${name} must be an integer from ${min} to ${max}.`, {
      details: [{ code: "InvalidParameter", message: `'${value}' is not an integer from ${min}`, target: name }],
    });
  return Number(value);
}
