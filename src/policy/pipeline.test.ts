import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compilePipeline, defaultGlobalPolicy, validatePolicyDocument } from "./pipeline.js";
import { hasPendingWork } from "./request-state.js";
import { runAfterInbound, runInbound, runPipeline } from "./runner.js";
import { bodyOf, createFakeContext, createFakeServices, emptyEnvironment } from "./test-support/fake-context.js";
import { compileOrThrow, runWith } from "./test-support/run.js";

const header = (name: string, value: string) =>
  `<set-header name="${name}" exists-action="append"><value>${value}</value></set-header>`;
const doc = (
  inbound: string,
  rest = "<backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error>",
) => `<policies><inbound>${inbound}</inbound>${rest}</policies>`;

describe("scope resolution", () => {
  test("<base/> inserts the parent section where it stands: global → product → api → operation", async () => {
    const services = createFakeServices();
    const pipeline = compileOrThrow({
      global: `<policies><inbound>${header("x-order", "global")}</inbound><backend><forward-request/></backend><outbound/><on-error/></policies>`,
      product: doc(`${header("x-order", "product-before")}<base/>`),
      api: doc(`<base/>${header("x-order", "api")}`),
      operation: doc(`${header("x-order", "operation")}<base/>`),
    });
    const ctx = await runWith(pipeline, services);
    assert.deepEqual(ctx.request.headers.get("x-order"), ["operation", "product-before", "global", "api"]);
    assert.equal(services.forwardCalls.length, 1);
  });

  test("a section without <base/> drops the parent's statements (here: no forward-request)", async () => {
    const services = createFakeServices();
    const pipeline = compileOrThrow({
      api: doc("<base/>", "<backend></backend><outbound><base/></outbound><on-error/>"),
    });
    const ctx = await runWith(pipeline, services);
    assert.equal(services.forwardCalls.length, 0);
    assert.equal(ctx.response, undefined);
  });

  test("a missing section inherits the parent's; global defaults to forward-request", async () => {
    const services = createFakeServices();
    const pipeline = compileOrThrow({ api: `<policies><inbound><base/></inbound></policies>` });
    const ctx = await runWith(pipeline, services);
    assert.equal(bodyOf(ctx.response), "backend");
    assert.match(defaultGlobalPolicy, /<forward-request\/>/);
  });

  test("include-fragment inlines the fragment; named values are substituted at compile time", async () => {
    const env = emptyEnvironment({
      namedValues: new Map([["Tenant", "contoso"]]),
      fragments: new Map([["tag", `<fragment>${header("x-tenant", "{{Tenant}}")}</fragment>`]]),
    });
    const ctx = await runWith(
      compileOrThrow({ api: doc(`<include-fragment fragment-id="tag"/>`) }, env),
      createFakeServices(),
    );
    assert.deepEqual(ctx.request.headers.get("x-tenant"), ["contoso"]);
  });

  test("the compiled pipeline is cached per environment and content", () => {
    const env = emptyEnvironment();
    const a = compilePipeline({ api: doc("<base/>") }, env);
    assert.equal(compilePipeline({ api: doc("<base/>") }, env), a);
    assert.notEqual(compilePipeline({ api: doc("<base/>") }, emptyEnvironment()), a);
  });
});

describe("validation diagnostics", () => {
  const env = emptyEnvironment();
  const errors = (xml: string, scope: "api" | "global" | "product" | "fragment" = "api") =>
    validatePolicyDocument(xml, scope, env).filter((d) => d.severity === "error");

  test("every problem with path, line and column", () => {
    const xml = `<policies>\n<inbound>\n<rate-limit-by-key calls="ten" renewal-period="400" counter-key="k"/>\n<frobnicate/>\n</inbound>\n</policies>`;
    const found = errors(xml).map((d) => [d.code, d.path, d.line]);
    assert.deepEqual(found, [
      ["POLICY_ERR_INVALID_INTEGER", "inbound/rate-limit-by-key[1]/@calls", 3],
      ["POLICY_ERR_OUT_OF_RANGE", "inbound/rate-limit-by-key[1]/@renewal-period", 3],
      ["POLICY_ERR_UNKNOWN_ELEMENT", "inbound/frobnicate[1]", 4],
    ]);
  });

  test("sections, scopes, required attributes, enums, named values, fragments", () => {
    const table: Array<[string, string, "api" | "global" | "product" | "fragment"]> = [
      [`<policies><inbound><forward-request/></inbound></policies>`, "POLICY_ERR_SECTION_NOT_ALLOWED", "api"],
      [
        `<policies><inbound><quota calls="1" renewal-period="60"/></inbound></policies>`,
        "POLICY_ERR_SCOPE_NOT_ALLOWED",
        "api",
      ],
      [`<policies><inbound><set-variable value="1"/></inbound></policies>`, "POLICY_ERR_REQUIRED", "api"],
      [
        `<policies><inbound><set-header name="a" exists-action="replace"/></inbound></policies>`,
        "POLICY_ERR_INVALID_ENUM",
        "api",
      ],
      [
        `<policies><inbound><set-header name="{{missing}}"/></inbound></policies>`,
        "POLICY_ERR_UNKNOWN_NAMED_VALUE",
        "api",
      ],
      [
        `<policies><inbound><include-fragment fragment-id="nope"/></inbound></policies>`,
        "POLICY_ERR_UNKNOWN_FRAGMENT",
        "api",
      ],
      [`<policies><inbound><choose><base/></choose></inbound></policies>`, "POLICY_ERR_UNKNOWN_ELEMENT", "api"],
      [`<policies><inbound/><inbound/></policies>`, "POLICY_ERR_DUPLICATE_SECTION", "api"],
      [`<policies><outbound><base/><base/></outbound></policies>`, "POLICY_ERR_DUPLICATE_BASE", "api"],
      [`<policies><inbound/></policies>`, "POLICY_ERR_ROOT", "fragment"],
      [`<fragment><set-header name="a"/></fragment>`, "POLICY_ERR_ROOT", "api"],
      [`<policies><inbound><set-header name="a"></inbound></policies>`, "POLICY_ERR_XML_SYNTAX", "api"],
    ];
    for (const [xml, code, scope] of table) {
      assert.ok(
        errors(xml, scope).some((d) => d.code === code),
        `${xml} → ${code}: ${JSON.stringify(errors(xml, scope))}`,
      );
    }
  });

  test("unknown attributes are warnings; fragments validate without a section", () => {
    const d = validatePolicyDocument(`<fragment><set-header name="a" colour="red"/></fragment>`, "fragment", env);
    assert.deepEqual(
      d.map((x) => [x.severity, x.code]),
      [["warning", "POLICY_WARN_UNKNOWN_ATTRIBUTE"]],
    );
  });

  test("fragment cycles are reported, not followed forever", () => {
    const cyclic = emptyEnvironment({
      fragments: new Map([["a", `<fragment><include-fragment fragment-id="a"/></fragment>`]]),
    });
    const d = validatePolicyDocument(
      `<policies><inbound><include-fragment fragment-id="a"/></inbound></policies>`,
      "api",
      cyclic,
    );
    assert.ok(d.some((x) => x.code === "POLICY_ERR_FRAGMENT_CYCLE"));
  });
});

describe("runner", () => {
  test("return-response ends the run: backend and outbound do not run", async () => {
    const services = createFakeServices();
    const pipeline = compileOrThrow({
      api: `<policies><inbound><return-response><set-status code="418" reason="Teapot"/><set-header name="x-a"><value>1</value></set-header><set-body>short</set-body></return-response></inbound><backend><base/></backend><outbound>${header("x-out", "1")}</outbound><on-error/></policies>`,
    });
    const ctx = await runWith(pipeline, services);
    assert.equal(ctx.response?.statusCode, 418);
    assert.equal(ctx.response?.statusReason, "Teapot");
    assert.deepEqual(ctx.response?.headers.get("x-a"), ["1"]);
    assert.equal(bodyOf(ctx.response), "short");
    assert.equal(ctx.response?.headers.get("x-out"), undefined);
    assert.equal(services.forwardCalls.length, 0);
  });

  test("a failure jumps to on-error once with LastError; without an answer the APIM error body is sent", async () => {
    const pipeline = compileOrThrow({
      api: `<policies><inbound><check-header name="x-key" failed-check-httpcode="401" failed-check-error-message="Missing key" ignore-case="true" id="chk"/></inbound><backend><base/></backend><outbound/><on-error><set-header name="x-error-source"><value>seen</value></set-header></on-error></policies>`,
    });
    const ctx = createFakeContext();
    await runPipeline(pipeline, ctx);
    assert.equal(ctx.response?.statusCode, 401);
    assert.deepEqual(JSON.parse(bodyOf(ctx.response)), { statusCode: 401, message: "Missing key" });
    assert.deepEqual(ctx.response?.headers.get("x-error-source"), ["seen"]);
    assert.deepEqual(
      { ...ctx.lastError },
      {
        source: "check-header",
        reason: "HeaderNotFound",
        message: "Missing key",
        scope: "api",
        section: "inbound",
        path: "inbound/check-header[1]",
        policyId: "chk",
      },
    );
  });

  test("on-error can replace the answer; a backend failure becomes a 500 that says little", async () => {
    const services = createFakeServices();
    services.backend = () => {
      throw new Error("connect ECONNREFUSED");
    };
    const plain = await runWith(compileOrThrow({}), services);
    assert.equal(plain.response?.statusCode, 500);
    assert.deepEqual(JSON.parse(bodyOf(plain.response)), {
      statusCode: 500,
      message: "Internal server error",
      activityId: plain.requestId,
    });
    const handled = await runWith(
      compileOrThrow({
        api: `<policies><inbound/><backend><base/></backend><outbound/><on-error><return-response><set-status code="503"/></return-response></on-error></policies>`,
      }),
      services,
    );
    assert.equal(handled.response?.statusCode, 503);
    assert.equal(handled.lastError?.section, "backend");
  });
});

describe("stream-through pipelines", () => {
  const doc = (inbound: string, backend = "<base/>", outbound = "", onError = "") =>
    `<policies><inbound><base/>${inbound}</inbound><backend>${backend}</backend><outbound><base/>${outbound}</outbound><on-error><base/>${onError}</on-error></policies>`;

  test("inbound-only documents over the default forward-request can stream through", () => {
    const pipeline = compileOrThrow({ api: doc(header("x-a", "1")) });
    assert.equal(pipeline.streamThrough?.timeoutMs, 300_000);
    const timed = compileOrThrow({ api: doc("", `<forward-request timeout="7"/>`) });
    assert.equal(timed.streamThrough?.timeoutMs, 7000);
  });

  test("anything after inbound keeps the backend step", () => {
    const cases = [
      doc("", "<base/>", header("x-out", "1")),
      doc("", "<base/>", "", header("x-err", "1")),
      doc("", `<forward-request follow-redirects="true"/>`),
      doc("", `<forward-request fail-on-error-status-code="true"/>`),
      doc("", `<retry condition="@(false)" count="1" interval="1"><forward-request/></retry>`),
      doc("", "<base/>", `<set-body>@(context.Response.Body.As<string>())</set-body>`),
    ];
    for (const api of cases) assert.equal(compileOrThrow({ api }).streamThrough, undefined, api);
  });

  test("runInbound + runAfterInbound behave as runPipeline", async () => {
    const services = createFakeServices();
    const pipeline = compileOrThrow({ api: doc(header("x-a", "1"), "<base/>", header("x-out", "2")) });
    const ctx = createFakeContext({}, services);
    assert.equal(await runInbound(pipeline, ctx), true);
    assert.equal(hasPendingWork(ctx), false);
    await runAfterInbound(pipeline, ctx);
    assert.equal(services.forwardCalls.length, 1);
    assert.deepEqual(ctx.response?.headers.get("x-out"), ["2"]);
  });

  test("runInbound is false when inbound answered or failed, with the answer in ctx.response", async () => {
    const answered = compileOrThrow({ api: doc(`<return-response><set-status code="204"/></return-response>`) });
    const ctx = createFakeContext();
    assert.equal(await runInbound(answered, ctx), false);
    assert.equal(ctx.response?.statusCode, 204);
    const failing = compileOrThrow({
      api: doc(
        `<check-header name="x-key" failed-check-httpcode="401" failed-check-error-message="no" ignore-case="true"/>`,
      ),
    });
    const failed = createFakeContext();
    assert.equal(await runInbound(failing, failed), false);
    assert.equal(failed.response?.statusCode, 401);
    assert.equal(failed.lastError?.section, "inbound");
  });

  test("deferred response headers (rate-limit reporting) are pending work", async () => {
    const pipeline = compileOrThrow({
      api: doc(
        `<rate-limit-by-key calls="5" renewal-period="60" counter-key="k" remaining-calls-header-name="x-left"/>`,
      ),
    });
    const ctx = createFakeContext();
    assert.equal(await runInbound(pipeline, ctx), true);
    assert.equal(hasPendingWork(ctx), true);
  });
});
