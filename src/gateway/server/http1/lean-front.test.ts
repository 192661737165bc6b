// The lean HTTP/1.1 front over real sockets: a gateway from the test harness, a backend from the
// harness's node upstream, and raw bytes written and read with node:net (no HTTP client in between,
// so framing, ordering and connection handling are what the front actually does).
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, describe, test } from "node:test";
import { until } from "../../../test-support/wait.js";
import {
  openApi,
  type Seed,
  startTestGateway,
  startUpstream,
  type TestGateway,
  type Upstream,
} from "../../testing/harness.js";
import { get, header, json, RawConnection, type RawResponse, sleep, WAIT_MS } from "./test-support/raw-connection.js";

function assertKeptAlive(r: RawResponse): void {
  assert.equal(header(r, "connection"), "keep-alive", r.head);
  assert.match(header(r, "keep-alive") ?? "", /^timeout=\d+$/, r.head);
}

/** The backend: echoes method, url and body as JSON with a Content-Length, with a few special paths. */
function backend(events: { slowStarted: number; slowFinished: number; slowAborted: number }) {
  return (req: IncomingMessage, res: import("node:http").ServerResponse, body: Buffer): void => {
    const url = req.url ?? "";
    if (url.startsWith("/chunked")) {
      // No Content-Length: node frames this chunked, in several writes with pauses between.
      res.writeHead(200, { "content-type": "text/plain", "x-backend": "chunked" });
      res.write("part-1;");
      setTimeout(() => {
        res.write("part-2;");
        setTimeout(() => res.end("part-3"), 20);
      }, 20);
      return;
    }
    if (url.startsWith("/hop")) {
      // Hop-by-hop headers the gateway must not pass on, next to ones it must (Date kept as sent).
      res.writeHead(200, {
        "content-type": "text/plain",
        "content-length": "2",
        "keep-alive": "timeout=1",
        "proxy-authenticate": "Basic",
        // Named in Connection: hop-by-hop as well (RFC 9110 §7.6.1).
        connection: "X-Hop-Only",
        "X-Hop-Only": "secret",
        "X-Kept": "yes",
        date: "Mon, 01 Jan 2024 00:00:00 GMT",
      });
      res.end("ok");
      return;
    }
    if (url.startsWith("/head")) {
      const text = "eleven byte";
      res.writeHead(200, { "content-type": "text/plain", "content-length": String(Buffer.byteLength(text)) });
      res.end(req.method === "HEAD" ? undefined : text);
      return;
    }
    const text = JSON.stringify({ method: req.method, url, body: body.toString() });
    const send = () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
      res.end(text);
    };
    if (url.startsWith("/slow") || url.startsWith("/hold")) {
      // /slow answers after 300 ms, /hold after 2 s (for clients that leave before).
      events.slowStarted++;
      res.on("close", () => {
        if (!res.writableFinished) events.slowAborted++;
      });
      setTimeout(
        () => {
          if (!res.destroyed) send();
          events.slowFinished++;
        },
        url.startsWith("/hold") ? 2_000 : 300,
      );
      return;
    }
    send();
  };
}

const seed = (serviceUrl: string): Seed => [
  ["api", "apis/app", openApi("app", serviceUrl)],
  ["operation", "apis/app/operations/any", { displayName: "any", method: "*", urlTemplate: "/*" }],
];

describe("lean HTTP/1.1 front over raw sockets", () => {
  let upstream: Upstream;
  let gw: TestGateway;
  const events = { slowStarted: 0, slowFinished: 0, slowAborted: 0 };
  const open: RawConnection[] = [];
  const connection = async (url = gw.url, allowHalfOpen = false) => {
    const c = await RawConnection.open(url, allowHalfOpen);
    open.push(c);
    return c;
  };

  before(async () => {
    upstream = await startUpstream(backend(events));
    gw = await startTestGateway(seed(upstream.url), { backendTimeoutMs: 2_000 });
  });

  after(async () => {
    for (const c of open) c.destroy();
    await gw.close();
    await upstream.close();
  });

  /** A fresh connection answers a GET (the gateway still serves). */
  const stillServing = async () => {
    const c = await connection();
    c.write(get("/app/still", "Connection: close\r\n"));
    const r = await c.read();
    assert.equal(r.status, 200);
    assert.equal(json(r).url, "/still");
    c.destroy();
  };

  test("several GETs on one keep-alive connection are all answered", async () => {
    const c = await connection();
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      c.write(get(`/app/item/${i}?q=${i}`, "X-Trace: t\r\n"));
      const r = await c.read();
      assert.equal(r.status, 200, r.head);
      assert.equal(header(r, "content-type"), "application/json");
      assert.deepEqual(json(r), { method: "GET", url: `/item/${i}?q=${i}`, body: "" });
      assert.equal(header(r, "content-length"), String(r.body.length));
      assert.ok(header(r, "date"), "Date header");
      assertKeptAlive(r);
      const id = header(r, "x-request-id");
      assert.ok(id, "x-request-id header");
      ids.add(id);
    }
    assert.equal(ids.size, 5, "each request has its own id");
    assert.equal(c.unread.length, 0, "no stray bytes after the answers");
    assert.equal(c.closed || c.ended, false);
  });

  test("the backend's hop-by-hop headers stay behind; its others, Date included, come through once", async () => {
    const c = await connection();
    c.write(get("/app/hop"));
    const r = await c.read();
    assert.equal(r.status, 200, r.head);
    assert.equal(r.body.toString(), "ok");
    assert.equal(header(r, "x-kept"), "yes");
    assert.deepEqual(r.headers.get("date"), ["Mon, 01 Jan 2024 00:00:00 GMT"]);
    assert.deepEqual(r.headers.get("content-length"), ["2"]);
    assert.equal(r.headers.get("proxy-authenticate"), undefined);
    assert.equal(r.headers.get("x-hop-only"), undefined);
    assert.deepEqual(r.headers.get("connection"), ["keep-alive"]);
    assert.equal(r.headers.get("keep-alive")?.length, 1);
    assert.notEqual(header(r, "keep-alive"), "timeout=1");
  });

  test("three pipelined GETs in one write are answered in order", async () => {
    const c = await connection();
    // The first one slow: the others must wait for it, not overtake it.
    c.write(get("/app/slow/1") + get("/app/p/2") + get("/app/p/3"));
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await c.read();
      assert.equal(r.status, 200, r.head);
      assertKeptAlive(r);
      urls.push(json(r).url as string);
    }
    assert.deepEqual(urls, ["/slow/1", "/p/2", "/p/3"]);
    // Still usable.
    c.write(get("/app/p/4"));
    assert.equal(json(await c.read()).url, "/p/4");
  });

  test("a GET then a chunked POST on the same connection (handed to node:http mid-connection)", async () => {
    const c = await connection();
    c.write(get("/app/first"));
    const first = await c.read();
    assert.equal(first.status, 200);
    assert.equal(json(first).url, "/first");
    assertKeptAlive(first);

    const body = '{"hello":"world"}';
    c.write(
      `POST /app/items HTTP/1.1\r\nHost: gw.test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    const second = await c.read();
    assert.equal(second.status, 200, second.head);
    assert.deepEqual(json(second), { method: "POST", url: "/items", body });
    assert.ok(header(second, "x-request-id"));

    // node:http now owns the connection; it keeps serving it.
    c.write(get("/app/third"));
    const third = await c.read();
    assert.equal(third.status, 200);
    assert.equal(json(third).url, "/third");
  });

  test("a GET and a chunked POST pipelined in one write: the bytes already read reach node:http", async () => {
    const c = await connection();
    const body = "x=1&y=2";
    c.write(
      `${get("/app/a")}POST /app/form HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n${get("/app/b")}`,
    );
    const a = await c.read();
    const post = await c.read();
    const b = await c.read();
    assert.equal(json(a).url, "/a");
    assert.deepEqual(json(post), { method: "POST", url: "/form", body });
    assert.equal(json(b).url, "/b");
  });

  test("a request head split across two writes is answered", async () => {
    const c = await connection();
    c.write("GET /app/split?x=1 HTTP/1.1\r\nHo");
    await sleep(50);
    c.write("st: gw.test\r\nX-A: b\r\n\r\n");
    const r = await c.read();
    assert.equal(r.status, 200, r.head);
    assert.equal(json(r).url, "/split?x=1");
    // And the connection goes on.
    c.write(get("/app/after-split"));
    assert.equal(json(await c.read()).url, "/after-split");
  });

  test("a lean request whose successor arrives split: both answered", async () => {
    const c = await connection();
    c.write(`${get("/app/whole")}GET /app/half HTTP/1.1\r\n`);
    const first = await c.read();
    assert.equal(json(first).url, "/whole");
    await sleep(30);
    c.write("Host: gw.test\r\n\r\n");
    const second = await c.read();
    assert.equal(json(second).url, "/half");
  });

  test("Connection: close → answered with Connection: close, then the server closes", async () => {
    const c = await connection();
    c.write(get("/app/bye", "Connection: close\r\n"));
    const r = await c.read();
    assert.equal(r.status, 200);
    assert.equal(json(r).url, "/bye");
    assert.equal(header(r, "connection"), "close");
    assert.equal(header(r, "keep-alive"), undefined);
    await c.waitClosedByServer();
    assert.equal(c.unread.length, 0);
  });

  test("HEAD → headers with the backend's Content-Length and no body; the connection stays usable", async () => {
    const c = await connection();
    c.write(`HEAD /app/head HTTP/1.1\r\nHost: gw.test\r\n\r\n`);
    const r = await c.read(true);
    assert.equal(r.status, 200, r.head);
    assert.equal(header(r, "content-length"), "11");
    assert.equal(header(r, "transfer-encoding"), undefined);
    assertKeptAlive(r);
    await sleep(50);
    assert.equal(c.unread.length, 0, `body bytes after a HEAD answer: ${c.unread.toString("latin1")}`);
    c.write(get("/app/head"));
    const g = await c.read();
    assert.equal(g.status, 200);
    assert.equal(g.body.toString(), "eleven byte");
  });

  test("a backend answer without Content-Length reaches the client chunked and complete", async () => {
    const c = await connection();
    c.write(get("/app/chunked"));
    const r = await c.read();
    assert.equal(r.status, 200, r.head);
    assert.equal(r.chunked, true);
    assert.equal(header(r, "x-backend"), "chunked");
    assert.equal(r.body.toString(), "part-1;part-2;part-3");
    assertKeptAlive(r);
    c.write(get("/app/after-chunked"));
    assert.equal(json(await c.read()).url, "/after-chunked");
  });

  test("CL+TE smuggling attempt → 400 and the connection closed; the gateway keeps serving", async () => {
    for (const lead of ["", get("/app/before")]) {
      const c = await connection();
      c.write(
        `${lead}POST /app/smuggle HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /app/smuggled HTTP/1.1\r\nHost: gw.test\r\n\r\n`,
      );
      if (lead !== "") assert.equal(json(await c.read()).url, "/before");
      const r = await c.read();
      assert.equal(r.status, 400, r.head);
      assert.equal(json(r).statusCode, 400);
      await c.waitClosedByServer();
      assert.doesNotMatch(c.unread.toString("latin1"), /smuggled/);
    }
    await stillServing();
  });

  test("a client that sends a GET and leaves before the answer does not break the gateway", async () => {
    const startedBefore = events.slowStarted;
    const abortedBefore = events.slowAborted;
    // One half-closes (FIN), one resets.
    const fin = await connection();
    fin.write(get("/app/hold/fin"));
    const rst = await connection();
    rst.write(get("/app/hold/rst"));
    await until(() => events.slowStarted >= startedBefore + 2, "both requests at the backend", WAIT_MS);
    fin.socket.end();
    rst.destroy();
    // The gateway drops the connection the client left, and cancels its backend call.
    await fin.closedPromise;
    await until(() => events.slowAborted >= abortedBefore + 2, "the backend calls to be cancelled", 1_500);
    assert.equal(fin.unread.length, 0, "no answer after the client left");
    await sleep(20);
    await stillServing();
  });

  test("an unknown path on a lean connection gets APIM's 404 JSON; the connection stays usable", async () => {
    const c = await connection();
    c.write(get("/nope/at/all"));
    const r = await c.read();
    assert.equal(r.status, 404, r.head);
    assert.deepEqual(json(r), { statusCode: 404, message: "Resource not found" });
    assert.ok(header(r, "x-request-id"));
    assertKeptAlive(r);
    c.write(get("/app/after-404"));
    const ok = await c.read();
    assert.equal(ok.status, 200);
    assert.equal(json(ok).url, "/after-404");
  });
});

describe("lean front and gateway close()", () => {
  let upstream: Upstream;
  const events = { slowStarted: 0, slowFinished: 0, slowAborted: 0 };

  before(async () => {
    upstream = await startUpstream(backend(events));
  });
  after(async () => {
    await upstream.close();
  });

  /** `closing` (a gateway's close()) resolves within `ms` (the drain timeout is far longer, so a hang shows). */
  const closesWithin = async (closing: Promise<void>, ms: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      closing.then(() => true),
      new Promise<false>((r) => {
        timer = setTimeout(() => r(false), ms);
      }),
    ]);
    clearTimeout(timer);
    assert.ok(closed, `gateway close() did not complete within ${ms} ms`);
  };

  const start = () => startTestGateway(seed(upstream.url), { limits: { drainTimeoutMs: 20_000 } });

  test("close() completes while a lean keep-alive connection is idle", async () => {
    const gw = await start();
    const c = await RawConnection.open(gw.url);
    let closing: Promise<void> | undefined;
    try {
      c.write(get("/app/idle"));
      const r = await c.read();
      assert.equal(r.status, 200);
      assertKeptAlive(r);
      closing = gw.close();
      await closesWithin(closing, 2_500);
      await c.waitClosedByServer();
    } finally {
      c.destroy();
      await (closing ?? gw.close());
    }
  });

  // node:http's server sockets allow half-open: a client that does not answer the FIN must not keep
  // an idle connection (and close()) alive. The lean front destroys them once written out, as node does.
  test("close() completes while an idle lean connection's client keeps its side open (half-open)", async () => {
    const gw = await start();
    const c = await RawConnection.open(gw.url, true);
    let closing: Promise<void> | undefined;
    try {
      c.write(get("/app/idle"));
      assert.equal((await c.read()).status, 200);
      closing = gw.close();
      await closesWithin(closing, 2_500);
    } finally {
      c.destroy();
      await (closing ?? gw.close());
    }
  });

  test("the keep-alive sweep frees an idle connection whose client keeps its side open", async () => {
    const gw = await startTestGateway(seed(upstream.url), {
      limits: { keepAliveTimeoutMs: 200, drainTimeoutMs: 20_000 },
    });
    const c = await RawConnection.open(gw.url, true);
    let closing: Promise<void> | undefined;
    try {
      c.write(get("/app/idle"));
      assert.equal((await c.read()).status, 200);
      await until(() => c.ended, "the keep-alive timeout to end the connection", WAIT_MS);
      // Ended by the gateway: nothing of it should be left for close() to wait for.
      closing = gw.close();
      await closesWithin(closing, 1_500);
    } finally {
      c.destroy();
      await (closing ?? gw.close());
    }
  });

  test("a request in flight during close() still gets its full answer", async () => {
    const gw = await start();
    const c = await RawConnection.open(gw.url);
    let closing: Promise<void> | undefined;
    try {
      const before = events.slowStarted;
      c.write(get("/app/slow/inflight"));
      await until(() => events.slowStarted > before, "the request at the backend", WAIT_MS);
      closing = gw.close();
      const closed = closesWithin(closing, 2_500);
      closed.catch(() => {}); // awaited below; a failed read first must not leave it unhandled
      const r = await c.read();
      assert.equal(r.status, 200, r.head);
      assert.equal(json(r).url, "/slow/inflight");
      assert.equal(header(r, "connection"), "close");
      await closed;
      await c.waitClosedByServer();
    } finally {
      c.destroy();
      await (closing ?? gw.close());
    }
  });
});
