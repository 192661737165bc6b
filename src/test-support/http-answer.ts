// One GET on a connection of its own (successive calls can reach different cluster workers, and a
// pooled connection cannot outlive a listener a test closes), answered as a status and body or as
// the socket error's code: never throws.
import { get as httpGet } from "node:http";

export type Answer = { status: number; body: string } | { error: string };

export function getAnswer(host: string, port: number, path: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = httpGet({ host, port, path, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}
