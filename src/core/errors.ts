// Faults carry a stable code so that callers branch on codes, never on messages.
// Expected data-plane outcomes (unauthorized, rate limited) are values, not errors.

export class MoatError extends Error {
  readonly code: string;
  readonly details: readonly Diagnostic[];

  constructor(code: string, message: string, options?: { cause?: unknown; details?: readonly Diagnostic[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MoatError";
    this.code = code;
    this.details = options?.details ?? [];
  }
}

/** One problem found in configuration, a document or a request: where it is and what is wrong. */
export interface Diagnostic {
  readonly severity: "error" | "warning" | "info";
  /** Stable machine code, e.g. POLICY_ERR_UNKNOWN_ELEMENT. */
  readonly code: string;
  readonly message: string;
  /** Field path, e.g. "properties.sku.capacity" or "inbound/rate-limit-by-key[1]/@calls". */
  readonly path?: string;
  /** 1-based position in a source text, when the problem comes from a text document. */
  readonly line?: number;
  readonly column?: number;
}

export function errorDiagnostic(code: string, message: string, at?: Partial<Diagnostic>): Diagnostic {
  return { severity: "error", code, message, ...at };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = [
    d.path,
    d.line !== undefined ? `line ${d.line}${d.column !== undefined ? `:${d.column}` : ""}` : undefined,
  ]
    .filter(Boolean)
    .join(" ");
  return `${d.severity} ${d.code}${where ? ` at ${where}` : ""}: ${d.message}`;
}
