// validate-content's schema-id reaches the service schemas ("schemas/{id}") through the gateway's
// configuration snapshot, over real sockets; the API's own schema of the same id wins.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { apimPolicyEngine } from "./default-engine.js";
import { openApi, startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

const validate = (schemaId: string, as = "json") =>
  `<policies><inbound><base /><validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent"><content type="application/${as}" validate-as="${as}" schema-id="${schemaId}" action="prevent"/></validate-content></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

const post = (path: string) => ({ displayName: "post", method: "POST", urlTemplate: path, responses: [] });

describe("gateway: validate-content against service schemas", () => {
  let upstream: Upstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(
      [
        [
          "schema",
          "schemas/order",
          {
            schemaType: "json",
            document: { type: "object", required: ["qty"], properties: { qty: { type: "integer", minimum: 1 } } },
          },
        ],
        [
          "schema",
          "schemas/po",
          {
            schemaType: "xml",
            value: `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="po" type="xs:string"/></xs:schema>`,
          },
        ],
        ["api", "apis/shop", openApi("shop", upstream.url)],
        ["operation", "apis/shop/operations/order", post("/order")],
        ["operation", "apis/shop/operations/po", post("/po")],
        ["policy", "apis/shop/operations/order/policies/policy", { value: validate("order") }],
        ["policy", "apis/shop/operations/po/policies/policy", { value: validate("po", "xml") }],
        // an API with its own schema called "order": that one is used, not the service's
        ["api", "apis/own", openApi("own", upstream.url)],
        [
          "apiSchema",
          "apis/own/schemas/order",
          { contentType: "application/schema+json", document: { type: "object", required: ["sku"] } },
        ],
        ["operation", "apis/own/operations/order", post("/order")],
        ["policy", "apis/own/operations/order/policies/policy", { value: validate("order") }],
      ],
      { engine: apimPolicyEngine },
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const send = async (path: string, body: string, type = "application/json") => {
    const res = await request(`${gw.url}${path}`, { method: "POST", headers: { "content-type": type }, body });
    return { status: res.statusCode, text: await res.body.text() };
  };

  test("a JSON body is checked against the service's json schema", async () => {
    assert.equal((await send("/shop/order", `{"qty":2}`)).status, 200);
    const bad = await send("/shop/order", `{"qty":0}`);
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.text).message, /does not conform to the definition order.*\/qty must be >= 1/);
  });

  test("an xml schema: the body must be well-formed XML", async () => {
    assert.equal((await send("/shop/po", "<po>1</po>", "application/xml")).status, 200);
    assert.equal((await send("/shop/po", "<po>1</p>", "application/xml")).status, 400);
  });

  test("the API's own schema of the same id comes first", async () => {
    assert.equal((await send("/own/order", `{"sku":"a"}`)).status, 200);
    const bad = await send("/own/order", `{"qty":2}`);
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.text).message, /must have required property 'sku'/);
  });
});
