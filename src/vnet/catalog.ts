// The service-tag catalog a process validates and evaluates NSG rules with: the sample shipped in
// data/ plus the files the configuration names (ServiceTags_Public.json). Shared by `moat serve`
// and every gateway unit, so both read the same rules the same way.
import { readFileSync } from "node:fs";
import { loadServiceTags, type ServiceTagCatalog } from "../network/index.js";

const shippedTags = new URL("../../data/service-tags.json", import.meta.url);

export class CatalogFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`network.serviceTagsFiles: cannot read ${file}: ${reason}`);
    this.name = "CatalogFileError";
  }
}

export function loadServiceTagCatalog(files: readonly string[] = []): ServiceTagCatalog {
  const documents = [shippedTags.pathname, ...files].map((file) => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as unknown;
    } catch (err) {
      throw new CatalogFileError(file, (err as Error).message);
    }
  });
  // Placeholders: the shipped sample lacks Storage/Sql ranges; findings say when one was used.
  return loadServiceTags(documents, { placeholders: true }).catalog;
}
