// Service schemas ("schemas/{schemaId}", Azure's Microsoft.ApiManagement/service/schemas) over real HTTPS
// sockets: CRUD with ETags, validation of the document, and the link to validate-content's schema-id.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Harness, startHarness } from "./test-support/harness.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** Azure requires If-Match on DELETE ("*" for unconditional). */
const del = (path: string, etag = "*") => h.call("DELETE", path, undefined, { "if-match": etag });

const orderSchema = {
  type: "object",
  required: ["qty"],
  properties: { qty: { type: "integer", minimum: 1 } },
};
const xsd =
  '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">\r\n <xsd:element name="PurchaseOrder" type="xsd:string"/>\r\n</xsd:schema>';

const validateContent = (schemaId: string, as = "json") =>
  `<policies><inbound><base />\n<validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent">\n<content type="application/${as}" validate-as="${as}" schema-id="${schemaId}" />\n</validate-content></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

describe("service schemas", () => {
  test("a json schema is created, read, listed, replaced with If-Match and deleted", async () => {
    const created = await h.call("PUT", "/schemas/orders", {
      properties: { schemaType: "json", description: "Orders", document: orderSchema },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.type, "Microsoft.ApiManagement/service/schemas");
    assert.equal(created.body.name, "orders");
    assert.match(created.body.id, /\/service\/moat\/schemas\/orders$/);
    assert.deepEqual(created.body.properties.document, orderSchema);
    assert.equal(created.body.properties.schemaType, "json");
    assert.equal(created.body.properties.provisioningState, "Succeeded");
    const etag = created.headers.get("etag");
    assert.ok(etag);

    const got = await h.call("GET", "/schemas/orders");
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("etag"), etag);
    const list = await h.call("GET", "/schemas");
    assert.equal(list.status, 200);
    assert.ok(list.body.value.some((s: { name: string }) => s.name === "orders"));

    const stale = await h.call(
      "PUT",
      "/schemas/orders",
      { properties: { schemaType: "json", document: { type: "object" } } },
      { "if-match": '"not-the-etag"' },
    );
    assert.equal(stale.status, 412);
    const replaced = await h.call(
      "PUT",
      "/schemas/orders",
      { properties: { schemaType: "json", document: { ...orderSchema, title: "Order" } } },
      { "if-match": etag as string },
    );
    assert.equal(replaced.status, 200);
    assert.notEqual(replaced.headers.get("etag"), etag);

    assert.equal((await del("/schemas/orders", replaced.headers.get("etag") as string)).status, 200);
    assert.equal((await h.call("GET", "/schemas/orders")).status, 404);
  });

  test("an xml schema keeps its XSD text in value", async () => {
    const res = await h.call("PUT", "/schemas/po", { properties: { schemaType: "xml", value: xsd } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await h.call("GET", "/schemas/po")).body.properties.value, xsd);
  });

  test("bad documents are refused with a 400 naming the field", async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ document: orderSchema }, "properties.schemaType", /./],
      [{ schemaType: "yaml", document: orderSchema }, "properties.schemaType", /./],
      [{ schemaType: "json" }, "properties.document", /needs properties.document/],
      [{ schemaType: "json", value: "{}" }, "properties.value", /not properties.value/],
      [{ schemaType: "json", document: { type: "no-such-type" } }, "properties.document", /not a valid JSON Schema/],
      [{ schemaType: "xml" }, "properties.value", /needs properties.value/],
      [{ schemaType: "xml", value: "<xsd:schema>" }, "properties.value", /not well-formed XML \(line 1/],
      [{ schemaType: "xml", value: "<order/>" }, "properties.value", /must be an XML Schema/],
      [{ schemaType: "xml", value: xsd, document: {} }, "properties.document", /not properties.document/],
    ];
    for (const [properties, target, message] of cases) {
      const res = await h.call("PUT", "/schemas/bad", { properties });
      assert.equal(res.status, 400, `${JSON.stringify(properties)} → ${res.status}`);
      assert.equal(res.body.error.details[0].target, target, JSON.stringify(res.body));
      assert.match(res.body.error.message, message);
    }
    assert.equal((await h.call("GET", "/schemas/bad")).status, 404);
  });

  test("schemaType cannot change on replace or patch", async () => {
    assert.equal(
      (await h.call("PUT", "/schemas/fixed", { properties: { schemaType: "json", document: orderSchema } })).status,
      201,
    );
    const put = await h.call("PUT", "/schemas/fixed", { properties: { schemaType: "xml", value: xsd } });
    assert.equal(put.status, 400);
    assert.equal(put.body.error.details[0].target, "properties.schemaType");
    const patch = await h.call("PATCH", "/schemas/fixed", { properties: { schemaType: "xml" } });
    assert.equal(patch.status, 400);
    assert.equal((await h.call("GET", "/schemas/fixed")).body.properties.schemaType, "json");
  });

  test("a schema named by a policy's schema-id cannot be deleted (409 naming the policy)", async () => {
    await h.call("PUT", "/schemas/used", { properties: { schemaType: "json", document: orderSchema } });
    await h.call("PUT", "/apis/shop", {
      properties: { displayName: "shop", path: "shop", serviceUrl: "http://backend.local" },
    });
    const policy = await h.call("PUT", "/apis/shop/policies/policy", {
      properties: { value: validateContent("used") },
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    const refused = await del("/schemas/used");
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "Conflict");
    assert.equal(refused.body.error.details[0].target, "apis/shop/policies/policy");
    assert.equal((await del("/apis/shop/policies/policy")).status, 200);
    assert.equal((await del("/schemas/used")).status, 200);
  });

  test("a policy whose validate-as does not suit the named schema is refused with its line", async () => {
    await h.call("PUT", "/schemas/po-xsd", { properties: { schemaType: "xml", value: xsd } });
    await h.call("PUT", "/apis/shop2", {
      properties: { displayName: "shop2", path: "shop2", serviceUrl: "http://backend.local" },
    });
    const res = await h.call("PUT", "/apis/shop2/policies/policy", {
      properties: { value: validateContent("po-xsd") },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /schema "po-xsd" is an xml schema; validate-as="json" needs a json schema/);
    assert.match(res.body.error.details[0].message, /line 3/);
    const xml = await h.call("PUT", "/apis/shop2/policies/policy", {
      properties: { value: validateContent("po-xsd", "xml") },
    });
    assert.equal(xml.status, 201, JSON.stringify(xml.body));
  });
});
