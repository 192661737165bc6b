// Registry of CLI commands. Each command lives in its own file next to this one.
import type { Command } from "./command.js";

const all: Command[] = [];

export const commands: ReadonlyMap<string, Command> = new Map(all.map((c) => [c.name, c]));
