// validate-content / validate-parameters / validate-headers against the API definition carried by the
// PolicyEnvironment (apiSchemas + operationContract), as the gateway compiles them per operation.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validatePolicyDocument } from "../pipeline.js";
import { createFakeServices, emptyEnvironment } from "../test-support/fake-context.js";
import { compileOrThrow, documentWith, runStatements, runWith } from "../test-support/run.js";
import type { PolicyEnvironment } from "../types.js";

const petSchemas = {
  components: {
    schemas: {
      Pet: {
        type: "object",
        required: ["id", "name"],
        properties: {
          id: { type: "integer", format: "int64" },
          name: { type: "string", minLength: 1 },
          tag: { type: "string", nullable: true },
          born: { type: "string", format: "date" },
        },
      },
    },
  },
};

function env(): PolicyEnvironment {
  return {
    ...emptyEnvironment(),
    apiSchemas: new Map([["petstore", petSchemas]]),
    operationContract: {
      templateParameters: [{ name: "petId", type: "integer", required: true }],
      request: {
        queryParameters: [
          { name: "limit", type: "integer", required: false },
          { name: "sort", type: "string", required: true, values: ["asc", "desc"] },
        ],
        headers: [{ name: "X-Tenant", type: "string", required: true }],
        representations: [
          { contentType: "application/json", schemaId: "petstore", typeName: "Pet" },
          { contentType: "application/xml" },
        ],
      },
      responses: [
        {
          statusCode: 200,
          headers: [{ name: "X-Rate", type: "integer", required: true }],
          representations: [{ contentType: "application/json", schemaId: "petstore", typeName: "PetArray" }],
        },
      ],
    },
  };
}

const content = (action: string, extra = "") =>
  `<validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent" errors-variable-name="errs"><content type="application/json" validate-as="json" action="${action}"${extra}/></validate-content>`;

const post = (body: string, type = "application/json") => ({
  method: "POST",
  headers: { "content-type": type },
  body,
});

describe("validate-content against the API schema", () => {
  test("a body that conforms passes; one that does not gets APIM's 400", async () => {
    const ok = await runStatements(content("prevent"), {
      env: env(),
      request: post(`{"id":1,"name":"Rex","tag":null}`),
    });
    assert.equal(ok.response?.statusCode, 200);
    assert.equal(ok.variables.get("errs"), undefined);
    const bad = await runStatements(content("prevent"), {
      env: env(),
      request: post(`{"id":"one","born":"yesterday"}`),
    });
    assert.equal(bad.response?.statusCode, 400);
    const body = JSON.parse(bad.response?.body.bytes?.toString() ?? "{}");
    assert.match(
      body.message,
      /^Body of the request does not conform to the definition Pet, which is associated with the content type application\/json\./,
    );
    assert.match(body.message, /\/id must be integer/);
    assert.match(body.message, /must have required property 'name'/);
    assert.match(body.message, /\/born must match format "date"/);
  });

  test("detect records the violation and lets the request through; ignore does neither", async () => {
    const detect = await runStatements(content("detect"), { env: env(), request: post(`{"id":1}`) });
    assert.equal(detect.response?.statusCode, 200);
    const errs = detect.variables.get("errs") as Array<{ ValidationRule: string; Type: string; Action: string }>;
    assert.equal(errs.length, 1);
    assert.deepEqual(
      [errs[0]?.ValidationRule, errs[0]?.Type, errs[0]?.Action],
      ["IncorrectMessage", "RequestBody", "detect"],
    );
    const ignore = await runStatements(content("ignore"), { env: env(), request: post(`{"id":1}`) });
    assert.equal(ignore.variables.get("errs"), undefined);
  });

  test("allow-additional-properties=false rejects properties the schema does not name", async () => {
    const strict = content("prevent", ` allow-additional-properties="false"`);
    const res = await runStatements(strict, { env: env(), request: post(`{"id":1,"name":"Rex","owner":"me"}`) });
    assert.equal(res.response?.statusCode, 400);
    assert.match(JSON.parse(res.response?.body.bytes?.toString() ?? "{}").message, /unexpected property "owner"/);
  });

  test("case-insensitive-property-names matches ID and Name", async () => {
    const loose = content("prevent", ` case-insensitive-property-names="true"`);
    const res = await runStatements(loose, { env: env(), request: post(`{"ID":1,"Name":"Rex"}`) });
    assert.equal(res.response?.statusCode, 200);
  });

  test("declared content types are specified; others follow unspecified-content-type-action", async () => {
    const xml = await runStatements(content("prevent"), { env: env(), request: post("<pet/>", "application/xml") });
    assert.equal(xml.response?.statusCode, 200);
    const text = await runStatements(content("prevent"), { env: env(), request: post("hi", "text/plain") });
    assert.equal(text.response?.statusCode, 400);
    assert.equal(
      JSON.parse(text.response?.body.bytes?.toString() ?? "{}").message,
      "Unspecified content type text/plain is not allowed.",
    );
  });

  test("max-size with size-exceeded-action and APIM's message", async () => {
    const small = `<validate-content unspecified-content-type-action="ignore" max-size="8" size-exceeded-action="prevent"><content type="application/json" validate-as="json"/></validate-content>`;
    const res = await runStatements(small, { env: env(), request: post(`{"id":1,"name":"Rex"}`) });
    assert.equal(res.response?.statusCode, 400);
    assert.equal(
      JSON.parse(res.response?.body.bytes?.toString() ?? "{}").message,
      "Request's body is 21 bytes long and it exceeds the configured limit of 8 bytes.",
    );
  });

  test("responses validate against the status code's representation (PetArray), 502 on prevent", async () => {
    const services = createFakeServices();
    services.backend = () => ({
      statusCode: 200,
      statusReason: "OK",
      headers: new Map([["content-type", ["application/json"]]]),
      body: { buffered: true, bytes: Buffer.from(`[{"id":1,"name":"Rex"},{"id":"x","name":"Tom"}]`) },
    });
    const res = await runStatements(content("prevent"), { env: env(), services, section: "outbound" });
    assert.equal(res.response?.statusCode, 502);
    assert.match(JSON.parse(res.response?.body.bytes?.toString() ?? "{}").message, /\/1\/id must be integer/);
  });

  test("schema-id / schema-ref pick a service schema; the pipeline compiles the validator once", async () => {
    const e: PolicyEnvironment = {
      ...env(),
      schemas: new Map([
        [
          "orders",
          {
            definitions: {
              Order: { type: "object", required: ["qty"], properties: { qty: { type: "integer", minimum: 1 } } },
            },
          },
        ],
      ]),
    };
    const policy = content("prevent", ` schema-id="orders" schema-ref="#/definitions/Order"`);
    const pipeline = compileOrThrow({ api: documentWith("inbound", policy) }, e);
    const services = createFakeServices();
    assert.equal((await runWith(pipeline, services, post(`{"qty":2}`))).response?.statusCode, 200);
    const bad = await runWith(pipeline, services, post(`{"qty":0}`));
    assert.equal(bad.response?.statusCode, 400);
    assert.match(JSON.parse(bad.response?.body.bytes?.toString() ?? "{}").message, /\/qty must be >= 1/);
  });

  test("schema-id looks in the API's schemas before the service schemas", async () => {
    const e: PolicyEnvironment = {
      ...env(),
      // the same id at both levels: the API's one (Pet requires id and name) is used
      schemas: new Map([["petstore", { type: "object" }]]),
    };
    const policy = content("prevent", ` schema-id="petstore" schema-ref="#/components/schemas/Pet"`);
    const pipeline = compileOrThrow({ api: documentWith("inbound", policy) }, e);
    const bad = await runWith(pipeline, createFakeServices(), post(`{"name":"Rex"}`));
    assert.equal(bad.response?.statusCode, 400);
    assert.match(JSON.parse(bad.response?.body.bytes?.toString() ?? "{}").message, /must have required property 'id'/);
  });

  test("a service schema must suit validate-as: json needs a JSON Schema, xml an XSD (checked for well-formedness)", () => {
    const xsd = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:string"/></xs:schema>`;
    const e: PolicyEnvironment = {
      ...emptyEnvironment(),
      schemas: new Map<string, unknown>([
        ["order-xsd", xsd],
        ["order-json", { type: "object" }],
      ]),
    };
    const doc = (as: string, id: string) =>
      `<policies><inbound><validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent">\n<content type="application/${as}" validate-as="${as}" schema-id="${id}"/></validate-content></inbound></policies>`;
    const json = validatePolicyDocument(doc("json", "order-xsd"), "api", e);
    assert.deepEqual(
      json.filter((d) => d.severity === "error").map((d) => [d.code, d.line, d.path]),
      [["POLICY_ERR_SCHEMA_TYPE", 2, "inbound/validate-content[1]/content[1]/@schema-id"]],
    );
    assert.match(json[0]?.message ?? "", /schema "order-xsd" is an xml schema; validate-as="json" needs a json schema/);
    const xml = validatePolicyDocument(doc("xml", "order-json"), "api", e);
    assert.match(xml.find((d) => d.severity === "error")?.message ?? "", /is a json schema; validate-as="xml"/);
    const fine = validatePolicyDocument(doc("xml", "order-xsd"), "api", e);
    assert.deepEqual(
      fine.map((d) => [d.severity, d.code]),
      [["warning", "POLICY_WARN_SCHEMA_NOT_CHECKED"]],
    );
    assert.deepEqual(validatePolicyDocument(doc("json", "order-json"), "api", e), []);
  });

  test("a representation naming a definition the schema lacks is reported, not a crash", async () => {
    const e = env();
    const broken: PolicyEnvironment = {
      ...e,
      operationContract: {
        request: { representations: [{ contentType: "application/json", schemaId: "petstore", typeName: "Nope" }] },
      },
    };
    const res = await runStatements(content("detect"), { env: broken, request: post(`{}`) });
    const errs = res.variables.get("errs") as Array<{ ValidationRule: string; Details: string }>;
    assert.equal(errs[0]?.ValidationRule, "MissingDefinition");
    assert.match(errs[0]?.Details ?? "", /does not contain definition Nope/);
  });
});

describe("validate-parameters and validate-headers against the operation", () => {
  const params = `<validate-parameters specified-parameter-action="prevent" unspecified-parameter-action="prevent" errors-variable-name="errs"/>`;
  const request = (url: string, headers: Record<string, string> = { "x-tenant": "t1" }) => ({
    url,
    headers,
    matchedParameters: { petId: "7" },
  });

  test("declared, well-typed parameters pass", async () => {
    const res = await runStatements(params, {
      env: env(),
      request: request("https://api.example/pets/7?sort=asc&limit=5"),
    });
    assert.equal(res.response?.statusCode, 200);
  });

  test("wrong type, value outside the enum, missing required, unspecified", async () => {
    const cases: Array<[string, Record<string, string> | undefined, RegExp]> = [
      ["?sort=asc&limit=five", undefined, /^Value of the query parameter limit does not conform to the definition\./],
      ["?sort=up", undefined, /not one of the allowed values: asc, desc/],
      ["?limit=1", undefined, /^Request is missing the required query parameter sort\.$/],
      ["?sort=asc&debug=1", undefined, /^Unspecified query parameter debug is not allowed\.$/],
      ["?sort=asc&sort=desc", undefined, /cannot contain multiple values for the query parameter sort/],
      ["?sort=asc", {}, /^Request is missing the required header X-Tenant\.$/],
    ];
    for (const [query, headers, message] of cases) {
      const res = await runStatements(params, {
        env: env(),
        request: request(`https://api.example/pets/7${query}`, headers),
      });
      assert.equal(res.response?.statusCode, 400, query);
      assert.match(JSON.parse(res.response?.body.bytes?.toString() ?? "{}").message, message, query);
    }
  });

  test("path parameters are checked against their declared type", async () => {
    const res = await runStatements(params, {
      env: env(),
      request: {
        url: "https://api.example/pets/x?sort=asc",
        headers: { "x-tenant": "t" },
        matchedParameters: { petId: "x" },
      },
    });
    assert.match(JSON.parse(res.response?.body.bytes?.toString() ?? "{}").message, /path parameter petId/);
  });

  test("a <parameter action> overrides the specified action for that name", async () => {
    const policy = `<validate-parameters specified-parameter-action="prevent" unspecified-parameter-action="ignore"><query specified-parameter-action="prevent"><parameter name="limit" action="ignore"/></query></validate-parameters>`;
    const res = await runStatements(policy, {
      env: env(),
      request: request("https://api.example/pets/7?sort=asc&limit=five"),
    });
    assert.equal(res.response?.statusCode, 200);
  });

  test("validate-headers: declared response headers are typed and required; undeclared ones are unspecified", async () => {
    const policy = `<validate-headers specified-header-action="prevent" unspecified-header-action="detect" errors-variable-name="errs"/>`;
    const respond = (headers: Array<[string, string]>) => {
      const services = createFakeServices();
      services.backend = () => ({
        statusCode: 200,
        statusReason: "OK",
        headers: new Map(headers.map(([k, v]) => [k, [v]])),
        body: { buffered: true, bytes: Buffer.from("[]") },
      });
      return runStatements(policy, { env: env(), services, section: "outbound" });
    };
    const ok = await respond([
      ["x-rate", "10"],
      ["x-debug", "1"],
    ]);
    assert.equal(ok.response?.statusCode, 200);
    const errs = ok.variables.get("errs") as Array<{ Details: string }>;
    assert.deepEqual(
      errs.map((e) => e.Details),
      ["Unspecified header x-debug is not allowed."],
    );
    const missing = await respond([]);
    assert.equal(missing.response?.statusCode, 502);
    assert.match(JSON.parse(missing.response?.body.bytes?.toString() ?? "{}").message, /required header X-Rate/);
    const typed = await respond([["x-rate", "many"]]);
    assert.equal(typed.response?.statusCode, 502);
  });
});
