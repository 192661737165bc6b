// Parsed statements → one Step. Each definition compiles its own config; nested statements come back
// through deps.sequence, so choose/retry/limit-concurrency bodies are compiled by the same path.
import type { CompileDeps, ParsedStatement } from "./definition.js";
import { createSequence } from "./sequence.js";
import type { Step } from "./types.js";

export function compileStatements(statements: readonly ParsedStatement[]): Step {
  const steps: Step[] = [];
  for (const s of statements) {
    const deps: CompileDeps = { sequence: compileStatements, origin: s.origin };
    steps.push(s.definition.compile(s.config, deps));
  }
  return createSequence(
    steps,
    statements.map((s) => s.origin),
  );
}
