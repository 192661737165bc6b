// A private backend and the network's DNS server, run inside the backend namespace of the netns
// test: HTTP on MOAT_TEST_HTTP (host:port) answering who connected, DNS on MOAT_TEST_DNS answering
// MOAT_TEST_RECORDS (JSON name → IPv4). Prints "ready" when both listen.
import { createServer } from "node:http";
import { startDnsServer } from "./dns-server.js";

const [httpHost, httpPort] = (process.env.MOAT_TEST_HTTP ?? "127.0.0.1:8000").split(":");
const [dnsHost, dnsPort] = (process.env.MOAT_TEST_DNS ?? "127.0.0.1:5353").split(":");
const records = JSON.parse(process.env.MOAT_TEST_RECORDS ?? "{}") as Record<string, string>;

const server = createServer((req, res) => {
  const body = JSON.stringify({
    backend: "private",
    from: req.socket.remoteAddress,
    url: req.url,
    host: req.headers.host,
  });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
await startDnsServer(records, dnsHost, Number(dnsPort));
server.listen(Number(httpPort), httpHost, () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
