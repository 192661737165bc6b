// Internal listener for Prometheus: `GET /metrics` only. Kept off the API listeners so that
// consumers of the gateway never see operational data. Several sources (the gateway's registry, a
// scale-out unit's own metrics) are served as one exposition.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { BoundAddress } from "../server/listeners.js";

export interface MetricsListener {
  readonly address: BoundAddress;
  close(): Promise<void>;
}

/** Where to listen; `exclusive` keeps cluster workers from sharing the port (a scrape must reach its unit). */
export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
  readonly exclusive?: boolean;
}

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export async function createMetricsListener(
  at: MetricsAddress,
  sources: readonly (() => Promise<string>)[],
): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end('{"statusCode":404,"message":"Resource not found"}');
      return;
    }
    Promise.all(sources.map((source) => source())).then(
      (parts) => res.writeHead(200, { "content-type": CONTENT_TYPE }).end(parts.join("\n")),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: at.host, port: at.port, exclusive: at.exclusive ?? false }, () => resolve());
  });
  const info = server.address() as AddressInfo;
  return {
    address: { host: at.host, port: info.port, secure: false },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
