// Nothing a client or backend sends may crash or wedge the gateway: each case gets a well-formed
// answer and the gateway keeps serving the next request.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { connect, createServer as createNetServer, type Server as NetServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { apimPolicyEngine } from "./default-engine.js";
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

/** Sends raw bytes, returns everything the gateway wrote until it closed (or `waitMs` passed). */
function raw(
  url: string,
  payload: string | Buffer,
  waitMs = 3000,
  keepWriting?: (s: import("node:net").Socket) => void,
): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(payload);
    keepWriting?.(socket);
  });
}

describe("bad input from clients and backends", () => {
  let upstream: Upstream;
  let gw: TestGateway;
  let garbage: NetServer;
  let hang: NetServer;
  let closedPort: number;

  before(async () => {
    upstream = await startUpstream((req, res, body) => {
      if (req.url?.startsWith("/reset")) {
        req.socket.destroy();
        return;
      }
      if (req.url?.startsWith("/half")) {
        res.writeHead(200, { "content-length": "100" });
        res.write("only part");
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: req.url, headers: req.headers, length: body.length }));
    });
    garbage = createNetServer((s) => {
      s.on("error", () => {});
      s.once("data", () => s.end("THIS IS NOT HTTP\r\n\r\n"));
    });
    hang = createNetServer((s) => s.on("error", () => {})); // accepts, never answers
    await new Promise<void>((r) => garbage.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const api = (name: string, serviceUrl: string) =>
      [
        [
          "api",
          `apis/${name}`,
          { displayName: name, path: name, serviceUrl, protocols: ["http"], subscriptionRequired: false },
        ],
        ["operation", `apis/${name}/operations/any`, { displayName: "any", method: "*", urlTemplate: "/*" }],
      ] as const;
    // The same backends behind an inbound-only policy: the policy path streams them through.
    const withPolicy = (name: string, serviceUrl: string) =>
      [
        ...api(`p-${name}`, serviceUrl),
        [
          "policy",
          `apis/p-${name}/policies/policy`,
          {
            value: `<policies><inbound><base /><set-header name="x-p"><value>1</value></set-header></inbound><backend><forward-request timeout-ms="400" /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`,
          },
        ],
      ] as const;
    const backends: Array<[string, string]> = [
      ["ok", upstream.url],
      ["garbage", `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`],
      ["hang", `http://127.0.0.1:${(hang.address() as AddressInfo).port}`],
      ["refused", `http://127.0.0.1:${closedPort}`],
    ];
    gw = await startTestGateway(
      [...backends.flatMap(([n, u]) => api(n, u)), ...backends.flatMap(([n, u]) => withPolicy(n, u))],
      {
        engine: apimPolicyEngine,
        backendTimeoutMs: 400,
        limits: { headersTimeoutMs: 600, requestTimeoutMs: 2000, maxHeaderSize: 16 * 1024 },
      },
    );
  });

  after(async () => {
    await gw.close();
    await upstream.close();
    garbage.close();
    hang.close();
  });

  const stillServing = async () => {
    const r = await request(`${gw.url}/ok/fine`);
    assert.equal(r.statusCode, 200);
    await r.body.dump();
  };

  test("malformed request line → 400 JSON", async () => {
    const out = await raw(gw.url, "THIS IS NOT A REQUEST\r\n\r\n");
    assert.match(out, /^HTTP\/1\.1 400 /);
    assert.match(out, /"statusCode":400/);
    await stillServing();
  });

  test("request smuggling: Content-Length with Transfer-Encoding is refused", async () => {
    const out = await raw(
      gw.url,
      "POST /ok/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /ok/smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert.match(out, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(out, /smuggled/);
    const dup = await raw(
      gw.url,
      "POST /ok/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
    );
    assert.match(dup, /^HTTP\/1\.1 400 /);
    await stillServing();
  });

  test("huge headers → 431", async () => {
    const out = await raw(gw.url, `GET /ok/x HTTP/1.1\r\nHost: a\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`);
    assert.match(out, /^HTTP\/1\.1 431 /);
    await stillServing();
  });

  test("slow client (headers never finish) is cut with 408", async () => {
    const started = Date.now();
    const out = await raw(gw.url, "GET /ok/x HTTP/1.1\r\nHost: a\r\n", 5000);
    assert.match(out, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - started < 4000);
    await stillServing();
  });

  test("Connection-listed headers are not forwarded", async () => {
    const out = await raw(
      gw.url,
      "GET /ok/hop HTTP/1.1\r\nHost: a\r\nConnection: close, X-Hop\r\nX-Hop: secret\r\nX-Keep: 1\r\n\r\n",
    );
    assert.match(out, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(out, /secret/);
    assert.match(out, /"x-keep":"1"/);
  });

  test("Expect: 100-continue (curl sends it for bodies over 1 MB) is answered here, not forwarded", async () => {
    const out = await raw(
      gw.url,
      "POST /ok/upload HTTP/1.1\r\nHost: a\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    assert.match(out, /"length":5/);
    assert.doesNotMatch(out, /"expect"/);
    await stillServing();
  });

  for (const [label, prefix] of [
    ["", ""],
    ["policy path: ", "p-"],
  ] as const) {
    test(`${label}backend refuses the connection → 502 BackendConnectionFailure`, async () => {
      const r = await request(`${gw.url}/${prefix}refused/x`);
      assert.equal(r.statusCode, 502);
      const body = (await r.body.json()) as { statusCode: number; message: string };
      assert.equal(body.statusCode, 502);
      assert.match(body.message, /BackendConnectionFailure/);
      await stillServing();
    });

    test(`${label}backend resets the connection → 502`, async () => {
      const r = await request(`${gw.url}/${prefix}ok/reset`);
      assert.equal(r.statusCode, 502);
      await r.body.dump();
      await stillServing();
    });

    test(`${label}backend hangs → 504 after the forward timeout, never a hang`, async () => {
      const started = Date.now();
      const r = await request(`${gw.url}/${prefix}hang/x`);
      assert.equal(r.statusCode, 504);
      assert.match(((await r.body.json()) as { message: string }).message, /Timeout/);
      assert.ok(Date.now() - started < 3000);
      await stillServing();
    });

    test(`${label}backend answers garbage → 502`, async () => {
      const r = await request(`${gw.url}/${prefix}garbage/x`);
      assert.equal(r.statusCode, 502);
      await r.body.dump();
      await stillServing();
    });

    test(`${label}backend dies in the middle of the body → the client connection is cut, gateway survives`, async () => {
      await assert.rejects(async () => {
        const r = await request(`${gw.url}/${prefix}ok/half`);
        await r.body.text();
      });
      await stillServing();
    });
  }

  test("client aborts mid-request → gateway survives", async () => {
    await raw(gw.url, "POST /hang/x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc", 200);
    await stillServing();
  });

  test("upstream errors are counted in metrics", async () => {
    assert.match(await gw.gateway.metrics(), /moat_gateway_upstream_errors_total\{api="hang",reason="Timeout"\} [1-9]/);
  });
});
