// The lean front behind TLS: an HTTPS listener serves keep-alive requests and Content-Length bodies
// itself once the handshake is done, marks them secure (X-Forwarded-Proto: https), and hands a
// connection to node:https, mid-connection and over TLS, at a chunked body.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generate } from "selfsigned";
import { openApi, startTestGateway, startUpstream, type TestGateway, type Upstream } from "../../testing/harness.js";
import { get, json, RawConnection } from "./test-support/raw-connection.js";

describe("lean front over TLS", () => {
  let upstream: Upstream;
  let gw: TestGateway;
  let port = 0;
  const open: RawConnection[] = [];
  const connection = async () => {
    const c = await RawConnection.openTls("127.0.0.1", port);
    open.push(c);
    return c;
  };

  before(async () => {
    upstream = await startUpstream(); // echoes method, url, headers and body as JSON
    const pems = await generate([{ name: "commonName", value: "localhost" }], { keySize: 2048, algorithm: "sha256" });
    gw = await startTestGateway(
      [
        ["api", "apis/a", openApi("a", upstream.url, { protocols: ["https"] })],
        ["operation", "apis/a/operations/any", { displayName: "any", method: "*", urlTemplate: "/*" }],
      ],
      { addresses: [{ host: "127.0.0.1", port: 0, tls: { cert: pems.cert, key: pems.private } }] },
    );
    port = gw.gateway.addresses()[0]?.port ?? 0;
  });

  after(async () => {
    for (const c of open) c.destroy();
    await gw.close();
    await upstream.close();
  });

  test("keep-alive GETs and a Content-Length POST on one TLS connection, forwarded as https", async () => {
    const c = await connection();
    for (let i = 0; i < 3; i++) {
      c.write(get(`/a/item/${i}`));
      const r = await c.read();
      assert.equal(r.status, 200, r.head);
      const echoed = json(r) as { url: string; headers: Record<string, string> };
      assert.equal(echoed.url, `/item/${i}`);
      assert.equal(echoed.headers["x-forwarded-proto"], "https");
    }
    const body = '{"over":"tls"}';
    c.write(`POST /a/items HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const r = await c.read();
    assert.equal(r.status, 200, r.head);
    assert.equal((json(r) as { body: string }).body, body);
  });

  test("a chunked POST hands the TLS connection to node:https, which serves it and what follows", async () => {
    const c = await connection();
    c.write(get("/a/first"));
    assert.equal(json(await c.read()).url, "/first");
    c.write(
      `POST /a/chunked HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n${get("/a/after")}`,
    );
    const post = await c.read();
    assert.equal(post.status, 200, post.head);
    assert.equal((json(post) as { body: string }).body, "hello");
    assert.equal(json(await c.read()).url, "/after");
  });

  test("plain HTTP is not served on the TLS port (the handshake fails, nothing reaches the handler)", async () => {
    const plain = await RawConnection.open(`http://127.0.0.1:${port}`);
    open.push(plain);
    plain.write(get("/a/plain"));
    await plain.waitClosedByServer();
  });
});
