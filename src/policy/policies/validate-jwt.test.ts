import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import type { JWK } from "jose";
import { SignJWT } from "jose";
import selfsigned from "selfsigned";
import { bodyOf, createFakeServices } from "../test-support/fake-context.js";
import { compileOrThrow, documentWith, runStatements, runWith } from "../test-support/run.js";

const secret = Buffer.from("moat-test-secret-moat-test-secret-123456");
const secretB64 = secret.toString("base64");
const NOW_S = Math.floor(Date.UTC(2026, 0, 1) / 1000);

async function hs256(claims: Record<string, unknown>, expOffsetS = 600): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(NOW_S)
    .setExpirationTime(NOW_S + expOffsetS)
    .sign(secret);
}

const policy = (
  extra = "",
) => `<validate-jwt header-name="Authorization" failed-validation-httpcode="401" failed-validation-error-message="Unauthorized. Access token is missing or invalid." output-token-variable-name="jwt">
  <issuer-signing-keys><key>${secretB64}</key></issuer-signing-keys>
  <audiences><audience>api://moat</audience></audiences>
  <issuers><issuer>https://issuer.test/</issuer></issuers>
  ${extra}
</validate-jwt>`;

describe("validate-jwt with an inline symmetric key", () => {
  test("accepts a valid token and exposes it as a variable", async () => {
    const token = await hs256({ aud: "api://moat", iss: "https://issuer.test/", sub: "alice" });
    const ctx = await runStatements(policy(), { request: { headers: { authorization: `Bearer ${token}` } } });
    assert.equal(ctx.response?.statusCode, 200);
    assert.equal((ctx.variables.get("jwt") as { Subject: string }).Subject, "alice");
    const used = await runStatements(
      `${policy()}<set-header name="x-sub" exists-action="override"><value>@(((Jwt)context.Variables["jwt"]).Subject)</value></set-header>`,
      { request: { headers: { authorization: `Bearer ${token}` } } },
    );
    assert.deepEqual(used.request.headers.get("x-sub"), ["alice"]);
  });

  const cases: Array<[string, () => Promise<string | undefined>, string]> = [
    ["missing token", async () => undefined, "TokenNotPresent"],
    ["wrong audience", () => hs256({ aud: "api://other", iss: "https://issuer.test/" }), "TokenAudienceNotAllowed"],
    ["wrong issuer", () => hs256({ aud: "api://moat", iss: "https://evil.test/" }), "TokenIssuerNotAllowed"],
    ["expired", () => hs256({ aud: "api://moat", iss: "https://issuer.test/" }, -10), "TokenExpired"],
    [
      "bad signature",
      async () => `${(await hs256({ aud: "api://moat", iss: "https://issuer.test/" })).slice(0, -3)}abc`,
      "TokenSignatureInvalid",
    ],
    ["garbage", async () => "not.a.jwt", "JwtInvalid"],
  ];
  for (const [name, make, reason] of cases) {
    test(`${name} → 401 ${reason}`, async () => {
      const token = await make();
      const ctx = await runStatements(policy(), {
        request: { headers: token ? { authorization: `Bearer ${token}` } : {} },
      });
      assert.equal(ctx.response?.statusCode, 401);
      assert.equal(ctx.lastError?.reason, reason);
      assert.equal(JSON.parse(bodyOf(ctx.response)).message, "Unauthorized. Access token is missing or invalid.");
    });
  }

  test("required claims: all / any with separators", async () => {
    const claims = `<required-claims><claim name="scp" match="all" separator=" "><value>read</value><value>write</value></claim><claim name="roles" match="any"><value>admin</value><value>ops</value></claim></required-claims>`;
    const good = await hs256({ aud: "api://moat", iss: "https://issuer.test/", scp: "read write", roles: ["ops"] });
    assert.equal(
      (await runStatements(policy(claims), { request: { headers: { authorization: `Bearer ${good}` } } })).response
        ?.statusCode,
      200,
    );
    const bad = await hs256({ aud: "api://moat", iss: "https://issuer.test/", scp: "read", roles: ["ops"] });
    const ctx = await runStatements(policy(claims), { request: { headers: { authorization: `Bearer ${bad}` } } });
    assert.equal(ctx.lastError?.reason, "TokenClaimValueNotAllowed");
  });
});

describe("validate-jwt with OpenID Connect metadata", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = (kid: string): JWK => ({ ...(publicKey.export({ format: "jwk" }) as JWK), kid, use: "sig" });
  const sign = (kid: string) =>
    new SignJWT({ aud: "api://moat" })
      .setProtectedHeader({ alg: "RS256", kid })
      .setExpirationTime(NOW_S + 600)
      .sign(privateKey);

  test("keys are fetched once, cached for an hour, and refetched on an unknown kid at most every 5 minutes", async () => {
    const services = createFakeServices();
    let kids = ["k1"];
    services.httpHandler = (req) => {
      const body = req.url.endsWith("/openid")
        ? { issuer: "https://login.test/", jwks_uri: "https://login.test/keys" }
        : { keys: kids.map(jwk) };
      return { statusCode: 200, statusReason: "OK", headers: [], body: Buffer.from(JSON.stringify(body)) };
    };
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<validate-jwt header-name="Authorization"><openid-config url="https://login.test/openid"/><audiences><audience>api://moat</audience></audiences></validate-jwt>`,
      ),
    });
    const call = async (kid: string) =>
      (await runWith(pipeline, services, { headers: { authorization: `Bearer ${await sign(kid)}` } })).response
        ?.statusCode;
    assert.equal(await call("k1"), 200);
    assert.equal(await call("k1"), 200);
    assert.equal(services.httpCalls.length, 2);
    kids = ["k1", "k2"];
    services.clock.advance(60_000);
    assert.equal(await call("k2"), 401, "within 5 minutes of the last fetch: no refetch");
    assert.equal(services.httpCalls.length, 2);
    services.clock.advance(5 * 60_000);
    assert.equal(await call("k2"), 200, "unknown kid after 5 minutes: refetched");
    assert.equal(services.httpCalls.length, 4);
  });

  test("RSA key given inline as n and e", async () => {
    const { n, e } = jwk("x");
    const ctx = await runStatements(
      `<validate-jwt header-name="Authorization"><issuer-signing-keys><key n="${n}" e="${e}"/></issuer-signing-keys></validate-jwt>`,
      { request: { headers: { authorization: `Bearer ${await sign("x")}` } } },
    );
    assert.equal(ctx.response?.statusCode, 200);
  });
});

describe("validate-azure-ad-token", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const tenant = "11111111-2222-3333-4444-555555555555";
  test("uses the tenant's Entra ID metadata, issuers and allowed client applications", async () => {
    const services = createFakeServices();
    services.httpHandler = (req) => {
      const body = req.url.includes(".well-known")
        ? {
            issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
            jwks_uri: "https://login.microsoftonline.com/keys",
          }
        : { keys: [{ ...(publicKey.export({ format: "jwk" }) as JWK), kid: "e1" }] };
      return { statusCode: 200, statusReason: "OK", headers: [], body: Buffer.from(JSON.stringify(body)) };
    };
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<validate-azure-ad-token tenant-id="${tenant}"><client-application-ids><application-id>app-1</application-id></client-application-ids><audiences><audience>api://moat</audience></audiences></validate-azure-ad-token>`,
      ),
    });
    const token = (appid: string) =>
      new SignJWT({ aud: "api://moat", iss: `https://login.microsoftonline.com/${tenant}/v2.0`, appid })
        .setProtectedHeader({ alg: "RS256", kid: "e1" })
        .setExpirationTime(NOW_S + 600)
        .sign(privateKey);
    const ok = await runWith(pipeline, services, { headers: { authorization: `Bearer ${await token("app-1")}` } });
    assert.equal(ok.response?.statusCode, 200);
    assert.equal(
      services.httpCalls[0]?.url,
      `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`,
    );
    const other = await runWith(pipeline, services, { headers: { authorization: `Bearer ${await token("app-2")}` } });
    assert.equal(other.lastError?.reason, "TokenClientApplicationNotAllowed");
    assert.equal(other.lastError?.source, "validate-azure-ad-token");
  });
});

describe("validate-jwt with a certificate by id", () => {
  test("the certificate's public key verifies the token", async () => {
    const pems = await selfsigned.generate([{ name: "commonName", value: "signer" }], { keySize: 2048 });
    const services = createFakeServices();
    services.certificates.set("signer", { cert: pems.cert });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setExpirationTime(NOW_S + 60)
      .sign(createPrivateKey(pems.private));
    const pipeline = compileOrThrow({
      api: documentWith(
        "inbound",
        `<validate-jwt header-name="Authorization"><issuer-signing-keys><key certificate-id="signer"/></issuer-signing-keys></validate-jwt>`,
      ),
    });
    assert.equal(
      (await runWith(pipeline, services, { headers: { authorization: `Bearer ${token}` } })).response?.statusCode,
      200,
    );
    const forged = `${token.slice(0, -4)}AAAA`;
    assert.equal(
      (await runWith(pipeline, services, { headers: { authorization: `Bearer ${forged}` } })).response?.statusCode,
      401,
    );
  });
});
