// Real `moat serve` processes for the scale-out tests: spawned through tsx like `npx moat`, output
// collected, waited on by pattern, stopped with SIGTERM (SIGKILL after a grace period).
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "../../..");
const entry =
  "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";

export interface MoatProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the match once the output contains `pattern` (after `from` characters). */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
  readonly exited: boolean;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnMoat(args: readonly string[], env: Record<string, string>): MoatProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MOAT_")));
  const child = spawn(process.execPath, ["--import", "tsx", "-e", entry, "serve", ...args], {
    cwd: root,
    env: { ...clean, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  return {
    child,
    output: () => out,
    get exited() {
      return exitCode !== undefined;
    },
    waitFor(pattern, timeoutMs = 60_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out.slice(from));
          if (m) {
            done();
            resolve(m);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`process exited (${exitCode}) before ${pattern}:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${pattern}:\n${out}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", check);
        };
        listeners.add(check);
        child.on("exit", check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exit;
      clearTimeout(kill);
      return code;
    },
  };
}
