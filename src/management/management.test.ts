// The management API over real HTTPS sockets: CRUD, ETags, paging, filters, auth and bad input.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signSas } from "./sas.js";
import { adminKey, type Harness, startHarness } from "./test-support/harness.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const api = (name: string, extra: Record<string, unknown> = {}) => ({
  properties: { displayName: name, path: name, serviceUrl: "http://backend.local", ...extra },
});

describe("routing, api-version and auth", () => {
  test("both path forms reach the same resource; another service name is 404", async () => {
    assert.equal((await h.call("PUT", "/apis/a1", api("a1"))).status, 201);
    const long = await h.call(
      "GET",
      "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/moat/apis/a1",
    );
    assert.equal(long.status, 200);
    assert.equal(
      long.body.id,
      "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/moat/apis/a1",
    );
    assert.equal(long.body.type, "Microsoft.ApiManagement/service/apis");
    const other = await h.call(
      "GET",
      "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/other/apis/a1",
    );
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, "ResourceNotFound");
  });

  test("api-version missing or unknown is 400 with Azure's codes", async () => {
    const auth = { authorization: `Bearer ${adminKey}` };
    const missing = await h.raw("GET", "/apis", { headers: auth });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, "MissingApiVersionParameter");
    const unknown = await h.raw("GET", "/apis?api-version=1999-01-01", { headers: auth });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, "InvalidApiVersionParameter");
    assert.equal((await h.raw("GET", "/apis?api-version=2022-08-01", { headers: auth })).status, 200);
  });

  test("no or wrong credentials are 401 in the error envelope", async () => {
    for (const authorization of [
      undefined,
      "Bearer nope",
      "Basic Zm9vOmJhcg==",
      "SharedAccessSignature uid=1&ex=x&sn=y",
    ]) {
      const res = await h.raw(
        "GET",
        "/apis?api-version=2024-05-01",
        authorization ? { headers: { authorization } } : {},
      );
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.body.error.code, "Unauthorized");
    }
  });

  test("an SAS token for uid=integration signed with the admin key acts as the administrator", async () => {
    const token = signSas(adminKey, "integration", h.clock.now() + 60_000);
    const res = await h.raw("GET", "/namedValues?api-version=2024-05-01", {
      headers: { authorization: `SharedAccessSignature ${token}` },
    });
    assert.equal(res.status, 200);
  });

  test("unknown paths are 404 and unsupported methods 405", async () => {
    assert.equal((await h.call("GET", "/nothing-here")).status, 404);
    assert.equal((await h.call("POST", "/apis/a1")).status, 405);
  });
});

describe("entities", () => {
  test("PUT creates (201) then replaces (200); ETag on GET/PUT/PATCH; If-Match honoured", async () => {
    const created = await h.call("PUT", "/products/p1", { properties: { displayName: "P1" } });
    assert.equal(created.status, 201);
    const etag = created.headers.get("etag") as string;
    assert.ok(etag);
    const replaced = await h.call("PUT", "/products/p1", { properties: { displayName: "P1b" } });
    assert.equal(replaced.status, 200);
    const got = await h.call("GET", "/products/p1");
    assert.equal(got.body.properties.displayName, "P1b");
    assert.equal(got.body.properties.state, "notPublished");
    const current = got.headers.get("etag") as string;
    assert.notEqual(current, etag);

    const stale = await h.call("PATCH", "/products/p1", { properties: { displayName: "x" } }, { "if-match": etag });
    assert.equal(stale.status, 412);
    const noIfMatch = await h.call("PATCH", "/products/p1", { properties: { displayName: "x" } });
    assert.equal(noIfMatch.status, 400);
    assert.equal(noIfMatch.body.error.details[0].target, "If-Match");
    const patched = await h.call(
      "PATCH",
      "/products/p1",
      { properties: { state: "published" } },
      { "if-match": current },
    );
    assert.equal(patched.status, 200);
    assert.equal(patched.body.properties.displayName, "P1b");
    assert.equal(patched.body.properties.state, "published");
    assert.ok(patched.headers.get("etag"));
    const star = await h.call("PATCH", "/products/p1", { properties: { description: "d" } }, { "if-match": "*" });
    assert.equal(star.status, 200);
    const none = await h.call("PUT", "/products/p1", { properties: { displayName: "z" } }, { "if-none-match": "*" });
    assert.equal(none.status, 412);
  });

  test("DELETE needs If-Match, deletes children, and a missing entity is 204", async () => {
    await h.call("PUT", "/apis/d1", api("d1"));
    await h.call("PUT", "/apis/d1/operations/op1", {
      properties: { displayName: "Op", method: "get", urlTemplate: "/x" },
    });
    assert.equal((await h.call("DELETE", "/apis/d1")).status, 400);
    assert.equal((await h.call("DELETE", "/apis/d1", undefined, { "if-match": "*" })).status, 200);
    assert.equal((await h.call("GET", "/apis/d1/operations/op1")).status, 404);
    assert.equal((await h.call("DELETE", "/apis/d1", undefined, { "if-match": "*" })).status, 204);
  });

  test("operations are children of their API; a missing parent is 404", async () => {
    await h.call("PUT", "/apis/o1", api("o1"));
    const op = await h.call("PUT", "/apis/o1/operations/get-user", {
      properties: {
        displayName: "Get user",
        method: "get",
        urlTemplate: "/users/{id}",
        templateParameters: [{ name: "id", type: "string", required: true }],
      },
    });
    assert.equal(op.status, 201);
    assert.equal(op.body.properties.method, "GET");
    assert.equal(op.body.type, "Microsoft.ApiManagement/service/apis/operations");
    const list = await h.call("GET", "/apis/o1/operations");
    assert.equal(list.body.count, 1);
    assert.equal(
      (
        await h.call("PUT", "/apis/missing/operations/x", {
          properties: { displayName: "x", method: "GET", urlTemplate: "/" },
        })
      ).status,
      404,
    );
    assert.equal((await h.call("GET", "/apis/missing/operations")).status, 404);
  });

  test("named value secrets are returned only by listValue", async () => {
    await h.call("PUT", "/namedValues/nv1", { properties: { displayName: "nv1", value: "s3cret", secret: true } });
    const got = await h.call("GET", "/namedValues/nv1");
    assert.equal(got.body.properties.value, undefined);
    assert.equal(got.body.properties.secret, true);
    const listed = await h.call("GET", "/namedValues");
    assert.ok(!JSON.stringify(listed.body).includes("s3cret"));
    const value = await h.call("POST", "/namedValues/nv1/listValue");
    assert.deepEqual(value.body, { value: "s3cret" });
  });

  test("subscriptions: keys generated, hidden on GET, listSecrets, regenerate, scope normalised", async () => {
    await h.call("PUT", "/products/sp", { properties: { displayName: "SP", state: "published" } });
    await h.call("PUT", "/users/u-sub", { properties: { email: "sub@x.io", firstName: "S", lastName: "U" } });
    const created = await h.call("PUT", "/subscriptions/s1", {
      properties: {
        scope: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ApiManagement/service/moat/products/sp",
        ownerId: "/users/u-sub",
        displayName: "S1",
        state: "active",
      },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.properties.scope, /\/service\/moat\/products\/sp$/);
    assert.equal(created.body.properties.primaryKey, undefined);
    const stored = await h.options.store.get("subscription", "subscriptions/s1");
    assert.equal(stored?.properties.scope, "/products/sp");
    const secrets = await h.call("POST", "/subscriptions/s1/listSecrets");
    assert.match(secrets.body.primaryKey, /^[0-9a-f]{32}$/);
    assert.equal((await h.call("POST", "/subscriptions/s1/regeneratePrimaryKey")).status, 204);
    const after2 = await h.call("POST", "/subscriptions/s1/listSecrets");
    assert.notEqual(after2.body.primaryKey, secrets.body.primaryKey);
    assert.equal(after2.body.secondaryKey, secrets.body.secondaryKey);
    const bad = await h.call("PUT", "/subscriptions/s2", { properties: { scope: "/products/nope", displayName: "x" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].target, "properties.scope");
    const mine = await h.call("GET", "/users/u-sub/subscriptions");
    assert.equal(mine.body.count, 1);
  });

  test("built-in groups exist and cannot be deleted; membership links", async () => {
    const groups = await h.call("GET", "/groups");
    assert.deepEqual(groups.body.value.map((g: { name: string }) => g.name).sort(), [
      "administrators",
      "developers",
      "guests",
    ]);
    assert.equal((await h.call("DELETE", "/groups/developers", undefined, { "if-match": "*" })).status, 409);
    await h.call("PUT", "/groups/g1", { properties: { displayName: "G1" } });
    await h.call("PUT", "/users/gu", { properties: { email: "gu@x.io", firstName: "G", lastName: "U" } });
    const link = await h.call("PUT", "/groups/g1/users/gu");
    assert.equal(link.status, 201);
    assert.equal(link.body.name, "gu");
    const userGroups = await h.call("GET", "/users/gu/groups");
    assert.deepEqual(userGroups.body.value.map((g: { name: string }) => g.name).sort(), ["developers", "g1"]);
    assert.equal((await h.call("PUT", "/groups/g1/users/nobody")).status, 404);
  });

  test("product ↔ API links; linking a missing API is 404 naming it", async () => {
    await h.call("PUT", "/products/lp", { properties: { displayName: "LP" } });
    await h.call("PUT", "/apis/la", api("la"));
    const link = await h.call("PUT", "/products/lp/apis/la");
    assert.equal(link.status, 201);
    assert.equal(link.body.type, "Microsoft.ApiManagement/service/apis");
    const missing = await h.call("PUT", "/products/lp/apis/ghost");
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /apis\/ghost/);
    assert.equal((await h.call("GET", "/products/lp/apis")).body.count, 1);
    assert.equal((await h.call("GET", "/apis/la/products")).body.value[0].name, "lp");
  });

  test("service GET/PATCH with read-only fields and vnet validation", async () => {
    const svc = await h.call("GET", "/");
    assert.equal(svc.body.type, "Microsoft.ApiManagement/service");
    assert.equal(svc.body.properties.virtualNetworkType, "None");
    assert.ok(svc.headers.get("etag"));
    const bad = await h.call("PATCH", "/", { properties: { virtualNetworkType: "Internal" } }, { "if-match": "*" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].target, "properties.virtualNetworkConfiguration");
    const ok = await h.call(
      "PATCH",
      "/",
      {
        properties: {
          publisherName: "Contoso",
          gatewayUrl: "https://ignored",
          virtualNetworkType: "External",
          virtualNetworkConfiguration: {
            subnetResourceId:
              "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/apim",
          },
        },
      },
      { "if-match": "*" },
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.properties.publisherName, "Contoso");
    assert.equal(ok.body.properties.gatewayUrl, "https://localhost:8443");
    assert.equal(ok.body.properties.virtualNetworkConfiguration.subnetname, "apim");
  });

  test("templates have Azure's defaults, any name case, DELETE restores", async () => {
    const t = await h.call("GET", "/templates/confirmSignUpIdentityDefault");
    assert.equal(t.status, 200);
    assert.equal(t.body.name, "ConfirmSignUpIdentityDefault");
    assert.equal(t.body.properties.isDefault, true);
    const put = await h.call("PUT", "/templates/confirmsignupidentitydefault", {
      properties: { subject: "Hi", body: "<p>x</p>" },
    });
    assert.equal(put.body.properties.isDefault, false);
    await h.call("DELETE", "/templates/ConfirmSignUpIdentityDefault", undefined, { "if-match": "*" });
    assert.equal((await h.call("GET", "/templates/ConfirmSignUpIdentityDefault")).body.properties.isDefault, true);
  });
});

describe("collections", () => {
  test("$top/$skip page with a correct nextLink; $filter subset", async () => {
    for (let i = 0; i < 5; i++)
      await h.call("PUT", `/tags/t${i}`, { properties: { displayName: i % 2 ? `odd ${i}` : `even ${i}` } });
    const page = await h.call("GET", "/tags?$top=2");
    assert.equal(page.body.value.length, 2);
    assert.equal(page.body.count, 5);
    const next = new URL(page.body.nextLink);
    assert.equal(next.searchParams.get("$skip"), "2");
    assert.equal(next.searchParams.get("api-version"), "2024-05-01");
    const res = await h.raw("GET", `${next.pathname}${next.search}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(res.body.value[0].name, "t2");
    const last = await h.call("GET", "/tags?$top=2&$skip=4");
    assert.equal(last.body.nextLink, undefined);

    const f = (q: string) => h.call("GET", `/tags?$filter=${encodeURIComponent(q)}`);
    assert.equal((await f("startswith(properties/displayName,'odd')")).body.count, 2);
    assert.equal((await f("name eq 't0' or name eq 't4'")).body.count, 2);
    assert.equal((await f("contains(displayName,'EVEN') and name ne 't0'")).body.count, 2);
    assert.equal((await f("endswith(name,'3')")).body.count, 1);
    const bad = await f("name eq");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].target, "$filter");
  });
});

describe("bad input never 500s and leaves the store unchanged", () => {
  const cases: Array<[string, string, string | undefined, number, string | undefined]> = [
    ["malformed JSON", "/apis/bad1", "{not json", 400, "body"],
    ["not an object", "/apis/bad1", "[1,2]", 400, "body"],
    ["unknown top-level", "/apis/bad1", JSON.stringify({ propertiez: {} }), 400, "propertiez"],
    ["unknown property", "/apis/bad1", JSON.stringify(api("bad1", { colour: "red" })), 400, "properties.colour"],
    [
      "wrong type",
      "/apis/bad1",
      JSON.stringify(api("bad1", { subscriptionRequired: "yes" })),
      400,
      "properties.subscriptionRequired",
    ],
    ["missing required", "/apis/bad1", JSON.stringify({ properties: { path: "x" } }), 400, "properties.displayName"],
    // The gateway cannot forward to these: refused at write time instead of a 500 on every call.
    [
      "relative serviceUrl",
      "/apis/bad1",
      JSON.stringify(api("bad1", { serviceUrl: "not a url" })),
      400,
      "properties.serviceUrl",
    ],
    [
      "ftp serviceUrl",
      "/apis/bad1",
      JSON.stringify(api("bad1", { serviceUrl: "ftp://host/x" })),
      400,
      "properties.serviceUrl",
    ],
    [
      "relative backend url",
      "/backends/bad1",
      JSON.stringify({ properties: { url: "backend.local/x", protocol: "http" } }),
      400,
      "properties.url",
    ],
    ["forbidden id char", "/apis/bad%3A1", JSON.stringify(api("bad1")), 400, "apiId"],
    ["too long id", `/apis/${"x".repeat(300)}`, JSON.stringify(api("bad1")), 400, "apiId"],
    ["bad percent-encoding", "/apis/%E0%A4%A", JSON.stringify(api("bad1")), 400, undefined],
    [
      "bad enum",
      "/products/bad1",
      JSON.stringify({ properties: { displayName: "x", state: "maybe" } }),
      400,
      "properties.state",
    ],
  ];
  for (const [name, path, body, status, target] of cases) {
    test(name, async () => {
      const before = await h.options.store.revision();
      const res = await h.raw("PUT", `${path}?api-version=2024-05-01`, {
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        ...(body !== undefined ? { body } : {}),
      });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.ok(res.body.error.code);
      if (target) assert.equal(res.body.error.details[0]?.target, target, JSON.stringify(res.body));
      assert.equal(await h.options.store.revision(), before);
    });
  }

  test("oversized body is 413", async () => {
    const res = await h.raw("PUT", "/apis/big?api-version=2024-05-01", {
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify(api("big", { description: "x".repeat(5 * 1024 * 1024) })),
    });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, "RequestEntityTooLarge");
  });

  test("a policy link format is refused naming the field", async () => {
    const res = await h.call("PUT", "/policies/policy", { properties: { format: "xml-link", value: "http://x" } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].target, "properties.format");
  });
});

describe("policies and OpenAPI import/export", () => {
  test("an invalid policy document is refused with the engine's diagnostics; a valid one is stored verbatim", async () => {
    await h.call("PUT", "/apis/pol", api("pol"));
    const bad = await h.call("PUT", "/apis/pol/policies/policy", {
      properties: { format: "rawxml", value: "<policies><inbound><no-such-policy /></inbound></policies>" },
    });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.details.length > 0);
    assert.match(bad.body.error.details[0].target, /^properties\.value/);
    assert.equal((await h.call("GET", "/apis/pol/policies/policy")).status, 404);
    const xml =
      '<policies>\n  <inbound><base /><set-header name="x" exists-action="override"><value>1</value></set-header></inbound>\n  <backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error>\n</policies>';
    assert.equal(
      (await h.call("PUT", "/apis/pol/policies/policy", { properties: { format: "rawxml", value: xml } })).status,
      201,
    );
    assert.equal((await h.call("GET", "/apis/pol/policies/policy")).body.properties.value, xml);
  });

  test("inline OpenAPI import creates the API and its operations; export returns a document", async () => {
    const doc = {
      openapi: "3.0.1",
      info: { title: "Pets", version: "1.0" },
      servers: [{ url: "http://pets.internal" }],
      paths: {
        "/pets": { get: { operationId: "listPets", responses: { "200": { description: "ok" } } } },
        "/pets/{id}": {
          get: {
            operationId: "getPet",
            parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
            responses: { "200": { description: "ok" } },
          },
        },
      },
    };
    const res = await h.call("PUT", "/apis/pets", {
      properties: { format: "openapi+json", path: "pets", value: JSON.stringify(doc) },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.properties.displayName, "Pets");
    const ops = await h.call("GET", "/apis/pets/operations");
    assert.equal(ops.body.count, 2);
    const exported = await h.call("GET", "/apis/pets?export=true&format=openapi%2Bjson");
    assert.equal(exported.status, 200);
    assert.equal(exported.body.value.openapi.startsWith("3."), true);
    assert.ok(exported.body.value.paths["/pets/{id}"]);
  });

  test("imported component schemas become API schema entities and come back in the export", async () => {
    const doc = {
      openapi: "3.0.1",
      info: { title: "Shop", version: "1.0" },
      paths: {
        "/orders": {
          post: {
            operationId: "createOrder",
            requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Order" } } } },
            responses: { "201": { description: "created" } },
          },
        },
      },
      components: { schemas: { Order: { type: "object", properties: { id: { type: "string" } } } } },
    };
    const res = await h.call("PUT", "/apis/shop", { properties: { format: "openapi+json", path: "shop", value: doc } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const schemas = await h.call("GET", "/apis/shop/schemas");
    assert.equal(schemas.body.count, 1);
    assert.equal(schemas.body.value[0].type, "Microsoft.ApiManagement/service/apis/schemas");
    const exported = await h.call("GET", "/apis/shop?export=true&format=openapi%2Bjson");
    assert.ok(exported.body.value.components.schemas.Order, JSON.stringify(exported.body.value));
  });

  test("an invalid OpenAPI document is a 400 naming the problem and creates nothing", async () => {
    const before = await h.options.store.revision();
    const res = await h.call("PUT", "/apis/broken", {
      properties: { format: "openapi+json", path: "b", value: '{"openapi":"3.0.0"}' },
    });
    assert.equal(res.status, 400);
    assert.ok(res.body.error.details.length > 0);
    assert.equal(await h.options.store.revision(), before);
    const wsdl = await h.call("PUT", "/apis/soap", { properties: { format: "wsdl", path: "s", value: "<x/>" } });
    assert.equal(wsdl.status, 400);
    assert.equal(wsdl.body.error.details[0].target, "properties.format");
  });
});

describe("cascades", () => {
  test("deleting an API removes product links, revisions and API-scoped subscriptions", async () => {
    await h.call("PUT", "/apis/gone", api("gone"));
    await h.call("PUT", "/apis/gone;rev=2", { properties: { sourceApiId: "/apis/gone", apiRevision: "2" } });
    await h.call("PUT", "/products/keeper", { properties: { displayName: "Keeper" } });
    await h.call("PUT", "/products/keeper/apis/gone");
    await h.call("PUT", "/subscriptions/gone-sub", { properties: { scope: "/apis/gone", displayName: "x" } });
    assert.equal((await h.call("GET", "/apis/gone;rev=2")).body.properties.isCurrent, false);
    assert.equal((await h.call("DELETE", "/apis/gone", undefined, { "if-match": "*" })).status, 200);
    assert.equal((await h.call("GET", "/products/keeper/apis")).body.count, 0);
    assert.equal((await h.call("GET", "/apis/gone;rev=2")).status, 404);
    assert.equal((await h.call("GET", "/subscriptions/gone-sub")).status, 404);
    assert.equal((await h.call("GET", "/products/keeper")).status, 200);
  });

  test("a fragment, named value or backend still used by a policy cannot be deleted (409 naming the policy)", async () => {
    const del = (path: string) => h.call("DELETE", path, undefined, { "if-match": "*" });
    await h.call("PUT", "/apis/uses", api("uses"));
    await h.call("PUT", "/namedValues/nv-used", { properties: { displayName: "greeting", value: "hi" } });
    await h.call("PUT", "/policyFragments/frag-used", {
      properties: {
        format: "rawxml",
        value:
          '<fragment><set-header name="x" exists-action="override"><value>{{greeting}}</value></set-header></fragment>',
      },
    });
    const xml = "<policies><inbound><base /><include-fragment fragment-id='frag-used' /></inbound></policies>";
    assert.equal((await h.call("PUT", "/apis/uses/policies/policy", { properties: { value: xml } })).status, 201);
    const frag = await del("/policyFragments/frag-used");
    assert.equal(frag.status, 409, JSON.stringify(frag.body));
    assert.equal(frag.body.error.details[0].target, "apis/uses/policies/policy");
    const nv = await del("/namedValues/nv-used");
    assert.equal(nv.status, 409, JSON.stringify(nv.body));
    assert.equal(nv.body.error.details[0].target, "policyFragments/frag-used");
    await h.call("PUT", "/backends/be-used", { properties: { url: "http://backend.local", protocol: "http" } });
    const withBackend = '<policies><inbound><base /><set-backend-service backend-id="be-used" /></inbound></policies>';
    assert.equal((await h.call("PUT", "/policies/policy", { properties: { value: withBackend } })).status, 201);
    assert.equal((await del("/backends/be-used")).status, 409);
    assert.equal((await del("/policies/policy")).status, 200);
    assert.equal((await del("/backends/be-used")).status, 200);
    assert.equal((await del("/apis/uses/policies/policy")).status, 200);
    assert.equal((await del("/policyFragments/frag-used")).status, 200);
    assert.equal((await del("/namedValues/nv-used")).status, 200);
  });

  test("$top must be at least 1", async () => {
    const res = await h.call("GET", "/apis?$top=0");
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].target, "$top");
  });
});
