import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConfigStoreContract } from "../contract-suite.js";
import { createSqliteStore } from "./sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "moat-sqlite-contract-"));

runConfigStoreContract(
  "sqlite",
  () => createSqliteStore({ path: join(dir, "moat.db"), pollIntervalMs: 50 }),
  async () => rmSync(dir, { recursive: true, force: true }),
);
