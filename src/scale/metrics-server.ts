// Internal Prometheus listener of a unit: the gateway's metrics followed by the unit's scale-out
// metrics, on one `GET /metrics`. Listens exclusively, so units of one cluster never share it (a
// scrape must reach the unit it names, not whichever worker the primary picks).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  host: string,
  port: number,
  sources: readonly (() => Promise<string>)[],
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end('{"statusCode":404,"message":"Resource not found"}');
      return;
    }
    Promise.all(sources.map((s) => s())).then(
      (parts) =>
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(parts.join("\n")),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
