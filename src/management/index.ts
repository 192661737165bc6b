export { supportedApiVersions } from "./api-version.js";
export type { ManagementOptions, PolicyValidator, Principal, ServiceUrls } from "./context.js";
export { formatSasExpiry, parseSas, signSas, verifySas } from "./sas.js";
export { seedService } from "./seed.js";
export { createManagementServer, type ManagementLogger, type ManagementServer } from "./server.js";
