// Registry of CLI commands. Each command lives in its own file next to this one.
import type { Command } from "./command.js";
import { networkCommand } from "./network.js";
import { policyCommand } from "./policy.js";
import { serveCommand } from "./serve.js";

const all: Command[] = [serveCommand, policyCommand, networkCommand];

export const commands: ReadonlyMap<string, Command> = new Map(all.map((c) => [c.name, c]));
