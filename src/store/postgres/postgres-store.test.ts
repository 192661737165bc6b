import pg from "pg";
import { runConfigStoreContract } from "../contract-suite.js";
import { createPostgresStore } from "./postgres-store.js";

export const testDatabaseUrl = process.env.MOAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `moat_contract_${process.pid}_${Date.now().toString(36)}`;

runConfigStoreContract(
  "postgres",
  () => createPostgresStore({ connectionString: testDatabaseUrl, schema, reconnectMinMs: 50 }),
  async () => {
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  },
);
