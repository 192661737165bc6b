// Keeps docs/architecture.md true: each part imports only the parts it is allowed to.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const srcDir = dirname(fileURLToPath(import.meta.url));

const allowed: Record<string, readonly string[]> = {
  core: [],
  model: ["core"],
  network: ["core", "model"],
  policy: ["core", "model"],
  openapi: ["core", "model"],
  store: ["core", "model"],
  limits: ["core", "model", "policy"],
  netstatus: ["core", "model", "network"],
  gateway: ["core", "model", "policy", "store", "limits", "network", "netstatus"],
  management: ["core", "model", "network", "policy", "store", "openapi", "netstatus", "limits"],
  portal: ["core", "model"],
  scale: ["core", "model", "policy", "store", "limits", "gateway", "netstatus", "vnet"],
  vnet: ["core", "model", "network", "netstatus", "gateway", "store"],
};

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files(full, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g;

test("every part imports only the parts below it", () => {
  const violations: string[] = [];
  for (const file of files(srcDir)) {
    const part = relative(srcDir, file).split("/")[0] ?? "";
    if (part === "cli" || part === "test-support" || part.endsWith(".ts")) continue;
    const permitted = allowed[part];
    if (!permitted) {
      violations.push(`${relative(srcDir, file)}: folder "${part}" is not listed in docs/architecture.md`);
      continue;
    }
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(importPattern)) {
      const spec = match[1] ?? "";
      if (!spec.startsWith(".")) continue;
      const target = relative(srcDir, resolve(dirname(file), spec)).split("/")[0] ?? "";
      if (target === part) continue;
      if (target === "cli") violations.push(`${relative(srcDir, file)} imports cli (nothing imports cli)`);
      else if (!permitted.includes(target)) violations.push(`${relative(srcDir, file)} imports ${target}`);
    }
  }
  assert.deepEqual(violations, []);
});
