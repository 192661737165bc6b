// Content-Length request bodies on the lean front, over raw sockets: streamed to the backend with
// back-pressure, pipelined requests after a body, answers that come before the body (the rest is
// read and dropped), clients that leave mid-body, slow uploads, and a policy that reads the body.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { until } from "../../../test-support/wait.js";
import { apimPolicyEngine } from "../../default-engine.js";
import {
  openApi,
  type Seed,
  startTestGateway,
  startUpstream,
  type TestGateway,
  type Upstream,
} from "../../testing/harness.js";
import { get, json, RawConnection, sleep } from "./test-support/raw-connection.js";

const BIG = Buffer.alloc(8 * 1024 * 1024, "0123456789abcdef");
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const post = (path: string, body: Buffer | string, extra = "") =>
  Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: gw.test\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);

const SET_BODY_POLICY = `<policies>
  <inbound><base /><set-body>@("seen:" + context.Request.Body.As<string>())</set-body></inbound>
  <backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error>
</policies>`;

// An inbound that waits on a slow side call before anything reads the request body.
const slowInboundPolicy = (serviceUrl: string) => `<policies>
  <inbound><base />
    <send-request mode="new" response-variable-name="side" timeout="5">
      <set-url>${serviceUrl}/slow-side-call</set-url><set-method>GET</set-method>
    </send-request>
  </inbound>
  <backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error>
</policies>`;

const seed = (serviceUrl: string): Seed => [
  ["api", "apis/app", openApi("app", serviceUrl)],
  ["operation", "apis/app/operations/any", { displayName: "any", method: "*", urlTemplate: "/*" }],
  ["api", "apis/pol", openApi("pol", serviceUrl)],
  ["operation", "apis/pol/operations/any", { displayName: "any", method: "*", urlTemplate: "/*" }],
  ["policy", "apis/pol/policies/policy", { value: SET_BODY_POLICY }],
  ["api", "apis/side", openApi("side", serviceUrl)],
  ["operation", "apis/side/operations/any", { displayName: "any", method: "*", urlTemplate: "/*" }],
  ["policy", "apis/side/policies/policy", { value: slowInboundPolicy(serviceUrl) }],
];

describe("lean front: Content-Length request bodies", () => {
  let upstream: Upstream;
  let gw: TestGateway;
  const seen = { aborted: 0, sideCalls: 0 };
  const open: RawConnection[] = [];
  const connection = async (url = gw.url) => {
    const c = await RawConnection.open(url);
    open.push(c);
    return c;
  };

  before(async () => {
    // Answers with the body's length and hash; /slow-read reads the body slowly (back-pressure).
    upstream = await startUpstream();
    upstream.server.removeAllListeners("request");
    upstream.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith("/slow-side-call")) {
        seen.sideCalls++;
        setTimeout(() => res.end("side"), 400);
        return;
      }
      if (req.url?.startsWith("/big")) {
        // 8 MiB in 64 KiB writes; with ?chunked no Content-Length (the gateway frames it chunked).
        const chunked = req.url.includes("chunked");
        res.writeHead(200, chunked ? {} : { "content-length": String(BIG.length) });
        let at = 0;
        const more = (): void => {
          while (at < BIG.length) {
            const ok = res.write(BIG.subarray(at, at + 65_536));
            at += 65_536;
            if (!ok) return void res.once("drain", more);
          }
          res.end();
        };
        more();
        return;
      }
      const hash = createHash("sha256");
      let length = 0;
      let text = "";
      req.on("data", (c: Buffer) => {
        hash.update(c);
        length += c.length;
        if (text.length < 200) text += c.toString();
        if (req.url?.startsWith("/slow-read")) {
          req.pause();
          setTimeout(() => req.resume(), 2);
        }
      });
      req.on("aborted", () => seen.aborted++);
      req.on("end", () => {
        const out = JSON.stringify({ method: req.method, url: req.url, length, sha: hash.digest("hex"), text });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
        res.end(out);
      });
    });
    gw = await startTestGateway(seed(upstream.url), {
      engine: apimPolicyEngine,
      limits: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 },
    });
  });

  after(async () => {
    for (const c of open) c.destroy();
    await gw.close();
    await upstream.close();
  });

  test("a POST body reaches the backend, and the connection goes on with a GET", async () => {
    const c = await connection();
    c.write(post("/app/items", '{"a":1}', "Content-Type: application/json\r\n"));
    const r = await c.read();
    assert.equal(r.status, 200, r.head);
    assert.deepEqual(json(r), { method: "POST", url: "/items", length: 7, sha: sha('{"a":1}'), text: '{"a":1}' });
    c.write(get("/app/next"));
    assert.equal(json(await c.read()).url, "/next");
  });

  test("a 4 MiB body sent in one go streams through a backend that reads slowly", async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, "abcdefghij");
    const c = await connection();
    c.write(post("/app/slow-read", body));
    const r = await c.read();
    assert.equal(r.status, 200, r.head);
    assert.equal(json(r).length, body.length);
    assert.equal(json(r).sha, sha(body));
  });

  test("a body that arrives in pieces, with pauses, is complete at the backend", async () => {
    const c = await connection();
    const body = "0123456789".repeat(50);
    const whole = post("/app/pieces", body);
    for (let i = 0; i < whole.length; i += 97) {
      c.write(whole.subarray(i, i + 97));
      await sleep(5);
    }
    const r = await c.read();
    assert.equal(json(r).length, body.length);
    assert.equal(json(r).sha, sha(body));
  });

  test("a GET pipelined right after a body (one write) is answered after it, in order", async () => {
    const c = await connection();
    c.write(Buffer.concat([post("/app/first", "payload"), Buffer.from(get("/app/second")), post("/app/third", "x")]));
    const urls = [];
    for (let i = 0; i < 3; i++) urls.push(json(await c.read()).url);
    assert.deepEqual(urls, ["/first", "/second", "/third"]);
  });

  test("an answer that comes before the body (404): the rest is read and dropped, the connection goes on", async () => {
    const c = await connection();
    const body = Buffer.alloc(256 * 1024, "z");
    const whole = post("/nowhere/at-all", body);
    c.write(whole.subarray(0, 1000));
    const r = await c.read();
    assert.equal(r.status, 404);
    c.write(whole.subarray(1000));
    c.write(get("/app/after-404"));
    const next = await c.read();
    assert.equal(next.status, 200, next.head);
    assert.equal(json(next).url, "/after-404");
  });

  test("a client that leaves mid-body: the backend call is abandoned and the gateway goes on", async () => {
    const c = await connection();
    const whole = post("/app/left", Buffer.alloc(100_000, "q"));
    const before = seen.aborted;
    c.write(whole.subarray(0, 50_000));
    await sleep(100);
    c.destroy();
    await until(() => seen.aborted > before, "the backend saw the request aborted");
    const d = await connection();
    d.write(get("/app/still", "Connection: close\r\n"));
    assert.equal((await d.read()).status, 200);
  });

  test("a client that leaves mid-body before any policy reads the body does not bring the gateway down", async () => {
    const c = await connection();
    const whole = post("/side/upload", Buffer.alloc(100_000, "s"));
    const calls = seen.sideCalls;
    c.write(whole.subarray(0, 50_000));
    await until(() => seen.sideCalls > calls, "the inbound side call started");
    c.destroy(); // the body is abandoned while the pipeline still waits on its side call
    await sleep(600); // the side call answers; forward-request then meets the abandoned body
    const d = await connection();
    d.write(get("/app/still-up", "Connection: close\r\n"));
    assert.equal((await d.read()).status, 200);
  });

  test("an upload slower than requestTimeoutMs is cut", async () => {
    const c = await connection();
    const whole = post("/app/slow-upload", "x".repeat(10));
    c.write(whole.subarray(0, whole.length - 5)); // the head and half the body, then nothing
    await c.waitClosedByServer();
  });

  test("an 8 MiB answer reaches a client that stops reading for a while, framed by length or chunked", async () => {
    for (const path of ["/app/big", "/app/big?chunked"]) {
      const c = await connection();
      c.socket.pause();
      c.write(get(path));
      await sleep(300); // the gateway's socket buffer fills: back-pressure up to the backend
      c.socket.resume();
      const r = await c.read();
      assert.equal(r.status, 200, r.head);
      assert.equal(r.chunked, path.includes("chunked"));
      assert.equal(r.body.length, BIG.length);
      assert.equal(sha(r.body), sha(BIG));
      c.write(get("/app/after-big"));
      assert.equal(json(await c.read()).url, "/after-big");
    }
  });

  test("a policy that reads the body gets it (set-body from context.Request.Body)", async () => {
    const c = await connection();
    c.write(post("/pol/echo", "hello body"));
    const r = await c.read();
    assert.equal(r.status, 200, r.head);
    assert.equal(json(r).text, "seen:hello body");
    c.write(post("/pol/echo-again", "again"));
    const again = await c.read();
    assert.equal(again.status, 200, `${again.head}\n${again.body}`);
    assert.equal(json(again).text, "seen:again");
  });
});

describe("gateway.leanHttp false: node:http serves every connection", () => {
  test("the same exchanges (keep-alive GET, Content-Length POST) are answered", async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(seed(upstream.url), { leanHttp: false });
    const c = await RawConnection.open(gw.url);
    try {
      c.write(get("/app/one"));
      const one = await c.read();
      assert.equal(one.status, 200, one.head);
      c.write(post("/app/two", "body"));
      const two = await c.read();
      assert.equal(two.status, 200, two.head);
      assert.equal((json(two) as { body: string }).body, "body");
    } finally {
      c.destroy();
      await gw.close();
      await upstream.close();
    }
  });
});
