// Operation entity names, as APIM derives them on import: the operationId when it has one (with
// characters a resource name may not hold replaced), else "{method}-{path}" in kebab case; names
// are unique case-insensitively within the API (APIM compares resource names that way).

/** Longest operation name APIM accepts. */
export const MAX_OPERATION_NAME = 80;

const FORBIDDEN = /[^A-Za-z0-9._~-]+/g;

export function sanitizeOperationId(operationId: string): string {
  return operationId
    .replace(FORBIDDEN, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
}

export function deriveOperationName(method: string, path: string): string {
  const slug = path
    .toLowerCase()
    .replace(/[{}]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug.length > 0 ? `${method.toLowerCase()}-${slug}` : method.toLowerCase();
}

/** Hands out unique names: "get-pets", then "get-pets-2", "get-pets-3", … */
export function createNameAllocator(): (wanted: string) => string {
  const taken = new Set<string>();
  return (wanted) => {
    const base = wanted.slice(0, MAX_OPERATION_NAME) || "operation";
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) {
      const suffix = `-${n}`;
      name = `${base.slice(0, MAX_OPERATION_NAME - suffix.length)}${suffix}`;
    }
    taken.add(name.toLowerCase());
    return name;
  };
}
