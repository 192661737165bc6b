export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}
