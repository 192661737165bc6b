// Entry point of one cluster worker (see cluster.ts): waits for its spec from the primary, runs a
// gateway unit, reports its ports, and stops on the primary's "stop" or SIGTERM. A worker that
// cannot start exits non-zero, and the primary replaces it.
import type { PrimaryMessage, WorkerMessage } from "./cluster.js";
import { type GatewayRole, startGatewayRole } from "./gateway-role.js";

const send = (message: WorkerMessage) => process.send?.(message);
const tag = `moat[unit ${Number(process.env.MOAT_UNIT_INDEX ?? 0) + 1}, pid ${process.pid}]`;
const log = (level: "info" | "warn" | "error", message: string) =>
  (level === "info" ? console.log : console.error)(`${tag}: ${message}`);

let role: GatewayRole | undefined;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await role?.close().catch(() => undefined);
  process.disconnect?.();
  process.exit(0);
};

process.on("message", (message: PrimaryMessage) => {
  if (message.type === "stop") void stop();
  else if (message.type === "start" && role === undefined)
    startGatewayRole(message.spec, log, undefined, undefined, {
      requestReplacement: (reason) => {
        if (stopping) return;
        log("info", `stopping for a fresh unit: ${reason}`);
        send({ type: "replace", reason });
        void stop();
      },
    }).then(
      (started) => {
        role = started;
        if (stopping) void started.close();
        // One port per listener, even when a network mode binds it on two addresses.
        const ports = [...new Set(started.addresses.map((a) => a.port))];
        send({ type: "ready", ports, metricsPort: started.metricsPort });
      },
      (error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        log("error", `cannot start: ${text}`);
        send({ type: "failed", message: text });
        setTimeout(() => process.exit(1), 50);
      },
    );
});
process.once("SIGTERM", () => void stop());
send({ type: "hello" });
process.once("SIGINT", () => void stop());
