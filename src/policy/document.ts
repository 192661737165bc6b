// One policy document (<policies> with its sections, or a <fragment>) → parsed statements per section,
// with `<base/>` kept as a marker for scope resolution.
import type { Diagnostic } from "../core/errors.js";
import type { ParsedStatement, PolicyDefinition } from "./definition.js";
import type { ParserOptions } from "./parser.js";
import { PolicyParser } from "./parser.js";
import type { PolicyEnvironment, PolicyScope, Section } from "./types.js";
import { assignPaths, parseXml } from "./xml/reader.js";

export const SECTIONS: readonly Section[] = ["inbound", "backend", "outbound", "on-error"];

export const BASE = Symbol("base");
export type SectionItem = ParsedStatement | typeof BASE;

export interface ParsedDocument {
  /** Present sections; a missing section inherits the parent scope's. */
  readonly sections: Map<Section, SectionItem[]>;
  /** Statements of a fragment document (no sections). */
  readonly fragment: ParsedStatement[] | undefined;
  readonly diagnostics: Diagnostic[];
  readonly needsRequestBody: boolean;
  readonly needsResponseBody: boolean;
}

export interface DocumentOptions extends ParserOptions {
  /** Accept documentation snippets: a bare statement list is read as a fragment. */
  readonly loose?: boolean;
}

export function parseDocument(
  xml: string,
  scope: PolicyScope,
  env: PolicyEnvironment,
  registry: ReadonlyMap<string, PolicyDefinition<unknown>>,
  options: DocumentOptions = {},
): ParsedDocument {
  const sections = new Map<Section, SectionItem[]>();
  const { root, diagnostics: xmlDiagnostics } = parseXml(xml, { loose: options.loose });
  const p = new PolicyParser(env, registry, scope, options);
  const result = (fragment?: ParsedStatement[]): ParsedDocument => ({
    sections,
    fragment,
    diagnostics: [...xmlDiagnostics, ...p.diagnostics],
    needsRequestBody: p.needsRequestBody,
    needsResponseBody: p.needsResponseBody,
  });
  if (!root) return result();

  // A documentation snippet made only of sections is a <policies> document without its root.
  const sectionsOnly =
    options.loose &&
    root.name === "fragment" &&
    root.children.length > 0 &&
    root.children.every((c) => SECTIONS.some((s) => s === c.name));
  if (root.name === "fragment" && !sectionsOnly) {
    if (scope !== "fragment" && !options.loose) {
      p.error(
        "POLICY_ERR_ROOT",
        "a policy document must have a <policies> root element (<fragment> is for policy fragments)",
        root,
      );
      return result();
    }
    assignPaths(root, "");
    p.section = undefined;
    return result(p.statements(root.children));
  }
  if (root.name !== "policies" && !sectionsOnly) {
    p.error("POLICY_ERR_ROOT", `expected a <policies> root element, found <${root.name}>`, root);
    return result();
  }
  if (scope === "fragment") {
    p.error("POLICY_ERR_ROOT", "a policy fragment must have a <fragment> root element", root);
    return result();
  }
  for (const a of root.attributes) {
    if (!a.name.startsWith("xmlns"))
      p.warning("POLICY_WARN_UNKNOWN_ATTRIBUTE", `unknown attribute "${a.name}" on <policies> is ignored`, {
        path: `@${a.name}`,
        line: a.line,
        column: a.column,
      });
  }
  for (const sectionEl of root.children) {
    const section = SECTIONS.find((s) => s === sectionEl.name);
    if (!section) {
      p.error(
        "POLICY_ERR_UNKNOWN_SECTION",
        `unknown section <${sectionEl.name}> at line ${sectionEl.line} (expected inbound, backend, outbound, on-error)`,
        { path: sectionEl.name, line: sectionEl.line, column: sectionEl.column },
      );
      continue;
    }
    if (sections.has(section)) {
      p.error("POLICY_ERR_DUPLICATE_SECTION", `section <${section}> appears more than once`, {
        path: section,
        line: sectionEl.line,
        column: sectionEl.column,
      });
      continue;
    }
    assignPaths(sectionEl, section);
    p.section = section;
    p.noText(sectionEl);
    const items: SectionItem[] = [];
    let bases = 0;
    for (const el of sectionEl.children) {
      if (el.name === "base") {
        if (++bases > 1) p.error("POLICY_ERR_DUPLICATE_BASE", `<base /> may appear only once in <${section}>`, el);
        else items.push(BASE);
        continue;
      }
      const parsed = p.statement(el);
      if (parsed) items.push(parsed);
    }
    sections.set(section, items);
  }
  return result();
}
