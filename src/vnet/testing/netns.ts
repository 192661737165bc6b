// Real networks for tests, built with Linux network namespaces and veth pairs (root only):
//
//   internet ns  198.51.100.1 ──── 198.51.100.10  moat ns  10.77.1.4 ──── 10.77.1.1
//                                                                           router ns (forwards)
//   backend ns  10.77.2.10 (HTTP), 10.77.2.53 (DNS) ──── 10.77.2.1           │
//   inside ns   10.77.3.20 (a client in the network) ───────────── 10.77.3.1 ┘
//
// The internet namespace also routes 10.77.0.0/16 to the moat host, so an Internal-mode refusal is
// Moat's doing, not a missing route. Every name carries a per-run tag; destroy() removes them all
// (and is safe to call twice or after a failed create).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

export const addresses = {
  internetClient: "198.51.100.1",
  moatPublic: "198.51.100.10",
  moatPrivate: "10.77.1.4",
  backend: "10.77.2.10",
  dns: "10.77.2.53",
  insideClient: "10.77.3.20",
} as const;

export type Role = "internet" | "moat" | "router" | "backend" | "inside";

/** Why the netns tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces need root (CI runs as root)";
  if (!["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].some((p) => existsSync(p)))
    return "the ip command (iproute2) is not installed";
  return undefined;
}

export interface TestNetwork {
  readonly ns: Readonly<Record<Role, string>>;
  /** Runs a command inside a namespace and returns its output. */
  exec(
    role: Role,
    command: string,
    args: readonly string[],
    env?: Record<string, string>,
  ): Promise<{ stdout: string; stderr: string }>;
  /** Starts a long-running process inside a namespace (killed by destroy()). */
  spawn(role: Role, command: string, args: readonly string[], env?: Record<string, string>): ChildProcess;
  destroy(): Promise<void>;
}

async function ip(args: readonly string[]): Promise<void> {
  await run("ip", [...args]);
}

export async function createTestNetwork(tag: string): Promise<TestNetwork> {
  const ns: Record<Role, string> = {
    internet: `moat-${tag}-inet`,
    moat: `moat-${tag}-moat`,
    router: `moat-${tag}-rtr`,
    backend: `moat-${tag}-be`,
    inside: `moat-${tag}-in`,
  };
  const children: ChildProcess[] = [];
  let destroyed = false;
  const network: TestNetwork = {
    ns,
    async exec(role, command, args, env = {}) {
      return run("ip", ["netns", "exec", ns[role], command, ...args], {
        env: { ...process.env, ...env },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    },
    spawn(role, command, args, env = {}) {
      const child = spawn("ip", ["netns", "exec", ns[role], command, ...args], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      return child;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const c of children)
        if (c.exitCode === null && c.signalCode === null) {
          c.kill("SIGTERM");
          await new Promise((r) => {
            const t = setTimeout(() => {
              c.kill("SIGKILL");
              r(undefined);
            }, 3000);
            c.once("exit", () => {
              clearTimeout(t);
              r(undefined);
            });
          });
        }
      // Deleting a namespace removes its end of each veth pair, and with it the peer.
      for (const name of Object.values(ns)) await ip(["netns", "del", name]).catch(() => undefined);
    },
  };
  try {
    for (const name of Object.values(ns)) {
      await ip(["netns", "add", name]);
      await ip(["-n", name, "link", "set", "lo", "up"]);
    }
    // veth names are limited to 15 characters: v<tag 6><pair 2><side>.
    const link = async (pair: string, a: Role, aAddr: string, b: Role, bAddr: string) => {
      const va = `v${tag.slice(0, 6)}${pair}a`;
      const vb = `v${tag.slice(0, 6)}${pair}b`;
      await ip(["link", "add", va, "netns", ns[a], "type", "veth", "peer", "name", vb, "netns", ns[b]]);
      await ip(["-n", ns[a], "addr", "add", aAddr, "dev", va]);
      await ip(["-n", ns[b], "addr", "add", bAddr, "dev", vb]);
      await ip(["-n", ns[a], "link", "set", va, "up"]);
      await ip(["-n", ns[b], "link", "set", vb, "up"]);
      return { va, vb };
    };
    await link("pu", "internet", `${addresses.internetClient}/24`, "moat", `${addresses.moatPublic}/24`);
    await link("pr", "moat", `${addresses.moatPrivate}/24`, "router", "10.77.1.1/24");
    const be = await link("be", "backend", `${addresses.backend}/24`, "router", "10.77.2.1/24");
    await ip(["-n", ns.backend, "addr", "add", `${addresses.dns}/24`, "dev", be.va]);
    await link("in", "inside", `${addresses.insideClient}/24`, "router", "10.77.3.1/24");
    await run("ip", ["netns", "exec", ns.router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    await ip(["-n", ns.moat, "route", "add", "10.77.0.0/16", "via", "10.77.1.1"]);
    await ip(["-n", ns.backend, "route", "add", "default", "via", "10.77.2.1"]);
    await ip(["-n", ns.inside, "route", "add", "default", "via", "10.77.3.1"]);
    await ip(["-n", ns.internet, "route", "add", "10.77.0.0/16", "via", addresses.moatPublic]);
    return network;
  } catch (err) {
    await network.destroy();
    throw err;
  }
}

/** Resolves when `child` prints a line matching `pattern`; rejects on exit or after timeoutMs. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) {
        cleanup();
        resolve(line);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`process exited (${code}) before printing ${pattern}: ${seen.slice(-2000)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}: ${seen.slice(-2000)}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
