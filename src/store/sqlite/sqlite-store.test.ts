import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConfigStoreContract } from "../contract-suite.js";
import { createSqliteStore } from "./sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "moat-sqlite-contract-"));

runConfigStoreContract(
  "sqlite",
  (options) =>
    createSqliteStore({
      path: join(dir, `${options?.database ?? "moat"}.db`),
      pollIntervalMs: 50,
      changeRetention: options?.changeRetention,
    }),
  async () => rmSync(dir, { recursive: true, force: true }),
);
