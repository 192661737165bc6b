// Every document under the shared corpus either imports with operations or is rejected with a
// diagnostic, never a throw; the counts are printed for the closing note.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { after, test } from "node:test";
import { sharedPath } from "../test-support/shared-dir.js";
import { importOpenApi } from "./import.js";

const corpus = process.env.MOAT_TEST_OPENAPI_CORPUS ?? sharedPath("corpus/openapi");

function documents(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) documents(full, out);
    else if (/\.(json|ya?ml)$/i.test(name)) out.push(full);
  }
  return out;
}

const files = existsSync(corpus) ? documents(corpus) : [];
const tally = { imported: 0, rejected: 0, operations: 0 };

after(() => {
  console.log(
    `openapi corpus: ${files.length} documents, ${tally.imported} imported (${tally.operations} operations), ${tally.rejected} rejected with diagnostics`,
  );
});

test("the corpus is present", { skip: files.length === 0 ? `no corpus at ${corpus}` : false }, () => {
  assert.ok(files.length > 40);
});

for (const file of files) {
  const name = relative(corpus, file);
  test(`corpus ${name}`, async () => {
    const result = await importOpenApi(readFileSync(file, "utf8"), { apiId: "corpus", path: "corpus" });
    if (result.diagnostics.length > 0) {
      tally.rejected++;
      assert.deepEqual(result.operations, []);
      for (const d of result.diagnostics) assert.ok(d.code && d.message, `diagnostic without code/message in ${name}`);
      return;
    }
    tally.imported++;
    tally.operations += result.operations.length;
    assert.ok(result.api.displayName.length > 0);
    // A 3.1 document may carry only webhooks, which are not callable operations.
    if (!name.includes("webhook")) assert.ok(result.operations.length > 0, `${name} imported without operations`);
    const ids = new Set(result.operations.map((o) => o.id.toLowerCase()));
    assert.equal(ids.size, result.operations.length, "operation names are unique");
  });
}

test("known negative and positive samples", { skip: files.length === 0 }, async () => {
  const invalid = await importOpenApi(
    readFileSync(join(corpus, "terraform-azurerm/api_management_api_openapi_invalid.yaml"), "utf8"),
    { apiId: "t" },
  );
  assert.equal(invalid.diagnostics[0]?.code, "OPENAPI_ERR_DEFAULT_NOT_IN_ENUM");
  const valid = await importOpenApi(
    readFileSync(join(corpus, "terraform-azurerm/api_management_api_openapi.yaml"), "utf8"),
    { apiId: "t" },
  );
  assert.deepEqual(valid.diagnostics, []);
  assert.equal(valid.api.serviceUrl, "https://terraform.com/test/v1/api1");
  assert.deepEqual(
    valid.operations.map((o) => o.id),
    ["default"],
  );
});
