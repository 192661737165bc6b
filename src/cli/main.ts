// `moat` command line: dispatches to one module per command (src/cli/commands/<name>.ts).
import { commands } from "./commands/index.js";

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    printHelp();
    return name ? 0 : 1;
  }
  const command = commands.get(name);
  if (!command) {
    console.error(`moat: unknown command "${name}"`);
    printHelp();
    return 2;
  }
  return command.run(rest);
}

function printHelp(): void {
  const lines = [...commands.values()].map((c) => `  moat ${c.name.padEnd(10)} ${c.summary}`);
  console.log(["Usage: moat <command> [options]", "", "Commands:", ...lines].join("\n"));
}
