// A strict, deliberately narrow HTTP/1.1 request-head parser for the gateway's lean front
// (lean-front.ts). It accepts only what it fully understands: an origin-form target, HTTP/1.1, one
// Host, well-formed header lines, and a body only as one canonical Content-Length (no
// Transfer-Encoding). Anything else — chunked bodies, upgrades, Expect, HTTP/1.0, obs-fold, control
// characters, duplicate Host or Content-Length, an incomplete or oversized head — is "unsupported",
// and the connection is handed to node:http's parser, which serves it or answers 400/431 as before.
// So this parser never has to be lenient, and request smuggling (any Transfer-Encoding, any doubt
// about the length) stays node:http's problem (strict, insecureHTTPParser off).

export interface RequestHead {
  readonly method: string;
  readonly url: string;
  /** [name, value, name, value, …] as sent (names keep their case, values trimmed), like node's rawHeaders. */
  readonly rawHeaders: string[];
  /** False when the client sent `Connection: close`. */
  readonly keepAlive: boolean;
  /** Body bytes that follow the head (Content-Length; 0 without one). */
  readonly contentLength: number;
  /** Offset just past the head's blank line: where the next request starts. */
  readonly end: number;
}

/** The head is not complete in the bytes given. */
export const INCOMPLETE = "incomplete";
/** The request is valid HTTP maybe, but not for this parser: node:http takes the connection. */
export const UNSUPPORTED = "unsupported";

const MAX_HEADERS = 2000;
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;

const HEAD_END = Buffer.from("\r\n\r\n");

const isTokenChar = (c: number): boolean => c < 128 && TCHAR[c] === 1;
/** Field-value characters (RFC 9110 §5.5): HTAB, visible ASCII, space, obs-text. */
const isValueChar = (c: number): boolean => c === 9 || (c >= 32 && c !== 127);
const isTargetChar = (c: number): boolean => c > 32 && c < 127;
/** "0" or a decimal without leading zeros, at most 15 digits (a safe integer); anything else is node's. */
const CANONICAL_LENGTH = /^(?:0|[1-9][0-9]{0,14})$/;

export function parseRequestHead(
  buf: Buffer,
  start: number,
  maxHeaderSize: number,
): RequestHead | typeof INCOMPLETE | typeof UNSUPPORTED {
  const end = buf.indexOf(HEAD_END, start);
  if (end === -1) return buf.length - start > maxHeaderSize ? UNSUPPORTED : INCOMPLETE;
  if (end - start > maxHeaderSize) return UNSUPPORTED;
  const text = buf.toString("latin1", start, end);
  const lineEnd = text.indexOf("\r\n");
  const requestLine = lineEnd === -1 ? text : text.slice(0, lineEnd);

  // Request line: METHOD SP origin-form SP HTTP/1.1
  const sp1 = requestLine.indexOf(" ");
  if (sp1 < 1 || sp1 > 20) return UNSUPPORTED;
  for (let i = 0; i < sp1; i++) {
    const c = requestLine.charCodeAt(i);
    if (c < 65 || c > 90) return UNSUPPORTED;
  }
  const sp2 = requestLine.indexOf(" ", sp1 + 1);
  if (sp2 === -1 || requestLine.charCodeAt(sp1 + 1) !== 47 /* "/" */) return UNSUPPORTED;
  for (let i = sp1 + 1; i < sp2; i++) if (!isTargetChar(requestLine.charCodeAt(i))) return UNSUPPORTED;
  if (requestLine.length !== sp2 + 9 || !requestLine.endsWith("HTTP/1.1")) return UNSUPPORTED;

  const rawHeaders: string[] = [];
  let keepAlive = true;
  let hosts = 0;
  let contentLength = -1;
  let pos = lineEnd === -1 ? text.length : lineEnd + 2;
  while (pos < text.length) {
    let next = text.indexOf("\r\n", pos);
    if (next === -1) next = text.length;
    const colon = text.indexOf(":", pos);
    if (colon <= pos || colon >= next) return UNSUPPORTED; // no name, or obs-fold / no colon
    for (let i = pos; i < colon; i++) if (!isTokenChar(text.charCodeAt(i))) return UNSUPPORTED;
    let vs = colon + 1;
    let ve = next;
    while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    for (let i = vs; i < ve; i++) if (!isValueChar(text.charCodeAt(i))) return UNSUPPORTED;
    const name = text.slice(pos, colon);
    const value = text.slice(vs, ve);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === "host") hosts++;
        break;
      case 6:
        if (name.toLowerCase() === "expect") return UNSUPPORTED;
        break;
      case 7:
        if (name.toLowerCase() === "upgrade") return UNSUPPORTED;
        break;
      case 10:
        if (name.toLowerCase() === "connection") {
          const v = value.toLowerCase();
          if (v.includes("upgrade")) return UNSUPPORTED;
          if (v.includes("close")) keepAlive = false;
        }
        break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          if (contentLength !== -1 || !CANONICAL_LENGTH.test(value)) return UNSUPPORTED;
          contentLength = Number(value);
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") return UNSUPPORTED;
        break;
    }
    rawHeaders.push(name, value);
    pos = next + 2;
  }
  if (hosts !== 1 || rawHeaders.length > MAX_HEADERS * 2) return UNSUPPORTED;
  return {
    method: requestLine.slice(0, sp1),
    url: requestLine.slice(sp1 + 1, sp2),
    rawHeaders,
    keepAlive,
    contentLength: contentLength === -1 ? 0 : contentLength,
    end: end + 4,
  };
}
