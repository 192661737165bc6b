import pg from "pg";
import { runConfigStoreContract } from "../contract-suite.js";
import { createPostgresStore } from "./postgres-store.js";

export const testDatabaseUrl = process.env.MOAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `moat_contract_${process.pid}_${Date.now().toString(36)}`;
const schemas = new Set([schema]);
const databases = new Map<string, string>();

runConfigStoreContract(
  "postgres",
  (options) => {
    // Separate databases are separate schemas (lower case, as the store requires).
    const label = options?.database;
    if (label !== undefined && !databases.has(label)) databases.set(label, `${schema}_d${databases.size}`);
    const name = label === undefined ? schema : (databases.get(label) as string);
    schemas.add(name);
    return createPostgresStore({
      connectionString: testDatabaseUrl,
      schema: name,
      reconnectMinMs: 50,
      changeRetention: options?.changeRetention,
    });
  },
  async () => {
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await admin.end();
  },
);
