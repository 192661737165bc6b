// A raw HTTP/1.1 client connection for the lean front's tests: bytes written with node:net, whole
// responses read off the bytes received (no HTTP client in between, so framing, ordering and
// connection handling are what the server actually does).
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";

export const WAIT_MS = 5_000;

export interface RawResponse {
  readonly status: number;
  /** Lower-case name → values, in order. */
  readonly headers: Map<string, string[]>;
  readonly head: string;
  readonly body: Buffer;
  /** The body came chunked (Transfer-Encoding: chunked). */
  readonly chunked: boolean;
}

/** A raw client connection that reads whole HTTP/1.1 responses off the bytes it receives. */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  closed = false;
  /** The server sent FIN. */
  ended = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.poke();
    });
    socket.on("error", () => {});
    socket.on("end", () => {
      this.ended = true;
      this.poke();
    });
    this.closedPromise = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        this.poke();
        resolve();
      }),
    );
  }

  static open(url: string, allowHalfOpen = false): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ port: Number(port), host: hostname, allowHalfOpen });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** The same over TLS (any certificate accepted). */
  static openTls(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ port, host, rejectUnauthorized: false });
      socket.once("error", reject);
      socket.once("secureConnect", () => {
        socket.off("error", reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Everything received and not yet read as a response. */
  get unread(): Buffer {
    return this.buf;
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits until `ready` holds on the received bytes (fails on close or after WAIT_MS). */
  private async waitFor(ready: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!ready()) {
      if (this.closed || this.ended) assert.fail(`connection closed while waiting for ${what}; got ${this.text()}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${what}; got ${this.text()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private text(): string {
    return JSON.stringify(this.buf.toString("latin1"));
  }

  /** Reads one response; `bodyless` for the answer to a HEAD. */
  async read(bodyless = false): Promise<RawResponse> {
    await this.waitFor(() => this.buf.includes("\r\n\r\n"), "a response head");
    const headEnd = this.buf.indexOf("\r\n\r\n");
    const head = this.buf.toString("latin1", 0, headEnd);
    const [statusLine = "", ...lines] = head.split("\r\n");
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
    assert.ok(m, `bad status line: ${JSON.stringify(statusLine)}`);
    const status = Number(m[1]);
    const headers = new Map<string, string[]>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      assert.ok(colon > 0, `bad header line: ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    this.buf = this.buf.subarray(headEnd + 4);
    const te = headers.get("transfer-encoding")?.join(",").toLowerCase();
    const length = headers.get("content-length");
    const noBody = bodyless || status < 200 || status === 204 || status === 304;
    if (noBody) return { status, headers, head, body: Buffer.alloc(0), chunked: false };
    if (te !== undefined) {
      assert.equal(te, "chunked");
      assert.equal(length, undefined, "both Content-Length and Transfer-Encoding in a response");
      const parts: Buffer[] = [];
      for (;;) {
        await this.waitFor(() => this.buf.includes("\r\n"), "a chunk size");
        const lineEnd = this.buf.indexOf("\r\n");
        const size = Number.parseInt(this.buf.toString("latin1", 0, lineEnd), 16);
        assert.ok(Number.isInteger(size), `bad chunk size line: ${this.text()}`);
        const need = lineEnd + 2 + size + 2;
        await this.waitFor(() => this.buf.length >= need, `a chunk of ${size} bytes`);
        assert.equal(this.buf.toString("latin1", need - 2, need), "\r\n", "chunk not followed by CRLF");
        parts.push(Buffer.from(this.buf.subarray(lineEnd + 2, need - 2)));
        this.buf = this.buf.subarray(need);
        if (size === 0) break;
      }
      return { status, headers, head, body: Buffer.concat(parts), chunked: true };
    }
    assert.ok(length !== undefined && length.length === 1, `response without framing: ${head}`);
    const n = Number(length[0]);
    await this.waitFor(() => this.buf.length >= n, `a body of ${n} bytes`);
    const body = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return { status, headers, head, body, chunked: false };
  }

  /** Resolves when the server has closed the connection (fails after WAIT_MS). */
  async waitClosedByServer(): Promise<void> {
    await this.waitFor(() => false, "never").catch(() => {});
    assert.ok(this.ended || this.closed, "server did not close the connection");
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export const header = (r: RawResponse, name: string): string | undefined => r.headers.get(name)?.join(", ");
export const json = (r: RawResponse) => JSON.parse(r.body.toString()) as Record<string, unknown>;
export const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: gw.test\r\n${extra}\r\n`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
