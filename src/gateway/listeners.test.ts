// Listener behaviour: HTTPS with caller-given material, rebind without dropping in-flight requests,
// WebSocket pass-through, the internal metrics listener.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { generate } from "selfsigned";
import { Agent, request } from "undici";
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from "./testing/harness.js";

describe("listeners", () => {
  let upstream: Upstream;
  let gw: TestGateway;
  let wsBackend: ReturnType<typeof createServer>;
  let tls: { cert: string; key: string };
  const wsSockets = new Set<Socket>();

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const delay = req.url?.startsWith("/slow") ? 400 : 0;
      setTimeout(() => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`done ${req.url}`);
      }, delay);
    });
    // A WebSocket-ish backend: completes the upgrade and echoes bytes upper-cased.
    wsBackend = createServer((_req, res) => res.writeHead(426).end());
    wsBackend.on("upgrade", (req: IncomingMessage, socket: Socket) => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\n\r\n`,
      );
      socket.on("data", (d: Buffer) => socket.write(d.toString().toUpperCase()));
      // node's http server keeps upgraded sockets half-open: close when the gateway does.
      socket.on("end", () => socket.end());
      socket.on("error", () => socket.destroy());
      wsSockets.add(socket);
    });
    await new Promise<void>((r) => wsBackend.listen(0, "127.0.0.1", r));
    const wsPort = (wsBackend.address() as AddressInfo).port;
    const pems = await generate([{ name: "commonName", value: "localhost" }], { keySize: 2048, algorithm: "sha256" });
    tls = { cert: pems.cert, key: pems.private };
    gw = await startTestGateway(
      [
        [
          "api",
          "apis/a",
          {
            displayName: "a",
            path: "a",
            serviceUrl: upstream.url,
            protocols: ["http", "https"],
            subscriptionRequired: false,
          },
        ],
        ["operation", "apis/a/operations/any", { displayName: "any", method: "GET", urlTemplate: "/*" }],
        [
          "api",
          "apis/ws",
          {
            displayName: "ws",
            path: "ws",
            serviceUrl: `ws://127.0.0.1:${wsPort}/chat`,
            protocols: ["ws", "wss"],
            apiType: "websocket",
            subscriptionRequired: false,
          },
        ],
      ],
      {
        addresses: [
          { host: "127.0.0.1", port: 0 },
          { host: "127.0.0.1", port: 0, tls },
        ],
        metricsAddress: { host: "127.0.0.1", port: 0 },
        limits: { drainTimeoutMs: 3000 },
      },
    );
  });

  after(async () => {
    await gw.close();
    await upstream.close();
    for (const s of wsSockets) s.destroy();
    wsBackend.closeAllConnections();
    wsBackend.close();
  });

  test("HTTPS listener serves with the given certificate", async () => {
    const https = gw.gateway.addresses().find((a) => a.secure);
    assert.ok(https);
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const r = await request(`https://127.0.0.1:${https.port}/a/x`, { dispatcher });
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), "done /x");
    await dispatcher.close();
  });

  test("rebind opens new addresses and lets in-flight requests finish", async () => {
    const before = gw.gateway.addresses().find((a) => !a.secure);
    assert.ok(before);
    const inflight = request(`http://127.0.0.1:${before.port}/a/slow`).then(async (r) => ({
      status: r.statusCode,
      text: await r.body.text(),
    }));
    await new Promise((r) => setTimeout(r, 100));
    const bound = await gw.gateway.rebind([{ host: "127.0.0.1", port: 0 }]);
    const done = await inflight;
    assert.equal(done.status, 200);
    assert.equal(done.text, "done /slow");
    const fresh = bound[0];
    assert.ok(fresh);
    assert.notEqual(fresh.port, before.port);
    const r = await request(`http://127.0.0.1:${fresh.port}/a/y`);
    assert.equal(r.statusCode, 200);
    await r.body.dump();
    await assert.rejects(request(`http://127.0.0.1:${before.port}/a/y`));
  });

  test("WebSocket upgrade is tunneled to the backend", async () => {
    const port = gw.gateway.addresses()[0]?.port;
    const socket = connect(port ?? 0, "127.0.0.1");
    const received: string[] = [];
    const got = new Promise<string>((resolve) => {
      socket.on("data", (d: Buffer) => {
        received.push(d.toString());
        const all = received.join("");
        if (all.includes("\r\n\r\n") && !all.includes("PING")) socket.write("ping");
        if (all.includes("PING")) resolve(all);
      });
    });
    socket.write(
      "GET /ws/room1?x=1 HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    const text = await got;
    assert.match(text, /^HTTP\/1\.1 101 /);
    assert.match(text, /X-Path: \/chat\/room1\?x=1/);
    socket.destroy();
  });

  test("upgrade to an unknown API is answered 404", async () => {
    const port = gw.gateway.addresses()[0]?.port;
    const out = await new Promise<string>((resolve) => {
      const s = connect(port ?? 0, "127.0.0.1");
      let buf = "";
      s.on("data", (d: Buffer) => {
        buf += d.toString();
      });
      s.on("close", () => resolve(buf));
      s.write("GET /nope HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    });
    assert.match(out, /^HTTP\/1\.1 404 /);
    assert.match(out, /Resource not found/);
  });

  test("metrics listener exposes Prometheus text at /metrics only", async () => {
    const at = gw.gateway.metricsAddress;
    assert.ok(at);
    const r = await request(`http://127.0.0.1:${at.port}/metrics`);
    assert.equal(r.statusCode, 200);
    assert.match(await r.body.text(), /moat_gateway_requests_total/);
    const other = await request(`http://127.0.0.1:${at.port}/other`);
    assert.equal(other.statusCode, 404);
    await other.body.dump();
  });
});
