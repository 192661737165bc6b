// A port that was free a moment ago, for servers a test starts on a fixed port (cluster workers,
// listeners re-bound to other addresses) where port 0 cannot be used.
import { createServer } from "node:net";

export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
