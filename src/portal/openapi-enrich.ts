// An exported OpenAPI document may name request/response media types without their schemas, while
// the same API's operation contracts (representations with typeName) and its `schemas` resource
// still hold them — the way APIM stores an imported definition. This puts them back, so the API page
// can show schemas and build examples. Pure: the caller fetches the three parts.

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface ContractEntity {
  readonly name: string;
  readonly properties: Json;
}

/** Named schemas from `GET /apis/{a}/schemas` entities (OpenAPI components or Swagger definitions). */
export function namedSchemas(entities: readonly ContractEntity[]): Json {
  const out: Json = {};
  for (const e of entities) {
    const doc = isObj(e.properties.document) ? e.properties.document : {};
    const components = isObj(doc.components) ? doc.components : {};
    for (const source of [components.schemas, doc.definitions]) if (isObj(source)) Object.assign(out, source);
  }
  return out;
}

interface Representation {
  contentType: string;
  typeName: string;
}

function representations(v: unknown): Representation[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter(isObj)
    .filter((r) => typeof r.contentType === "string" && typeof r.typeName === "string")
    .map((r) => ({ contentType: r.contentType as string, typeName: r.typeName as string }));
}

/** A copy of `doc` with missing component schemas and media-type schema references filled in. */
export function enrichDocument(doc: Json, contracts: readonly ContractEntity[], schemas: Json): Json {
  const out = structuredClone(doc);
  const swagger = typeof out.swagger === "string";
  const prefix = swagger ? "#/definitions/" : "#/components/schemas/";
  if (Object.keys(schemas).length > 0) {
    if (swagger) out.definitions = { ...schemas, ...(isObj(out.definitions) ? out.definitions : {}) };
    else {
      const components = isObj(out.components) ? out.components : {};
      out.components = {
        ...components,
        schemas: { ...schemas, ...(isObj(components.schemas) ? components.schemas : {}) },
      };
    }
  }
  const byId = new Map(contracts.map((c) => [c.name, c.properties]));
  const byRoute = new Map(
    contracts.map((c) => [
      `${String(c.properties.method).toUpperCase()} ${String(c.properties.urlTemplate)}`,
      c.properties,
    ]),
  );
  const fill = (content: unknown, reps: Representation[]) => {
    if (swagger || !isObj(content)) return;
    for (const rep of reps) {
      const media = content[rep.contentType];
      if (isObj(media) && media.schema === undefined && rep.typeName in schemas)
        media.schema = { $ref: `${prefix}${rep.typeName}` };
    }
  };
  for (const [path, item] of Object.entries(isObj(out.paths) ? out.paths : {})) {
    if (!isObj(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!isObj(op)) continue;
      const contract = byId.get(String(op.operationId)) ?? byRoute.get(`${method.toUpperCase()} ${path}`);
      if (!contract) continue;
      const request = isObj(contract.request) ? contract.request : {};
      if (isObj(op.requestBody)) fill(op.requestBody.content, representations(request.representations));
      const responses = isObj(op.responses) ? op.responses : {};
      for (const r of Array.isArray(contract.responses) ? contract.responses.filter(isObj) : []) {
        const target = responses[String(r.statusCode)];
        if (isObj(target)) fill(target.content, representations(r.representations));
      }
    }
  }
  return out;
}
