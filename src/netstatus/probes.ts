// Live probes over real connections: TCP connect, a DNS query to a given server, an SMTP banner, an
// HTTP GET, a Redis PING. Each resolves to a result (never rejects) with a short error text in the
// style of Azure's NetworkStatus ("DNS 10.0.0.4 refused on udp/53").
import { Resolver } from "node:dns/promises";
import { connect, type Socket } from "node:net";

export type ProbeSpec =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "dns"; readonly server: string; readonly port?: number; readonly query: string }
  | { readonly kind: "smtp"; readonly host: string; readonly port: number }
  | { readonly kind: "http"; readonly url: string }
  | { readonly kind: "redis"; readonly host: string; readonly port: number };

export interface ProbeResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly durationMs: number;
}

function reason(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case "ECONNREFUSED":
    case "ECONNREFUSED_DNS":
      return "refused";
    case "ETIMEOUT":
    case "ETIMEDOUT":
      return "timed out";
    case "ENOTFOUND":
      return "name not found";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "unreachable";
    case "ECONNRESET":
      return "reset";
    default:
      return code ? code.toLowerCase() : (e as Error).message;
  }
}

/** Opens a socket and waits for `expect` to accept what the server sends (or just the connect). */
function converse(
  host: string,
  port: number,
  timeoutMs: number,
  send: string | undefined,
  expect: ((data: string) => boolean | string) | undefined,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let buffer = "";
    const socket: Socket = connect({ host, port });
    const done = (error: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => done("timed out"), timeoutMs);
    socket.on("error", (e) => done(reason(e)));
    socket.on("connect", () => {
      if (!expect) return done(undefined);
      if (send) socket.write(send);
    });
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      if (!buffer.includes("\n") || !expect) return;
      const verdict = expect(buffer);
      done(
        verdict === true
          ? undefined
          : typeof verdict === "string"
            ? verdict
            : `unexpected reply "${buffer.trim().slice(0, 60)}"`,
      );
    });
    socket.on("end", () =>
      done(buffer ? `unexpected reply "${buffer.trim().slice(0, 60)}"` : "closed without a reply"),
    );
  });
}

export async function runProbe(
  spec: ProbeSpec,
  timeoutMs: number,
  now: () => number = () => performance.now(),
): Promise<ProbeResult> {
  const start = now();
  const finish = (error: string | undefined): ProbeResult => ({
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    durationMs: now() - start,
  });
  switch (spec.kind) {
    case "tcp": {
      const e = await converse(spec.host, spec.port, timeoutMs, undefined, undefined);
      return finish(e && `TCP ${spec.host}:${spec.port} ${e}`);
    }
    case "smtp": {
      const e = await converse(
        spec.host,
        spec.port,
        timeoutMs,
        undefined,
        (data) => data.startsWith("220") || `SMTP banner "${data.trim().slice(0, 60)}" is not 220`,
      );
      return finish(e && `SMTP ${spec.host}:${spec.port} ${e}`);
    }
    case "redis": {
      const e = await converse(
        spec.host,
        spec.port,
        timeoutMs,
        "*1\r\n$4\r\nPING\r\n",
        (data) =>
          data.startsWith("+PONG") ||
          (data.startsWith("-NOAUTH") ? true : `Redis replied "${data.trim().slice(0, 60)}"`),
      );
      return finish(e && `Redis ${spec.host}:${spec.port} ${e}`);
    }
    case "dns": {
      const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
      const port = spec.port ?? 53;
      try {
        resolver.setServers([
          port === 53 ? spec.server : `${spec.server.includes(":") ? `[${spec.server}]` : spec.server}:${port}`,
        ]);
      } catch (e) {
        return finish(`DNS ${spec.server} is not a valid server address (${(e as Error).message})`);
      }
      const timer = setTimeout(() => resolver.cancel(), timeoutMs + 100);
      try {
        await resolver.resolve4(spec.query);
        return finish(undefined);
      } catch (e) {
        const code = (e as { code?: string }).code;
        // NXDOMAIN / no data still proves the server answered on port 53.
        if (code === "ENOTFOUND" || code === "ENODATA") return finish(undefined);
        return finish(`DNS ${spec.server} ${code === "ECANCELLED" ? "timed out" : reason(e)} on udp/${port}`);
      } finally {
        clearTimeout(timer);
      }
    }
    case "http": {
      try {
        const response = await fetch(spec.url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
        await response.body?.cancel();
        return finish(response.status >= 500 ? `HTTP GET ${spec.url} returned ${response.status}` : undefined);
      } catch (e) {
        const cause = (e as { cause?: unknown }).cause;
        return finish(
          `HTTP GET ${spec.url} ${(e as Error).name === "TimeoutError" ? "timed out" : reason(cause ?? e)}`,
        );
      }
    }
  }
}
