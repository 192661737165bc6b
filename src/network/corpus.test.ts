// Real templates from /work/shared/corpus/network-templates: every ARM JSON template loads without a
// throw, and the ones that put API Management in a network produce the findings checked by hand.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { sharedPath } from "../test-support/shared-dir.js";
import { loadServiceTags } from "./service-tags.js";
import { checkTemplate } from "./template-check.js";
import { fixtureCatalog, sampleTagsPath } from "./test-support/fixtures.js";

const root = sharedPath("corpus/network-templates");
const quickstart = `${root}/quickstart-templates-2021`;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files(full, out);
    else out.push(full);
  }
  return out;
}

// What `moat network check` uses by default: the shipped sample with placeholder prefixes.
const sampleWithPlaceholders = () =>
  loadServiceTags([JSON.parse(readFileSync(sampleTagsPath, "utf8"))], { placeholders: true }).catalog;

function check(dir: string, parameters: Record<string, unknown> = {}, catalog = fixtureCatalog()) {
  const template = JSON.parse(readFileSync(`${quickstart}/${dir}/azuredeploy.json`, "utf8"));
  const file = JSON.parse(readFileSync(`${quickstart}/${dir}/azuredeploy.parameters.json`, "utf8"));
  file.parameters = { ...file.parameters, ...parameters };
  return checkTemplate(template, { parameters: file, catalog });
}

const summary = (r: ReturnType<typeof check>) =>
  r.findings.map((f) => `${f.severity} ${f.code}${f.flow ? ` ${f.flow}` : ""}`).sort();

describe("corpus templates", { skip: !existsSync(root) }, () => {
  test("every ARM JSON template loads without throwing", () => {
    const templates = files(root).filter(
      (f) => f.endsWith(".json") && !f.endsWith("parameters.json") && !f.endsWith("metadata.json"),
    );
    let withResources = 0;
    for (const f of templates) {
      const doc = JSON.parse(readFileSync(f, "utf8"));
      if (!Array.isArray(doc.resources)) continue;
      withResources++;
      const r = checkTemplate(doc, { catalog: fixtureCatalog() });
      assert.ok(Array.isArray(r.findings), f);
    }
    assert.ok(withResources >= 20, `only ${withResources} templates`);
  });

  test("201 internal VNet: NSG misses EventHub 5672/443, AzureCloud 12000 and outbound 80", () => {
    assert.deepEqual(summary(check("201-api-management-create-with-internal-vnet")), [
      "info InternalDnsRecordsMissing",
      "warning OptionalFlowBlocked OUT-CERT",
      "warning OptionalFlowBlocked OUT-EH",
      "warning OptionalFlowBlocked OUT-HEALTH",
    ]);
  });

  test("201 internal VNet, Premium x2: its 4290 rules say TCP, but AllowVnet* defaults still carry UDP 4290", () => {
    const r = check("201-api-management-create-with-internal-vnet", {
      sku: { value: "Premium" },
      skuCount: { value: 2 },
    });
    assert.deepEqual(
      r.findings.filter((f) => f.flow?.startsWith("INOUT")),
      [],
    );
    assert.ok(r.findings.some((f) => /private VIP 10\.0\.0\.4/.test(f.message)));
  });

  test("201 external VNet: same NSG gaps, no errors", () => {
    const r = check("201-api-management-create-with-external-vnet");
    assert.deepEqual(
      r.findings.filter((f) => f.severity === "error"),
      [],
    );
    assert.ok(summary(r).includes("warning OptionalFlowBlocked OUT-EH"));
  });

  test("201 front door: runtime-only reference() reported with its path, service still checked", () => {
    const r = check("201-front-door-api-management", {
      workspaceName: { value: "ws" },
      appInsightsName: { value: "ai" },
      apimServiceName: { value: "apim1" },
    });
    assert.equal(r.services[0]?.virtualNetworkType, "External");
    const unresolved = r.findings.filter((f) => f.code === "UnresolvableExpression");
    assert.ok(unresolved.some((f) => f.path?.startsWith("resources[") && /hostnameConfigurations/.test(f.message)));
    assert.ok(r.topology.virtualNetworks[0]?.subnets[0]?.networkSecurityGroup);
  });

  test("201 internal VNet with the shipped sample data: same gaps, placeholders named once", () => {
    assert.deepEqual(summary(check("201-api-management-create-with-internal-vnet", {}, sampleWithPlaceholders())), [
      "info InternalDnsRecordsMissing",
      "warning OptionalFlowBlocked OUT-CERT",
      "warning OptionalFlowBlocked OUT-EH",
      "warning OptionalFlowBlocked OUT-HEALTH",
      "warning ServiceTagHasNoPrefixes",
    ]);
  });

  test("201 front door, traffic only from Front Door: the tag must be in the loaded data", () => {
    const params = {
      workspaceName: { value: "ws" },
      appInsightsName: { value: "ai" },
      apimServiceName: { value: "apim1" },
      allowTrafficOnlyFromFrontDoor: { value: true },
    };
    const without = check("201-front-door-api-management", params);
    const bad = without.findings.filter((f) => f.code === "SecurityRuleInvalidAddressPrefix");
    assert.equal(bad.length, 2);
    assert.match(bad[0]?.message ?? "", /AzureFrontDoor\.Backend \(not a service tag in the loaded data/);
    const overlay = loadServiceTags(
      [
        JSON.parse(readFileSync(sampleTagsPath, "utf8")),
        { values: [{ name: "AzureFrontDoor.Backend", properties: { addressPrefixes: ["147.243.0.0/16"] } }] },
      ],
      { placeholders: true },
    ).catalog;
    const withTag = check("201-front-door-api-management", params, overlay);
    assert.ok(!withTag.findings.some((f) => f.code === "SecurityRuleInvalidAddressPrefix"));
    // Clients now come only from Front Door: the generic internet probe is refused, as intended.
    assert.ok(withTag.findings.some((f) => f.code === "OptionalFlowBlocked" && f.flow === "IN-CLIENT"));
  });
});
