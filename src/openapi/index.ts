export { type ExportResult, exportOpenApi } from "./export.js";
export { type FetchDocumentOptions, type FetchedDocument, fetchOpenApiDocument } from "./fetch-document.js";
export { importOpenApi } from "./import.js";
export * from "./types.js";
