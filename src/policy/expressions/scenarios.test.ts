// Real corpus expressions (taken verbatim from the sample policies) evaluated end to end against
// realistic requests: the results a .NET gateway would produce.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { sharedPath } from "../../test-support/shared-dir.js";
import { compileExpression, toPolicyString } from "./index.js";
import type { FakeContextOptions } from "./test-support.js";
import { extractExpressions, fakeContext } from "./test-support.js";

const ROOT = `${sharedPath("corpus/policies")}/`;

/** The first expression in `file` whose source contains `marker`. */
function corpusExpression(file: string, marker: string): string {
  const found = extractExpressions(file, readFileSync(ROOT + file, "utf8")).find((e) => e.source.includes(marker));
  assert.ok(found, `${file}: no expression containing ${marker}`);
  return found.source;
}

function evaluate(source: string, options: FakeContextOptions): unknown {
  const r = compileExpression(source, { path: "scenario", line: 1, column: 1 });
  assert.ok(r.expression, r.diagnostics.map((d) => d.message).join("; "));
  return r.expression.evaluate(fakeContext(options));
}

test("IP filter with CIDR math in local functions (Application Gateway sample)", () => {
  const source = corpusExpression(
    "policy-snippets/examples/Filter on IP Address when using Application Gateway.policy.xml",
    "HostToNetworkOrder",
  );
  // Named values were substituted with "1" by the extractor: a match returns "1".
  assert.equal(evaluate(source, { headers: { "x-forwarded-for": "10.1.2.3:51234" } }), "1");
  assert.equal(evaluate(source, { headers: { "x-forwarded-for": "192.168.7.9" } }), "1");
  assert.equal(evaluate(source, { headers: { "x-forwarded-for": "8.8.8.8" } }), "8.8.8.8");
  assert.equal(evaluate(source, { headers: { "x-forwarded-for": "172.32.0.1" } }), "172.32.0.1");
});

test("cache duration from the backend's Cache-Control header", () => {
  const source = corpusExpression(
    "policy-snippets/examples/Set cache duration using response cache control header.policy.xml",
    "max-age",
  );
  assert.equal(evaluate(source, { response: { headers: { "cache-control": "public, max-age=120" } } }), 120);
  assert.equal(evaluate(source, { response: { headers: { "cache-control": "no-cache" } } }), 300);
});

test("PKCE code challenge (RFC 7636 appendix B)", () => {
  const source = corpusExpression(
    "ai-gateway/labs/mcp-client-authorization/src/apim-oauth/authorize.policy.xml",
    "sha256.ComputeHash",
  );
  const result = evaluate(source, { variables: { codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" } });
  assert.equal(result, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
});

test("correlation id built from Guid bytes and shifted ticks", () => {
  const source = corpusExpression(
    "policy-snippets/examples/Add correlation id to inbound request.policy.xml",
    "guidBinary",
  );
  const id = toPolicyString(evaluate(source, { nowMs: Date.UTC(2026, 10, 27) }));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test("AES cookie encryption round trip (oauth-proxy sample)", () => {
  const key = Buffer.alloc(32, 7).toString("base64");
  const iv = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
  const encrypt = corpusExpression(
    "policy-snippets/examples/oauth-proxy/oauth-proxy-callback.xml",
    "cookie.Encrypt",
  ).replaceAll('Convert.FromBase64String("1")', `Convert.FromBase64String("${key}")`);
  const sealed = toPolicyString(evaluate(encrypt, { variables: { "cookie-prefix": "session-data", ivCookie: iv } }));
  const [cipher, ivText, keyIndex] = sealed.split(".");
  assert.equal(ivText, iv);
  assert.equal(keyIndex, "1");
  const decrypt = corpusExpression(
    "policy-snippets/examples/oauth-proxy/oauth-proxy-session-fragment.xml",
    "cookieBytes.Decrypt",
  ).replaceAll('Convert.FromBase64String("1")', `Convert.FromBase64String("${key}")`);
  assert.equal(
    evaluate(decrypt, { variables: { encryptedCookie: cipher, ivCookie: iv, cookieKey: "1" } }),
    "session-data",
  );
});

test("form body parsing in the MCP consent flow", () => {
  const source = corpusExpression(
    "ai-gateway/labs/mcp-client-authorization/src/apim-oauth/consent.policy.xml",
    'keyValue[0] == "client_id"',
  );
  assert.equal(evaluate(source, { variables: { form_body: "state=s&client_id=my%20app&x=1" } }), "my app");
  assert.equal(
    evaluate(source, { url: "https://gw.test/consent?client_id=from-query", variables: { form_body: "" } }),
    "from-query",
  );
});

test("cookie lookup with LINQ and null-conditional indexers", () => {
  const source = corpusExpression(
    "policy-snippets/examples/oauth-proxy/oauth-proxy-session-fragment.xml",
    "SingleOrDefault",
  );
  assert.equal(evaluate(source, { headers: { cookie: "a=1; 1=secret; b=2" } }), "secret");
  assert.equal(evaluate(source, { headers: { cookie: "a=1" } }), "");
  assert.equal(evaluate(source, {}), "");
});

test("AWS SigV4 payload hash (Bedrock lab)", () => {
  const source = corpusExpression("ai-gateway/labs/aws-bedrock/policy.xml", "BitConverter.ToString(hash)");
  assert.equal(
    evaluate(source, { body: "{}", method: "POST" }),
    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  );
});

test("XML reading: XmlReader loop, XmlDocument XPath, XDocument LINQ", () => {
  const reader = corpusExpression("policy-snippets/examples/Extract value from XML.xml", "XmlReader.Create");
  assert.equal(evaluate(reader, {}), "ABCDEF123456789");
  const xpath = corpusExpression(
    "policy-snippets/examples/Return a blob URL signed with a user delegation SAS token.xml",
    "LoadXml",
  );
  const key =
    "<UserDelegationKey><SignedOid>oid</SignedOid><SignedTid>tid</SignedTid><SignedStart>2026-11-27T00:00:00Z</SignedStart>" +
    "<SignedExpiry>2026-11-28T00:00:00Z</SignedExpiry><SignedService>b</SignedService><SignedVersion>2020-12-06</SignedVersion>" +
    `<Value>${Buffer.alloc(32, 1).toString("base64")}</Value></UserDelegationKey>`;
  const response = {
    statusCode: 200,
    statusReason: "OK",
    headers: new Map(),
    body: { buffered: true, bytes: Buffer.from(key) },
  };
  const sas = toPolicyString(
    evaluate(xpath, {
      variables: { userdelegationkey: response, blobUri: "https://acct.blob.core.windows.net/c/b.txt" },
      matchedParameters: { storageAccountName: "3600", containerName: "c", blobName: "b.txt" },
    }),
  );
  assert.match(sas, /skoid=oid/);
  assert.match(sas, /sig=/);
  const linq = corpusExpression(
    "policy-snippets/examples/Extracting multiple values from xml documents.policy.xml",
    "XDocument.Parse",
  );
  const soap = "<r><conditionValue>yes</conditionValue><value1>1</value1><value3>3</value3></r>";
  const result = evaluate(linq, {
    variables: {
      sendRequestResponse: {
        statusCode: 200,
        statusReason: "OK",
        headers: new Map(),
        body: { buffered: true, bytes: Buffer.from(soap) },
      },
    },
  });
  assert.equal(toPolicyString(result).replace(/\s/g, ""), '{"conditionValue":"yes","value1":"1","value3":"3"}');
});
