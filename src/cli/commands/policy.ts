// `moat policy check <file|dir>…`: validates APIM policy documents offline and prints every diagnostic
// with its line and column. Fragments found among the files can be included by the others (by file name
// without extension); named values come from --named-values (a JSON object); references that the
// command cannot know (named values, fragments, backends, loggers) are warnings here.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, relative } from "node:path";
import type { Diagnostic } from "../../core/errors.js";
import type { PolicyEnvironment, PolicyScope } from "../../policy/index.js";
import { validatePolicyDocument } from "../../policy/index.js";
import { parseArgs } from "../args.js";
import type { Command } from "./command.js";

const SCOPES: readonly PolicyScope[] = ["global", "workspace", "product", "api", "operation", "fragment"];

export interface CheckResult {
  file: string;
  ok: boolean;
  diagnostics: Diagnostic[];
}

export interface CheckOptions {
  scope: PolicyScope;
  namedValues: ReadonlyMap<string, string>;
}

function collect(path: string, out: string[]): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const full = join(path, name);
      if (statSync(full).isDirectory() || extname(name).toLowerCase() === ".xml") collect(full, out);
    }
  } else out.push(path);
}

/** A document whose root is <fragment> is a policy fragment, whatever scope was asked for. */
function isFragment(xml: string): boolean {
  return /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<fragment[\s>]/.test(xml);
}

export function checkPolicyFiles(paths: readonly string[], options: CheckOptions): CheckResult[] {
  const files: string[] = [];
  for (const p of paths) collect(p, files);
  const texts = new Map(files.map((f) => [f, readFileSync(f, "utf8")]));
  const fragments = new Map<string, string>();
  for (const [file, xml] of texts) if (isFragment(xml)) fragments.set(basename(file, extname(file)), xml);
  const env: PolicyEnvironment = {
    namedValues: options.namedValues,
    fragments,
    backendIds: new Set(),
    loggerIds: new Set(),
  };
  return files.map((file) => {
    const xml = texts.get(file) ?? "";
    const scope = isFragment(xml) ? "fragment" : options.scope;
    let diagnostics: Diagnostic[];
    try {
      diagnostics = validatePolicyDocument(xml, scope, env, { loose: true, lenientReferences: true });
    } catch (error) {
      // A crash is a bug in Moat, but one file must not hide the others' results.
      diagnostics = [
        {
          severity: "error",
          code: "POLICY_ERR_INTERNAL",
          message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
        },
      ];
    }
    return { file, ok: !diagnostics.some((d) => d.severity === "error"), diagnostics };
  });
}

export function formatCheck(result: CheckResult, base: string): string[] {
  const name = relative(base, result.file) || result.file;
  const lines = result.diagnostics.map((d) => {
    const where = d.line !== undefined ? `${d.line}:${d.column ?? 1}` : "-";
    return `  ${where} ${d.severity} ${d.code}${d.path ? ` (${d.path})` : ""}: ${d.message}`;
  });
  return [`${name}: ${result.ok ? "ok" : "failed"}`, ...lines];
}

function loadNamedValues(file: string): Map<string, string> {
  const value: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${file}: named values must be a JSON object of name → value`);
  }
  return new Map(Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

const USAGE =
  "usage: moat policy check <file|dir>… [--scope global|product|api|operation|fragment] [--named-values file.json] [--quiet]";

export const policyCommand: Command = {
  name: "policy",
  summary: "check APIM policy documents: moat policy check <file|dir> [--scope api] [--named-values file.json]",
  async run(argv) {
    const { positionals, flags } = parseArgs(argv, new Set(["quiet"]));
    const [sub, ...paths] = positionals;
    if (sub !== "check" || paths.length === 0) {
      console.error(USAGE);
      return 2;
    }
    const scope = (typeof flags.scope === "string" ? flags.scope : "api") as PolicyScope;
    if (!SCOPES.includes(scope)) {
      console.error(`moat: --scope must be one of ${SCOPES.join(", ")}`);
      return 2;
    }
    let namedValues: Map<string, string> = new Map();
    try {
      if (typeof flags["named-values"] === "string") namedValues = loadNamedValues(flags["named-values"]);
      const results = checkPolicyFiles(paths, { scope, namedValues });
      const base =
        paths.length === 1 && statSync(paths[0] as string).isDirectory() ? (paths[0] as string) : process.cwd();
      for (const r of results) {
        if (flags.quiet === true && r.ok) continue;
        for (const line of formatCheck(r, base)) console.log(line);
      }
      const good = results.filter((r) => r.ok).length;
      console.log(`${good} of ${results.length} documents compile`);
      return good === results.length ? 0 : 1;
    } catch (error) {
      console.error(`moat: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
  },
};
