// The administrator key and the secret that signs developer SAS tokens. Both live in the data
// directory (mode 0600); the admin key is generated and shown once unless configured explicitly.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Secrets {
  adminKey: string;
  signingKey: string;
  /** Set when the admin key was generated now: the caller prints it once. */
  generatedAdminKey: boolean;
}

function readOrCreate(path: string): { value: string; created: boolean } {
  if (existsSync(path)) {
    const value = readFileSync(path, "utf8").trim();
    if (value.length >= 16) return { value, created: false };
  }
  const value = randomBytes(32).toString("base64url");
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

export function ensureSecrets(dataDir: string, configuredAdminKey: string | undefined): Secrets {
  const signing = readOrCreate(join(dataDir, "sas-signing.key"));
  if (configuredAdminKey) {
    // An explicit key is stored too, so tools reading the data directory find the key in use.
    writeFileSync(join(dataDir, "admin.key"), `${configuredAdminKey}\n`, { mode: 0o600 });
    return { adminKey: configuredAdminKey, signingKey: signing.value, generatedAdminKey: false };
  }
  const admin = readOrCreate(join(dataDir, "admin.key"));
  return { adminKey: admin.value, signingKey: signing.value, generatedAdminKey: admin.created };
}
