// Header rules between client and backend: hop-by-hop headers, including the ones a Connection header
// names, never cross the gateway in either direction.
import assert from "node:assert/strict";
import { test } from "node:test";
import { forwardRequestHeaders, listedConnectionHeaders, responseHeadersFromRaw } from "./headers.js";

const raw = (...pairs: string[]) => pairs.map((p) => Buffer.from(p, "latin1"));

test("backend answers: hop-by-hop headers and the ones Connection names stay behind", () => {
  const headers = raw(
    "Content-Type",
    "text/plain",
    "Connection",
    "X-Hop-Only, close",
    "X-Hop-Only",
    "secret",
    "Keep-Alive",
    "timeout=5",
    "Transfer-Encoding",
    "chunked",
    "Proxy-Authenticate",
    "Basic",
    "X-Kept",
    "yes",
  );
  assert.deepEqual(responseHeadersFromRaw(headers, ["x-request-id", "r1"]), [
    "x-request-id",
    "r1",
    "Content-Type",
    "text/plain",
    "X-Kept",
    "yes",
  ]);
  assert.deepEqual([...(listedConnectionHeaders(headers) ?? [])], ["x-hop-only"]);
  assert.equal(listedConnectionHeaders(raw("Connection", "keep-alive", "X-A", "1")), undefined);
  assert.equal(listedConnectionHeaders(raw("X-A", "1")), undefined);
});

test("client requests: hop-by-hop and Connection-named headers dropped, X-Forwarded-* appended", () => {
  const out = forwardRequestHeaders(
    ["Host", "gw", "Connection", "x-secret", "X-Secret", "1", "X-Forwarded-For", "10.0.0.1", "Accept", "*/*"],
    "backend.internal",
    { clientIp: "10.0.0.9", proto: "https", host: "gw" },
  );
  assert.deepEqual(out, [
    "host",
    "backend.internal",
    "Accept",
    "*/*",
    "x-forwarded-for",
    "10.0.0.1, 10.0.0.9",
    "x-forwarded-proto",
    "https",
    "x-forwarded-host",
    "gw",
  ]);
});
