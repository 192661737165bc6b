// `moat network` run in-process: every sub-command against files written to a temp dir.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fixtureTopology, ids, tagOverlay } from "../../network/test-support/fixtures.js";
import { runNetwork } from "./network.js";

const dir = mkdtempSync(join(tmpdir(), "moat-network-"));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};
const net = file("net.json", fixtureTopology({ recommended: true }));
const tags = file("tags.json", tagOverlay);
after(() => rmSync(dir, { recursive: true, force: true }));

/** `moat network create` for one service name, subnet and VNet type, plus further flags. */
const create = (name: string, subnet: string, vpnType: string, ...more: string[]) =>
  runNetwork(["create", "--name", name, "--subnet", subnet, "--vpn-type", vpnType, ...more]);

describe("moat network", () => {
  test("flow: allowed and denied, with the deciding rule", async () => {
    let r = await runNetwork([
      "flow",
      "--network",
      net,
      "--service-tags",
      tags,
      "--from",
      "203.0.113.10:50000",
      "--to",
      "10.0.1.4:443",
    ]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Allow by securityRules\/apim-client/);
    r = await runNetwork([
      "flow",
      "--network",
      net,
      "--service-tags",
      tags,
      "--from",
      "10.0.1.4",
      "--to",
      "203.0.113.99:443",
      "--json",
    ]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.output).ruleName, "securityRules/deny-internet-out");
  });
  test("next-hop and effective-rules", async () => {
    let r = await runNetwork(["next-hop", "--network", net, "--subnet", "snet-apim", "--to", "192.168.1.1"]);
    assert.match(r.output, /^None via 192\.168\.0\.0\/16/m);
    r = await runNetwork(["routes", "--network", net, "--subnet", "snet-apim", "--json"]);
    assert.ok(
      JSON.parse(r.output).value.some(
        (x: { addressPrefix: string; nextHopType: string }) =>
          x.addressPrefix === "10.0.0.0/16" && x.nextHopType === "VnetLocal",
      ),
    );
    r = await runNetwork([
      "effective-rules",
      "--network",
      net,
      "--service-tags",
      tags,
      "--subnet",
      ids.snetApim,
      "--json",
    ]);
    const rules = JSON.parse(r.output).value[0].effectiveSecurityRules as { name: string }[];
    assert.ok(rules.some((x) => x.name === "defaultSecurityRules/DenyAllInBound"));
  });
  test("size", async () => {
    const r = await runNetwork(["size", "--prefix", "10.0.0.0/27", "--sku", "Premium", "--mode", "Internal"]);
    assert.equal(r.code, 0);
    assert.match(r.output, /27 usable .* -> 13 unit\(s\)/);
    assert.equal((await runNetwork(["size", "--prefix", "10.0.0.1/27"])).code, 2);
  });
  test("check: exit 1 on errors, findings with paths", async () => {
    const template = file("t.json", {
      resources: [
        {
          type: "Microsoft.Network/virtualNetworks",
          name: "v",
          location: "westus",
          properties: {
            addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
            subnets: [{ name: "apim", properties: { addressPrefix: "10.0.0.0/30" } }],
          },
        },
        {
          type: "Microsoft.ApiManagement/service",
          name: "svc",
          location: "westus",
          sku: { name: "Premium", capacity: 1 },
          properties: {
            virtualNetworkType: "External",
            virtualNetworkConfiguration: {
              subnetResourceId: "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 'apim')]",
            },
          },
        },
      ],
    });
    const r = await runNetwork(["check", template, "--service-tags", tags]);
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /error SubnetPrefixTooSmall at resources\[0\]\.properties\.subnets\[0\]\.properties\.addressPrefix/,
    );
    assert.match(r.output, /fix: /);
    assert.equal((await runNetwork(["check", join(dir, "missing.json")])).code, 2);
  });
  test("create and update-region emit the PUT body, validated against the network", async () => {
    let r = await create(
      "contoso",
      ids.snetApim,
      "Internal",
      "--sku",
      "Premium",
      "--network",
      net,
      "--service-tags",
      tags,
    );
    assert.equal(r.code, 0, r.output);
    const body = JSON.parse(r.output.slice(r.output.indexOf("{\n")));
    assert.equal(body.properties.virtualNetworkType, "Internal");
    assert.equal(body.properties.virtualNetworkConfiguration.subnetResourceId, ids.snetApim);
    const svc = file("svc.json", {
      ...body,
      properties: {
        ...body.properties,
        additionalLocations: [{ location: "East US", sku: { name: "Premium", capacity: 1 } }],
      },
    });
    r = await runNetwork(["update-region", "--service", svc, "--location", "East US", "--subnet", ids.snetApimEast]);
    assert.equal(
      JSON.parse(r.output).properties.additionalLocations[0].virtualNetworkConfiguration.subnetResourceId,
      ids.snetApimEast,
    );
    r = await create("x", ids.snet29, "External", "--sku", "Premium", "--capacity", "2", "--network", net);
    assert.equal(r.code, 1);
    assert.match(r.output, /SubnetTooSmall/);
    assert.equal((await create("x", "nope", "External")).code, 2);
  });
});

describe("moat network create --management-url", () => {
  let server: Server;
  let url = "";
  const seen: { method?: string; url?: string; auth?: string; body?: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
        res.writeHead(201, { "content-type": "application/json" }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  test("sends the PUT with the admin key", async () => {
    const r = await create("contoso", ids.snetApim, "External", "--management-url", url, "--admin-key", "k1");
    assert.equal(r.code, 0, r.output);
    assert.equal(seen[0]?.method, "PUT");
    assert.equal(seen[0]?.auth, "Bearer k1");
    assert.match(
      seen[0]?.url ?? "",
      /^\/subscriptions\/sub-1\/resourceGroups\/rg\/providers\/Microsoft\.ApiManagement\/service\/contoso\?api-version=/,
    );
  });
});
