// Where the project's shared specs and corpus live, for tests and benchmarks: MOAT_TEST_SHARED, else
// `shared/` beside the repository (as CI lays it out), else the developers' /work/shared.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../..");

function locate(): string {
  const candidates = [process.env.MOAT_TEST_SHARED, join(repoRoot, "../shared"), "/work/shared"];
  for (const dir of candidates) if (dir && existsSync(join(dir, "corpus"))) return dir;
  throw new Error(`shared/ not found (looked in ${candidates.filter(Boolean).join(", ")}); set MOAT_TEST_SHARED`);
}

export const sharedDir: string = locate();

/** A path inside shared/, e.g. sharedPath("corpus/policies"). */
export function sharedPath(...parts: string[]): string {
  return join(sharedDir, ...parts);
}
