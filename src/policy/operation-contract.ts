// A stored operation (APIM OperationContract properties) → the engine's OperationContract. Stored data
// comes from clients and imports: anything of the wrong shape is dropped here, so validators and
// example generation never meet a non-array or a nameless parameter.
import type { DeclaredParameter, DeclaredRepresentation, OperationContract } from "./types.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function parameters(value: unknown): DeclaredParameter[] {
  if (!Array.isArray(value)) return [];
  const out: DeclaredParameter[] = [];
  for (const p of value) {
    if (!isObject(p) || typeof p.name !== "string" || p.name === "") continue;
    const d: DeclaredParameter = { name: p.name };
    const type = str(p.type);
    if (type) d.type = type;
    if (p.required === true) d.required = true;
    if (Array.isArray(p.values)) d.values = p.values.filter((v): v is string => typeof v === "string");
    const schemaId = str(p.schemaId);
    const typeName = str(p.typeName);
    if (schemaId) d.schemaId = schemaId;
    if (typeName) d.typeName = typeName;
    out.push(d);
  }
  return out;
}

function representations(value: unknown): DeclaredRepresentation[] {
  if (!Array.isArray(value)) return [];
  const out: DeclaredRepresentation[] = [];
  for (const r of value) {
    if (!isObject(r) || typeof r.contentType !== "string" || r.contentType === "") continue;
    const d: DeclaredRepresentation = { contentType: r.contentType };
    const schemaId = str(r.schemaId);
    const typeName = str(r.typeName);
    const sample = str(r.sample);
    if (schemaId) d.schemaId = schemaId;
    if (typeName) d.typeName = typeName;
    if (sample !== undefined) d.sample = sample;
    if (isObject(r.examples)) {
      const examples: Record<string, { value?: unknown }> = {};
      for (const [name, e] of Object.entries(r.examples)) if (isObject(e)) examples[name] = e;
      d.examples = examples;
    }
    out.push(d);
  }
  return out;
}

export function toOperationContract(properties: unknown): OperationContract {
  const p = isObject(properties) ? properties : {};
  const request = isObject(p.request) ? p.request : {};
  const responses = Array.isArray(p.responses) ? p.responses : [];
  return {
    templateParameters: parameters(p.templateParameters),
    request: {
      queryParameters: parameters(request.queryParameters),
      headers: parameters(request.headers),
      representations: representations(request.representations),
    },
    responses: responses
      .filter((r): r is Json => isObject(r) && Number.isInteger(r.statusCode))
      .map((r) => ({
        statusCode: r.statusCode as number,
        headers: parameters(r.headers),
        representations: representations(r.representations),
      })),
  };
}
