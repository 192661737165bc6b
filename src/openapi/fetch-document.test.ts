import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { MoatError } from "../core/errors.js";
import { fetchOpenApiDocument } from "./fetch-document.js";
import { importOpenApi } from "./import.js";

const spec = `openapi: 3.0.0
info: { title: Linked, version: "1" }
servers: [{ url: /backend }]
paths:
  /ping: { get: { responses: { "200": { description: pong } } } }
`;

describe("fetchOpenApiDocument", () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/spec.yaml") {
        res.writeHead(200, { "content-type": "application/yaml" }).end(spec);
      } else if (req.url === "/moved") {
        res.writeHead(302, { location: "/spec.yaml" }).end();
      } else if (req.url === "/big") {
        res.writeHead(200, { "content-length": "100000" }).end("x".repeat(100000));
      } else if (req.url === "/chunked-big") {
        // No content-length: the size limit must apply while streaming.
        res.writeHead(200);
        for (let i = 0; i < 100; i++) res.write("y".repeat(1000));
        res.end();
      } else if (req.url === "/slow") {
        res.writeHead(200);
        res.write("{");
        // never finishes; the client gives up
      } else {
        res.writeHead(404).end("no");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const opts = { timeoutMs: 2000, maxBytes: 10_000 };

  test("downloads a document and imports it, resolving relative servers against the link", async () => {
    const fetched = await fetchOpenApiDocument(`${base}/moved`, opts);
    assert.equal(fetched.text, spec);
    const result = await importOpenApi(fetched.text, { apiId: "linked", sourceUrl: fetched.url });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.api.serviceUrl, `${base}/backend`);
    assert.deepEqual(
      result.operations.map((o) => o.id),
      ["get-ping"],
    );
  });

  const failures: Array<[string, string, Partial<typeof opts>?]> = [
    ["/missing", "OPENAPI_ERR_FETCH_STATUS"],
    ["/big", "OPENAPI_ERR_FETCH_TOO_LARGE"],
    ["/chunked-big", "OPENAPI_ERR_FETCH_TOO_LARGE"],
    ["/slow", "OPENAPI_ERR_FETCH_TIMEOUT", { timeoutMs: 200 }],
  ];
  for (const [path, code, override] of failures) {
    test(`${path} fails with ${code}`, async () => {
      await assert.rejects(fetchOpenApiDocument(`${base}${path}`, { ...opts, ...override }), (error: MoatError) => {
        assert.equal(error.code, code, error.message);
        return true;
      });
    });
  }

  test("refuses non-http URLs and closed ports clearly", async () => {
    await assert.rejects(fetchOpenApiDocument("file:///etc/passwd", opts), { code: "OPENAPI_ERR_FETCH_URL" });
    await assert.rejects(fetchOpenApiDocument("not a url", opts), { code: "OPENAPI_ERR_FETCH_URL" });
    await assert.rejects(fetchOpenApiDocument("http://127.0.0.1:1/x", opts), { code: "OPENAPI_ERR_FETCH_FAILED" });
  });
});
