// Usage rules from Azure's policy reference that hold for a whole document: policies allowed once per
// document (rate-limit, quota) or once per section (cache-lookup, cache-store, cors), policies not supported
// inside fragments (cache-lookup, cache-store), and retry not containing wait.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Diagnostic } from "../core/errors.js";
import { validatePolicyDocument } from "./pipeline.js";
import { emptyEnvironment } from "./test-support/fake-context.js";
import type { PolicyEnvironment, PolicyScope } from "./types.js";

const errors = (xml: string, scope: PolicyScope = "api", env: PolicyEnvironment = emptyEnvironment()): Diagnostic[] =>
  validatePolicyDocument(xml, scope, env).filter((d) => d.severity === "error");

const lookup = `<cache-lookup vary-by-developer="false" vary-by-developer-groups="false"/>`;
const cors = `<cors><allowed-origins><origin>*</origin></allowed-origins><allowed-headers><header>*</header></allowed-headers></cors>`;

describe("policies allowed once per document", () => {
  test("a second rate-limit is reported at its own line, naming the first", () => {
    const xml = [
      "<policies>",
      "  <inbound>",
      '    <rate-limit calls="10" renewal-period="60"/>',
      "    <choose>",
      '      <when condition="true">',
      '        <rate-limit calls="5" renewal-period="60"/>',
      "      </when>",
      "    </choose>",
      "  </inbound>",
      "</policies>",
    ].join("\n");
    const found = errors(xml);
    assert.equal(found.length, 1, JSON.stringify(found));
    const [d] = found as [Diagnostic];
    assert.equal(d.code, "POLICY_ERR_DUPLICATE_POLICY");
    assert.equal(d.line, 6);
    assert.equal(d.path, "inbound/choose[1]/when[1]/rate-limit[1]");
    assert.match(d.message, /<rate-limit> at line 6 may appear only once per policy document; the first is at line 3/);
  });

  test("quota twice at product scope; one of each is fine", () => {
    const quota = `<quota calls="100" renewal-period="3600"/>`;
    const twice = errors(`<policies><inbound>${quota}${quota}</inbound></policies>`, "product");
    assert.deepEqual(
      twice.map((d) => d.code),
      ["POLICY_ERR_DUPLICATE_POLICY"],
    );
    assert.deepEqual(
      errors(`<policies><inbound>${quota}<rate-limit calls="1" renewal-period="1"/></inbound></policies>`, "product"),
      [],
    );
  });

  test("a rate-limit brought in by a fragment counts too", () => {
    const env = emptyEnvironment({
      fragments: new Map([["limits", `<fragment><rate-limit calls="1" renewal-period="10"/></fragment>`]]),
    });
    const found = errors(
      `<policies><inbound><rate-limit calls="10" renewal-period="60"/><include-fragment fragment-id="limits"/></inbound></policies>`,
      "api",
      env,
    );
    assert.deepEqual(
      found.map((d) => [d.code, d.path]),
      [["POLICY_ERR_DUPLICATE_POLICY", "fragment(limits)/rate-limit[1]"]],
    );
  });

  test("rate-limit-by-key and llm-token-limit may repeat", () => {
    const byKey = (k: string) => `<rate-limit-by-key calls="1" renewal-period="1" counter-key="${k}"/>`;
    assert.deepEqual(errors(`<policies><inbound>${byKey("a")}${byKey("b")}</inbound></policies>`), []);
  });
});

describe("policies allowed once per section", () => {
  test("two cors in inbound; cache-lookup twice; cache-store twice", () => {
    assert.match(
      errors(`<policies><inbound>${cors}${cors}</inbound></policies>`)[0]?.message ?? "",
      /<cors> at line 1 may appear only once in the inbound section/,
    );
    assert.deepEqual(
      errors(`<policies><inbound>${lookup}${lookup}</inbound></policies>`).map((d) => d.code),
      ["POLICY_ERR_DUPLICATE_POLICY"],
    );
    assert.deepEqual(
      errors(`<policies><outbound><cache-store duration="10"/><cache-store duration="20"/></outbound></policies>`).map(
        (d) => d.code,
      ),
      ["POLICY_ERR_DUPLICATE_POLICY"],
    );
  });

  test("the documented cache-lookup + cache-store pair is valid", () => {
    const xml = `<policies><inbound><base/>${lookup}<rate-limit calls="10" renewal-period="60"/></inbound><outbound><cache-store duration="60"/><base/></outbound></policies>`;
    assert.deepEqual(errors(xml), []);
  });
});

describe("not inside policy fragments", () => {
  test("cache-lookup and cache-store in a fragment document or an included fragment", () => {
    const inFragment = errors(`<fragment>${lookup}</fragment>`, "fragment");
    assert.deepEqual(
      inFragment.map((d) => d.code),
      ["POLICY_ERR_NOT_IN_FRAGMENT"],
    );
    assert.match(inFragment[0]?.message ?? "", /<cache-lookup> at line 1 is not supported inside a policy fragment/);
    const env = emptyEnvironment({ fragments: new Map([["c", `<fragment><cache-store duration="5"/></fragment>`]]) });
    assert.deepEqual(
      errors(`<policies><outbound><include-fragment fragment-id="c"/></outbound></policies>`, "api", env).map(
        (d) => d.code,
      ),
      ["POLICY_ERR_NOT_IN_FRAGMENT"],
    );
  });
});

describe("retry children", () => {
  test("wait is not allowed directly inside retry", () => {
    const xml = `<policies><inbound><retry condition="true" count="1" interval="1">\n<wait for="all"/>\n</retry></inbound></policies>`;
    const found = errors(xml);
    assert.deepEqual(
      found.map((d) => [d.code, d.line]),
      [["POLICY_ERR_CHILD_NOT_ALLOWED", 2]],
    );
  });
});
