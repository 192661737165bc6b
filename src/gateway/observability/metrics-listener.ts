// Internal listener for Prometheus: `GET /metrics` only. Kept off the API listeners so that
// consumers of the gateway never see operational data.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { BoundAddress } from "../server/listeners.js";

export interface MetricsListener {
  readonly address: BoundAddress;
  close(): Promise<void>;
}

export async function createMetricsListener(
  registry: Registry,
  at: { host: string; port: number },
): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end('{"statusCode":404,"message":"Resource not found"}');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => resolve());
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
