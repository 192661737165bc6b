// The API definition reaches the policies: validate-content checks bodies against the API's schemas,
// validate-parameters against the operation's parameters, mock-response answers from its examples.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { apimPolicyEngine } from "./default-engine.js";
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

const policy = (inbound: string) =>
  `<policies><inbound><base />${inbound}</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

describe("gateway: API schemas and examples in policies", () => {
  let upstream: Upstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(
      [
        [
          "api",
          "apis/pets",
          {
            displayName: "pets",
            path: "pets",
            serviceUrl: upstream.url,
            protocols: ["http"],
            subscriptionRequired: false,
          },
        ],
        [
          "apiSchema",
          "apis/pets/schemas/s1",
          {
            contentType: "application/vnd.oai.openapi.components+json",
            document: {
              components: {
                schemas: {
                  Pet: {
                    type: "object",
                    required: ["name"],
                    properties: { id: { type: "integer" }, name: { type: "string", example: "doggie" } },
                  },
                },
              },
            },
          },
        ],
        [
          "operation",
          "apis/pets/operations/create",
          {
            displayName: "create",
            method: "POST",
            urlTemplate: "/pets",
            request: {
              queryParameters: [{ name: "dryRun", type: "boolean", required: false, values: [] }],
              representations: [{ contentType: "application/json", schemaId: "s1", typeName: "Pet" }],
            },
            responses: [],
          },
        ],
        [
          "operation",
          "apis/pets/operations/get",
          {
            displayName: "get",
            method: "GET",
            urlTemplate: "/pets/{id}",
            templateParameters: [{ name: "id", type: "integer", required: true, values: [] }],
            responses: [
              {
                statusCode: 200,
                representations: [{ contentType: "application/json", schemaId: "s1", typeName: "Pet" }],
              },
              {
                statusCode: 404,
                representations: [
                  { contentType: "application/json", examples: { default: { value: { error: "no pet" } } } },
                ],
              },
            ],
          },
        ],
        [
          "policy",
          "apis/pets/operations/create/policies/policy",
          {
            value: policy(
              `<validate-parameters specified-parameter-action="prevent" unspecified-parameter-action="prevent"/><validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent"><content type="application/json" validate-as="json" action="prevent"/></validate-content>`,
            ),
          },
        ],
        [
          "policy",
          "apis/pets/operations/get/policies/policy",
          {
            value: policy(
              `<choose><when condition="@(context.Request.Url.Path.EndsWith(&quot;/0&quot;))"><mock-response status-code="404"/></when></choose><mock-response status-code="200" content-type="application/json"/>`,
            ),
          },
        ],
      ],
      { engine: apimPolicyEngine },
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const call = async (method: "GET" | "POST", path: string, body?: string) => {
    const res = await request(`${gw.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.statusCode, type: res.headers["content-type"], text: await res.body.text() };
  };

  test("a body that conforms to the operation's schema is forwarded; one that does not gets 400", async () => {
    assert.equal((await call("POST", "/pets/pets", `{"id":1,"name":"Rex"}`)).status, 200);
    const bad = await call("POST", "/pets/pets", `{"id":"one"}`);
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.text).message, /does not conform to the definition Pet/);
  });

  test("declared query parameters are typed; undeclared ones are refused", async () => {
    assert.equal((await call("POST", "/pets/pets?dryRun=true", `{"name":"Rex"}`)).status, 200);
    const typed = await call("POST", "/pets/pets?dryRun=maybe", `{"name":"Rex"}`);
    assert.equal(typed.status, 400);
    assert.match(JSON.parse(typed.text).message, /query parameter dryRun/);
    const unknown = await call("POST", "/pets/pets?debug=1", `{"name":"Rex"}`);
    assert.equal(unknown.status, 400);
    assert.equal(JSON.parse(unknown.text).message, "Unspecified query parameter debug is not allowed.");
  });

  test("mock-response answers from the operation's examples and schema without calling the backend", async () => {
    const generated = await call("GET", "/pets/pets/7");
    assert.equal(generated.status, 200);
    assert.equal(generated.type, "application/json");
    assert.deepEqual(JSON.parse(generated.text), { id: 0, name: "doggie" });
    const example = await call("GET", "/pets/pets/0");
    assert.equal(example.status, 404);
    assert.deepEqual(JSON.parse(example.text), { error: "no pet" });
  });
});
