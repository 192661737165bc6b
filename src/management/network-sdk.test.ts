// The official @azure/arm-network client drives Moat's declared network at Azure's Microsoft.Network
// paths, with its long-running pollers following Moat's Azure-AsyncOperation/Location headers; the
// data is the same that the service-scoped routes show and the network validation reads. The
// @azure/arm-apimanagement client then moves the service into the subnet and runs
// applynetworkconfigurationupdates as a long-running operation, including one that fails.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiManagementClient } from "@azure/arm-apimanagement";
import { NetworkManagementClient } from "@azure/arm-network";
import { adminCredential, azureClientOptions } from "./test-support/azure-sdk.js";
import { adminKey, type Harness, startHarness } from "./test-support/harness.js";

const sub = "00000000-0000-0000-0000-000000000000";
const rg = "rg1";
const svc = "moat";
const net = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network`;
const nsgId = `${net}/networkSecurityGroups/nsg-apim`;
const rtId = `${net}/routeTables/rt-backend`;
const apimSubnet = `${net}/virtualNetworks/vnet/subnets/apim`;
// Moat's operations finish in milliseconds; poll fast instead of the Retry-After second.
const fast = { updateIntervalInMs: 10 };

let h: Harness;
let network: NetworkManagementClient;
let apim: ApiManagementClient;
/** Every request the SDKs sent, as "METHOD status path", to show the long-running protocol was used. */
const seen: string[] = [];

before(async () => {
  h = await startHarness();
  const options = azureClientOptions(h, (request, status) => {
    seen.push(`${request.method} ${status} ${new URL(request.url).pathname}`);
  });
  network = new NetworkManagementClient(adminCredential, sub, options);
  apim = new ApiManagementClient(adminCredential, sub, options);
});
after(() => h.close());

const allow = (name: string, priority: number, direction: "Inbound" | "Outbound") => ({
  name,
  protocol: "*",
  sourceAddressPrefix: "*",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "*",
  access: "Allow",
  priority,
  direction,
});

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("an NSG with rules, a route table and a VNet with subnets: created, read and listed by the SDK", async () => {
  const nsg = await network.networkSecurityGroups.beginCreateOrUpdateAndWait(
    rg,
    "nsg-apim",
    { location: "local", securityRules: [allow("allow-in", 100, "Inbound")] },
    fast,
  );
  assert.equal(nsg.provisioningState, "Succeeded");
  assert.equal(nsg.id, nsgId);
  assert.equal(nsg.defaultSecurityRules?.length, 6);
  const rule = await network.securityRules.beginCreateOrUpdateAndWait(
    rg,
    "nsg-apim",
    "allow-out",
    allow("allow-out", 100, "Outbound"),
    fast,
  );
  assert.equal(rule.id, `${nsgId}/securityRules/allow-out`);
  assert.deepEqual(
    (await all(network.securityRules.list(rg, "nsg-apim"))).map((r) => r.name),
    ["allow-in", "allow-out"],
  );

  const rt = await network.routeTables.beginCreateOrUpdateAndWait(
    rg,
    "rt-backend",
    { location: "local", routes: [{ name: "to-onprem", addressPrefix: "192.168.0.0/16", nextHopType: "VnetLocal" }] },
    fast,
  );
  assert.equal(rt.routes?.[0]?.id, `${rtId}/routes/to-onprem`);
  await network.routes.beginCreateOrUpdateAndWait(
    rg,
    "rt-backend",
    "blackhole",
    { addressPrefix: "198.51.100.0/24", nextHopType: "None" },
    fast,
  );

  const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(
    rg,
    "vnet",
    {
      location: "local",
      addressSpace: { addressPrefixes: ["10.77.0.0/16"] },
      dhcpOptions: { dnsServers: ["10.77.2.53"] },
      subnets: [
        { name: "apim", addressPrefix: "10.77.1.0/24", networkSecurityGroup: { id: nsgId } },
        { name: "backend", addressPrefix: "10.77.2.0/24", routeTable: { id: rtId } },
      ],
    },
    fast,
  );
  assert.equal(vnet.provisioningState, "Succeeded");
  assert.deepEqual(
    vnet.subnets?.map((s) => s.id),
    [apimSubnet, `${net}/virtualNetworks/vnet/subnets/backend`],
  );
  const clients = await network.subnets.beginCreateOrUpdateAndWait(
    rg,
    "vnet",
    "clients",
    { addressPrefix: "10.77.3.0/24" },
    fast,
  );
  assert.equal(clients.provisioningState, "Succeeded");
  assert.equal(clients.addressPrefix, "10.77.3.0/24");

  assert.deepEqual(
    (await all(network.subnets.list(rg, "vnet"))).map((s) => s.name),
    ["apim", "backend", "clients"],
  );
  assert.deepEqual(
    (await all(network.virtualNetworks.list(rg))).map((v) => v.name),
    ["vnet"],
  );
  assert.deepEqual(
    (await all(network.networkSecurityGroups.list(rg))).map((n) => n.name),
    ["nsg-apim"],
  );
  assert.deepEqual(
    (await all(network.routeTables.list(rg))).map((t) => t.name),
    ["rt-backend"],
  );
  // Back-references Azure computes: which subnets use the NSG and the route table.
  assert.deepEqual(
    (await network.networkSecurityGroups.get(rg, "nsg-apim")).subnets?.map((s) => s.id),
    [apimSubnet],
  );
  assert.equal((await network.routeTables.get(rg, "rt-backend")).routes?.length, 2);
  assert.equal((await network.subnets.get(rg, "vnet", "apim")).networkSecurityGroup?.id, nsgId);

  // The write went through Azure's protocol: 201 + Azure-AsyncOperation, a status poll, a final GET.
  assert.ok(seen.includes(`PUT 201 ${net}/virtualNetworks/vnet`));
  assert.ok(
    seen.some((s) =>
      /^GET 200 \/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/locations\/local\/operations\//.test(s),
    ),
  );
});

test("the same resources are what the service-scoped routes show", async () => {
  const r = await h.call("GET", "/virtualNetworks/vnet");
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.properties.subnets.map((s: { name: string }) => s.name),
    ["apim", "backend", "clients"],
  );
  const nsg = await h.call("GET", "/networkSecurityGroups/nsg-apim");
  assert.equal(nsg.body.properties.securityRules.length, 2);
});

test("bad input is refused at once with Azure's error, and nothing is stored", async () => {
  await assert.rejects(
    network.virtualNetworks.beginCreateOrUpdateAndWait(
      rg,
      "bad",
      {
        location: "local",
        addressSpace: { addressPrefixes: ["10.99.0.0/16"] },
        subnets: [{ name: "outside", addressPrefix: "10.1.0.0/24" }],
      },
      fast,
    ),
    (err: { statusCode?: number; code?: string; message: string }) =>
      err.statusCode === 400 && err.code === "ValidationError" && /subnets\[0\]/.test(err.message),
  );
  await assert.rejects(
    network.virtualNetworks.get(rg, "bad"),
    (err: { statusCode?: number }) => err.statusCode === 404,
  );
  await assert.rejects(
    network.subnets.beginCreateOrUpdateAndWait(rg, "vnet", "huge", { addressPrefix: "10.78.0.0/24" }, fast),
    (err: { statusCode?: number }) => err.statusCode === 400,
  );
});

test("the network validation reads what the SDK declared: the service moves into the subnet", async () => {
  const moved = await apim.apiManagementService.beginUpdateAndWait(
    rg,
    svc,
    { virtualNetworkType: "External", virtualNetworkConfiguration: { subnetResourceId: apimSubnet } },
    fast,
  );
  assert.equal(moved.virtualNetworkType, "External");
  // A subnet without an NSG fails the pre-deployment validation.
  await assert.rejects(
    apim.apiManagementService.beginUpdateAndWait(
      rg,
      svc,
      {
        virtualNetworkType: "External",
        virtualNetworkConfiguration: { subnetResourceId: `${net}/virtualNetworks/vnet/subnets/clients` },
      },
      fast,
    ),
    (err: { statusCode?: number; code?: string }) =>
      err.statusCode === 400 && err.code === "InvalidNetworkConfiguration",
  );
  // The subnet the service sits in cannot be deleted, nor the NSG a subnet uses.
  await assert.rejects(
    network.subnets.beginDeleteAndWait(rg, "vnet", "apim", fast),
    (err: { statusCode?: number; code?: string }) =>
      err.statusCode === 409 && err.code === "InUseSubnetCannotBeDeleted",
  );
  await assert.rejects(
    network.networkSecurityGroups.beginDeleteAndWait(rg, "nsg-apim", fast),
    (err: { statusCode?: number; code?: string }) =>
      err.statusCode === 409 && err.code === "InUseNetworkSecurityGroupCannotBeDeleted",
  );
});

test("applynetworkconfigurationupdates: the SDK's poller follows the operation to the service", async () => {
  await network.virtualNetworks.beginCreateOrUpdateAndWait(
    rg,
    "vnet",
    {
      ...(await network.virtualNetworks.get(rg, "vnet")),
      dhcpOptions: { dnsServers: ["10.77.2.54"] },
    },
    fast,
  );
  const before = seen.length;
  const service = await apim.apiManagementService.beginApplyNetworkConfigurationUpdatesAndWait(rg, svc, {
    ...fast,
    parameters: { location: "local" },
  });
  assert.equal(service.name, svc);
  assert.ok(seen.slice(before).some((s) => /^POST 202 .*\/applynetworkconfigurationupdates$/.test(s)));
  assert.ok(seen.slice(before).some((s) => /^GET 200 .*\/operationresults\//.test(s)));
  const status = await h.call("GET", "/locations/local/networkstatus");
  assert.deepEqual(status.body.dnsServers, ["10.77.2.54"]);
});

test("a failed apply is reported through the operation with Azure's error", async () => {
  // Take the NSG off the service's subnet (Microsoft.Network allows it), then apply: the service's
  // network is no longer valid, which the background work finds and the poller reports.
  const apimSubnetNow = await network.subnets.get(rg, "vnet", "apim");
  await network.subnets.beginCreateOrUpdateAndWait(
    rg,
    "vnet",
    "apim",
    { ...apimSubnetNow, networkSecurityGroup: undefined },
    fast,
  );
  const before = seen.length;
  await assert.rejects(
    apim.apiManagementService.beginApplyNetworkConfigurationUpdatesAndWait(rg, svc, fast),
    // core-lro raises "The long-running operation has failed. <code>. <message>" from the status body.
    (err: Error) => /has failed\. InvalidNetworkConfiguration\..*NsgRequired/.test(err.message),
  );
  const poll = seen.slice(before).find((s) => /operationstatuses\//.test(s)) as string;
  const statusPath = poll.split(" ")[2] as string;
  const status = await h.raw("GET", `${statusPath}?api-version=2024-05-01`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  assert.equal(status.status, 200);
  assert.equal(status.body.status, "Failed");
  assert.equal(status.body.error.code, "InvalidNetworkConfiguration");
  assert.ok(status.body.error.details.some((d: { code: string }) => d.code === "NsgRequired"));
  const result = await h.raw(
    "GET",
    `${statusPath.replace("operationstatuses", "operationresults")}?api-version=2024-05-01`,
    {
      headers: { authorization: `Bearer ${adminKey}` },
    },
  );
  assert.equal(result.status, 400, "the Location URL answers with the failure");
  assert.equal(result.body.error.code, "InvalidNetworkConfiguration");
});

test("delete: the service leaves the network, then the SDK deletes the VNet, NSG and route table", async () => {
  await apim.apiManagementService.beginUpdateAndWait(rg, svc, { virtualNetworkType: "None" }, fast);
  await network.subnets.beginDeleteAndWait(rg, "vnet", "clients", fast);
  assert.deepEqual(
    (await all(network.subnets.list(rg, "vnet"))).map((s) => s.name),
    ["apim", "backend"],
  );
  const before = seen.length;
  await network.virtualNetworks.beginDeleteAndWait(rg, "vnet", fast);
  assert.ok(seen.slice(before).includes(`DELETE 202 ${net}/virtualNetworks/vnet`));
  await network.routes.beginDeleteAndWait(rg, "rt-backend", "blackhole", fast);
  await network.securityRules.beginDeleteAndWait(rg, "nsg-apim", "allow-out", fast);
  await network.networkSecurityGroups.beginDeleteAndWait(rg, "nsg-apim", fast);
  await network.routeTables.beginDeleteAndWait(rg, "rt-backend", fast);
  for (const get of [
    () => network.virtualNetworks.get(rg, "vnet"),
    () => network.networkSecurityGroups.get(rg, "nsg-apim"),
    () => network.routeTables.get(rg, "rt-backend"),
  ])
    await assert.rejects(get(), (err: { statusCode?: number }) => err.statusCode === 404);
  assert.equal((await h.call("GET", "/virtualNetworks")).body.value.length, 0);
  // Deleting what is gone is a 204, as on Azure.
  await network.virtualNetworks.beginDeleteAndWait(rg, "vnet", fast);
});
