// Unit tests of the lean front's strict request-head parser: what it takes, and everything it leaves
// to node:http (UNSUPPORTED) or waits for (INCOMPLETE).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { INCOMPLETE, parseRequestHead, type RequestHead, UNSUPPORTED } from "./request-head.js";

const MAX = 16 * 1024;

const parse = (text: string, start = 0, max = MAX) => parseRequestHead(Buffer.from(text, "latin1"), start, max);

function parsed(text: string, start = 0, max = MAX): RequestHead {
  const head = parse(text, start, max);
  assert.ok(typeof head === "object", `expected a head, got ${String(head)} for ${JSON.stringify(text)}`);
  return head;
}

const unsupported = (text: string, max = MAX) =>
  assert.equal(parse(text, 0, max), UNSUPPORTED, `expected UNSUPPORTED for ${JSON.stringify(text)}`);

/** A GET head with the given extra header lines (each without CRLF). */
const get = (...lines: string[]) => `GET /a HTTP/1.1\r\nHost: gw\r\n${lines.map((l) => `${l}\r\n`).join("")}\r\n`;

describe("parseRequestHead: accepted heads", () => {
  test("a normal GET: method, url, raw headers (case kept, values trimmed), keep-alive, end offset", () => {
    const text =
      "GET /api/users/1?x=1&y=%20 HTTP/1.1\r\nHost: example.test\r\nX-Custom-Header:   spaced value \t\r\nACCEPT:text/plain\r\n\r\n";
    const head = parsed(text);
    assert.equal(head.method, "GET");
    assert.equal(head.url, "/api/users/1?x=1&y=%20");
    assert.deepEqual(head.rawHeaders, [
      "Host",
      "example.test",
      "X-Custom-Header",
      "spaced value",
      "ACCEPT",
      "text/plain",
    ]);
    assert.equal(head.keepAlive, true);
    assert.equal(head.end, Buffer.byteLength(text));
  });

  test("an empty header value is kept as an empty string", () => {
    assert.deepEqual(parsed(get("X-Empty:")).rawHeaders, ["Host", "gw", "X-Empty", ""]);
    assert.deepEqual(parsed(get("X-Empty:   ")).rawHeaders, ["Host", "gw", "X-Empty", ""]);
  });

  test("obs-text (bytes ≥ 0x80) and HTAB inside a value are allowed", () => {
    assert.deepEqual(parsed(get("X-Name: caf\xe9\tau lait")).rawHeaders, ["Host", "gw", "X-Name", "caf\xe9\tau lait"]);
  });

  test("two pipelined requests in one buffer: parse at start, then at the first head's end", () => {
    const first = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n";
    const second = "DELETE /two HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
    const buf = Buffer.from(first + second, "latin1");
    const a = parseRequestHead(buf, 0, MAX);
    assert.ok(typeof a === "object");
    assert.equal(a.method, "GET");
    assert.equal(a.url, "/one");
    assert.equal(a.end, first.length);
    const b = parseRequestHead(buf, a.end, MAX);
    assert.ok(typeof b === "object");
    assert.equal(b.method, "DELETE");
    assert.equal(b.url, "/two");
    assert.deepEqual(b.rawHeaders, ["Host", "b", "Connection", "close"]);
    assert.equal(b.keepAlive, false);
    assert.equal(b.end, buf.length);
  });

  test("a partial second request after a complete one: the first parses, the second is INCOMPLETE", () => {
    const first = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n";
    const buf = Buffer.from(`${first}GET /two HTTP/1.1\r\nHo`, "latin1");
    const a = parseRequestHead(buf, 0, MAX);
    assert.ok(typeof a === "object");
    assert.equal(parseRequestHead(buf, a.end, MAX), INCOMPLETE);
  });

  test("Connection: close (any case, in a list) → keepAlive false", () => {
    assert.equal(parsed(get("Connection: close")).keepAlive, false);
    assert.equal(parsed(get("connection: Close")).keepAlive, false);
    assert.equal(parsed(get("Connection: keep-alive, close")).keepAlive, false);
    assert.equal(parsed(get("Connection: keep-alive")).keepAlive, true);
  });

  test("Content-Length: 0 is accepted (a declared empty body is no body)", () => {
    const head = parsed("POST /items HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");
    assert.equal(head.method, "POST");
    assert.deepEqual(head.rawHeaders, ["Host", "gw", "Content-Length", "0"]);
    assert.equal(head.contentLength, 0);
  });

  test("a Content-Length body: its length is given, the head ends before it", () => {
    const text = "POST /items HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello";
    const head = parsed(text);
    assert.equal(head.contentLength, 5);
    assert.equal(head.end, text.length - 5);
    assert.equal(parsed(get("Content-Length: 123456789012345")).contentLength, 123456789012345);
    assert.equal(parsed(get()).contentLength, 0);
  });

  test("a head exactly at maxHeaderSize is accepted", () => {
    const text = get();
    const head = parsed(text, 0, text.length - 4); // the limit counts the head without its blank line
    assert.equal(head.end, text.length);
  });
});

describe("parseRequestHead: UNSUPPORTED (left to node:http)", () => {
  test("a Content-Length that is not a canonical decimal of at most 15 digits", () => {
    unsupported(get("Content-Length: 00"));
    unsupported(get("Content-Length: 05"));
    unsupported(get("Content-Length: +0"));
    unsupported(get("Content-Length: -1"));
    unsupported(get("Content-Length: 1 2"));
    unsupported(get("Content-Length: 0x10"));
    unsupported(get("Content-Length: 5, 5"));
    unsupported(get("Content-Length: "));
    unsupported(get("Content-Length: 1234567890123456"));
  });

  test("duplicate Content-Length, even both 0", () => {
    unsupported(get("Content-Length: 0", "Content-Length: 0"));
    unsupported(get("Content-Length: 0", "content-length: 5"));
  });

  test("Transfer-Encoding in any form, including CL+TE smuggling combinations", () => {
    unsupported(get("Transfer-Encoding: chunked"));
    unsupported(get("transfer-encoding: identity"));
    unsupported(get("Content-Length: 0", "Transfer-Encoding: chunked"));
    unsupported(get("Transfer-Encoding: chunked", "Content-Length: 0"));
    unsupported(get("Content-Length: 5", "Transfer-Encoding: chunked"));
    unsupported(get("Transfer-Encoding: xchunked", "Content-Length: 0"));
    // A space before the colon must not let Transfer-Encoding slip through under another name.
    unsupported(get("Transfer-Encoding : chunked"));
  });

  test("no Host, two Hosts", () => {
    unsupported("GET /a HTTP/1.1\r\nAccept: */*\r\n\r\n");
    unsupported("GET /a HTTP/1.1\r\n\r\n");
    unsupported(get("Host: other"));
    unsupported(get("host: gw"));
  });

  test("versions other than HTTP/1.1", () => {
    unsupported("GET /a HTTP/1.0\r\nHost: gw\r\n\r\n");
    unsupported("GET /a HTTP/2.0\r\nHost: gw\r\n\r\n");
    unsupported("GET /a HTTP/1.11\r\nHost: gw\r\n\r\n");
    unsupported("GET /a http/1.1\r\nHost: gw\r\n\r\n");
    unsupported("GET /a\r\nHost: gw\r\n\r\n");
    unsupported("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  });

  test("absolute-form and asterisk-form targets", () => {
    unsupported("GET http://gw/a HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("OPTIONS * HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("CONNECT gw:443 HTTP/1.1\r\nHost: gw:443\r\n\r\n");
  });

  test("malformed request lines: lowercase method, space in target, extra spaces", () => {
    unsupported("get /a HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("Get /a HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("GET /a b HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("GET  /a HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("GET /a  HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported(" GET /a HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("GET /a\tb HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("GET /caf\xe9 HTTP/1.1\r\nHost: gw\r\n\r\n");
    unsupported("\r\nGET /a HTTP/1.1\r\nHost: gw\r\n\r\n");
  });

  test("control characters or NUL in a header value", () => {
    unsupported(get("X-A: a\x00b"));
    unsupported(get("X-A: a\x01b"));
    unsupported(get("X-A: a\x7fb"));
    unsupported(get("X-A: a\rb"));
    unsupported("GET /a HTTP/1.1\r\nHost: g\x00w\r\n\r\n");
  });

  test("a bare LF inside the head", () => {
    unsupported("GET /a HTTP/1.1\r\nHost: gw\nX-A: b\r\n\r\n");
    unsupported("GET /a HTTP/1.1\nHost: gw\r\n\r\n");
  });

  test("obs-fold: a line starting with whitespace", () => {
    unsupported(get("X-A: one", " two"));
    unsupported(get("X-A: one", "\ttwo"));
    unsupported(get("X-A: one", " X-B: two"));
  });

  test("bad header names: whitespace before the colon, empty name, no colon, non-token characters", () => {
    unsupported(get("X-A : b"));
    unsupported(get("X-A\t: b"));
    unsupported(get(": b"));
    unsupported(get("X-A b"));
    unsupported(get("X(A): b"));
    unsupported(get("X-\xe9: b"));
  });

  test("upgrades and Expect", () => {
    unsupported(get("Upgrade: websocket", "Connection: Upgrade"));
    unsupported(get("Upgrade: h2c"));
    unsupported(get("Connection: Upgrade"));
    unsupported(get("Connection: keep-alive, upgrade"));
    unsupported(get("Expect: 100-continue"));
    unsupported(get("expect: anything"));
  });

  test("a head larger than maxHeaderSize", () => {
    const big = get(`X-Big: ${"a".repeat(2000)}`);
    assert.equal(typeof parse(big, 0, 4096), "object");
    unsupported(big, 1024);
    const text = get();
    unsupported(text, text.length - 5);
  });
});

describe("parseRequestHead: INCOMPLETE", () => {
  test("a head without its blank line", () => {
    assert.equal(parse(""), INCOMPLETE);
    assert.equal(parse("GET"), INCOMPLETE);
    assert.equal(parse("GET /a HTTP/1.1\r\nHost: gw\r\n"), INCOMPLETE);
    assert.equal(parse("GET /a HTTP/1.1\r\nHost: gw\r\n\r"), INCOMPLETE);
  });

  test("a partial head already larger than maxHeaderSize is UNSUPPORTED, not INCOMPLETE", () => {
    const partial = `GET /a HTTP/1.1\r\nHost: gw\r\nX-Big: ${"a".repeat(3000)}`;
    assert.equal(parse(partial, 0, 4096), INCOMPLETE);
    assert.equal(parse(partial, 0, 1024), UNSUPPORTED);
  });

  test("INCOMPLETE is judged from the start offset", () => {
    const first = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n";
    const partial = `${first}GET /two HTTP/1.1\r\nHost: b\r\n`;
    // The bytes before `start` do not count against maxHeaderSize.
    assert.equal(parse(partial, first.length, partial.length - first.length), INCOMPLETE);
  });
});
