// The toolbox a policy's `parse` uses: typed attribute readers that substitute named values, compile
// expressions once, check requiredness / enums / ranges, and record every problem with path and position.
import type { Diagnostic } from "../core/errors.js";
import type { Checked } from "./attribute-checks.js";
import {
  attrLabel,
  checkBoolean,
  checkEnum,
  checkInteger,
  checkNonEmpty,
  checkNumber,
  deferredNamedValue,
  lookupEnum,
} from "./attribute-checks.js";
import type { ParsedStatement, PolicyDefinition } from "./definition.js";
import type { Dyn } from "./dynamic.js";
import { asBoolean, asInteger, asNumber, asString, constant } from "./dynamic.js";
import { compileExpression, isExpression } from "./expressions/index.js";
import { createNamedValueLookup, hasPlaceholder, type NamedValueLookup } from "./named-values.js";
import type { PolicyEnvironment, PolicyScope, Section } from "./types.js";
import type { XmlAttribute, XmlElement } from "./xml/reader.js";
import { assignPaths, parseXml } from "./xml/reader.js";

export interface ParserOptions {
  /**
   * Offline checks without the service's entities: unknown {{named values}}, fragments, backends and
   * loggers become warnings instead of errors.
   */
  readonly lenientReferences?: boolean;
}

interface AttributeOptions {
  readonly required?: boolean;
  /** Whether `@(...)` is accepted; each reader has its own default. */
  readonly expression?: boolean;
}

interface Where {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

const MAX_FRAGMENT_DEPTH = 8;

export class PolicyParser {
  readonly diagnostics: Diagnostic[] = [];
  /** Set when a statement reads the request/response body: the gateway buffers it before that section. */
  needsRequestBody = false;
  needsResponseBody = false;
  /** Section being parsed; undefined for a stand-alone fragment (valid in any section). */
  section: Section | undefined;
  scope: PolicyScope;
  /** Overrides which message header/body statements act on (return-response builds a response). */
  messageTarget: "request" | "response" | undefined;
  private readonly consumed = new WeakSet<XmlAttribute>();
  private readonly namedValues: NamedValueLookup;
  private readonly fragmentStack: string[] = [];
  /** First occurrence of each policy that may appear once (per document or per section). */
  private readonly firstOnce = new Map<string, XmlElement>();

  constructor(
    readonly env: PolicyEnvironment,
    private readonly registry: ReadonlyMap<string, PolicyDefinition<unknown>>,
    scope: PolicyScope,
    readonly options: ParserOptions = {},
  ) {
    this.scope = scope;
    this.namedValues = createNamedValueLookup(env.namedValues);
  }

  // ---- diagnostics ----

  error(code: string, message: string, at: Where): void {
    this.diagnostics.push({ severity: "error", code, message, path: at.path, line: at.line, column: at.column });
  }

  warning(code: string, message: string, at: Where): void {
    this.diagnostics.push({ severity: "warning", code, message, path: at.path, line: at.line, column: at.column });
  }

  attrWhere(el: XmlElement, attr: XmlAttribute): Where {
    return { path: `${el.path}/@${attr.name}`, line: attr.line, column: attr.column };
  }

  /** Number of errors so far: `failedSince(mark())` tells whether parsing a statement went wrong. */
  mark(): number {
    return this.diagnostics.length;
  }

  failedSince(mark: number): boolean {
    for (let i = mark; i < this.diagnostics.length; i++) if (this.diagnostics[i]?.severity === "error") return true;
    return false;
  }

  // ---- statements ----

  /** Parses nested policy statements (choose branches, retry bodies, fragments) in the current section. */
  statements(elements: readonly XmlElement[]): ParsedStatement[] {
    const out: ParsedStatement[] = [];
    for (const el of elements) {
      if (el.name === "base") {
        this.error("POLICY_ERR_MISPLACED_BASE", "<base /> is only allowed directly inside a section", el);
        continue;
      }
      const parsed = this.statement(el);
      if (parsed) out.push(parsed);
    }
    return out;
  }

  statement(el: XmlElement): ParsedStatement | undefined {
    const definition = this.registry.get(el.name);
    if (!definition) {
      this.error("POLICY_ERR_UNKNOWN_ELEMENT", `unknown policy element <${el.name}> at line ${el.line}`, el);
      return undefined;
    }
    if (this.section && !definition.sections.includes(this.section)) {
      this.error(
        "POLICY_ERR_SECTION_NOT_ALLOWED",
        `<${el.name}> is not allowed in the ${this.section} section (allowed: ${definition.sections.join(", ")})`,
        el,
      );
    }
    if (
      definition.scopes &&
      this.scope !== "fragment" &&
      !(definition.scopes as readonly string[]).includes(this.scope)
    ) {
      this.error(
        "POLICY_ERR_SCOPE_NOT_ALLOWED",
        `<${el.name}> is not allowed at ${this.scope} scope (allowed: ${definition.scopes.join(", ")})`,
        el,
      );
    }
    if (definition.once) this.checkOnce(definition.once, el);
    if (definition.inFragments === false && (this.scope === "fragment" || this.fragmentStack.length > 0)) {
      this.error(
        "POLICY_ERR_NOT_IN_FRAGMENT",
        `<${el.name}> at line ${el.line} is not supported inside a policy fragment; put it in the policy document itself`,
        el,
      );
    }
    const before = this.diagnostics.length;
    const idAttr = this.attr(el, "id");
    const config = definition.parse(el, this);
    this.reportUnknownAttributes(el);
    if (config === undefined) {
      if (this.diagnostics.length === before) {
        this.error("POLICY_ERR_INVALID", `<${el.name}> is not valid`, el);
      }
      return undefined;
    }
    return {
      definition,
      config,
      origin: {
        source: el.name,
        scope: this.scope,
        section: this.section ?? "",
        path: el.path,
        policyId: idAttr?.value ?? "",
      },
    };
  }

  /** Reports a second occurrence of a policy the reference allows once per document or per section. */
  private checkOnce(once: "document" | "section", el: XmlElement): void {
    const where = once === "document" ? "" : (this.section ?? "");
    const key = `${where}\u0000${el.name}`;
    const first = this.firstOnce.get(key);
    if (!first) {
      this.firstOnce.set(key, el);
      return;
    }
    const limit =
      once === "document" || !this.section ? "once per policy document" : `once in the ${this.section} section`;
    this.error(
      "POLICY_ERR_DUPLICATE_POLICY",
      `<${el.name}> at line ${el.line} may appear only ${limit}; the first is at line ${first.line} (${first.path})`,
      el,
    );
  }

  /** Inlines a fragment's statements (include-fragment): parsed in the including section and scope. */
  fragment(id: string, at: XmlElement): ParsedStatement[] | undefined {
    const xml = this.env.fragments.get(id);
    if (xml === undefined) {
      const message = `policy fragment "${id}" does not exist`;
      if (this.options.lenientReferences) {
        this.warning("POLICY_WARN_UNKNOWN_FRAGMENT", message, at);
        return [];
      }
      this.error("POLICY_ERR_UNKNOWN_FRAGMENT", message, at);
      return undefined;
    }
    if (this.fragmentStack.includes(id) || this.fragmentStack.length >= MAX_FRAGMENT_DEPTH) {
      this.error(
        "POLICY_ERR_FRAGMENT_CYCLE",
        `policy fragment "${id}" includes itself (${[...this.fragmentStack, id].join(" → ")})`,
        at,
      );
      return undefined;
    }
    const { root, diagnostics } = parseXml(xml);
    if (!root) {
      for (const d of diagnostics)
        this.diagnostics.push({ ...d, path: `fragment(${id})`, message: `in fragment "${id}": ${d.message}` });
      return undefined;
    }
    if (root.name !== "fragment") {
      this.error("POLICY_ERR_FRAGMENT_ROOT", `policy fragment "${id}" must have a <fragment> root element`, at);
      return undefined;
    }
    assignPaths(root, `fragment(${id})`);
    this.fragmentStack.push(id);
    try {
      return this.statements(root.children);
    } finally {
      this.fragmentStack.pop();
    }
  }

  // ---- attributes ----

  attr(el: XmlElement, name: string): XmlAttribute | undefined {
    for (const a of el.attributes) {
      if (a.name === name) {
        this.consumed.add(a);
        return a;
      }
    }
    return undefined;
  }

  /** Marks a nested element's attributes as handled elsewhere (e.g. parsed by another policy). */
  private reportUnknownAttributes(el: XmlElement): void {
    for (const a of el.attributes) {
      if (!this.consumed.has(a) && !a.name.startsWith("xmlns")) {
        this.warning(
          "POLICY_WARN_UNKNOWN_ATTRIBUTE",
          `unknown attribute "${a.name}" on <${el.name}> is ignored`,
          this.attrWhere(el, a),
        );
      }
    }
  }

  /** Checks a policy's child elements: every one must be in `allowed`. Returns them. */
  children(el: XmlElement, allowed: readonly string[]): XmlElement[] {
    for (const child of el.children) {
      if (!allowed.includes(child.name)) {
        this.error(
          "POLICY_ERR_UNKNOWN_ELEMENT",
          `unexpected element <${child.name}> in <${el.name}> at line ${child.line} (allowed: ${allowed.length ? allowed.join(", ") : "none"})`,
          child,
        );
      }
    }
    return el.children;
  }

  /** Containers of statements (sections, choose, when, retry …) hold elements only: stray text is an error. */
  noText(el: XmlElement): void {
    const text = el.text.trim();
    if (text !== "") {
      const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
      this.error(
        "POLICY_ERR_UNEXPECTED_TEXT",
        `unexpected text "${shown}" in <${el.name}> at line ${el.line}: only policy elements are allowed here`,
        el,
      );
    }
  }

  /** Checks attributes of a non-statement child element (e.g. <when condition>), warning on unknown ones. */
  finishChild(el: XmlElement): void {
    this.reportUnknownAttributes(el);
  }

  /** Raw text of an attribute or element with named values substituted. */
  private resolveText(raw: string, at: Where, options: { keepUnknown?: boolean } = {}): string {
    const unknown = (name: string) => {
      const message = `named value "${name}" is not defined`;
      if (this.options.lenientReferences) this.warning("POLICY_WARN_UNKNOWN_NAMED_VALUE", message, at);
      else this.error("POLICY_ERR_UNKNOWN_NAMED_VALUE", message, at);
    };
    return this.namedValues.substitute(raw, unknown, options.keepUnknown);
  }

  /** A text value that may be an expression. */
  private dynText<T>(
    raw: string,
    at: Where,
    convert: (value: unknown) => T,
    checkConstant: (text: string) => T | undefined,
    allowExpression: boolean,
    keepUnknown = false,
  ): Dyn<T> | undefined {
    const text = this.resolveText(raw, at, { keepUnknown });
    if (this.options.lenientReferences && !keepUnknown && hasPlaceholder(text)) {
      // The value is only known once the named value is: do not judge a placeholder as a constant.
      return { kind: "expr", expression: deferredNamedValue(text), convert };
    }
    if (isExpression(text)) {
      if (!allowExpression) {
        this.error("POLICY_ERR_EXPRESSION_NOT_ALLOWED", "policy expressions are not allowed here", at);
        return undefined;
      }
      const compiled = compileExpression(text.trim(), at);
      this.diagnostics.push(...compiled.diagnostics);
      if (!compiled.expression) return undefined;
      this.noteBodyUse(compiled.expression);
      return { kind: "expr", expression: compiled.expression, convert };
    }
    const value = checkConstant(text);
    return value === undefined ? undefined : constant(value);
  }

  /** Which message a header/body statement acts on here; "auto" inside a stand-alone fragment. */
  target(): "request" | "response" | "auto" {
    if (this.messageTarget) return this.messageTarget;
    if (this.section === "inbound" || this.section === "backend") return "request";
    if (this.section === "outbound" || this.section === "on-error") return "response";
    return "auto";
  }

  /** True when an offline check meets a value that depends on a named value it was not given. */
  isDeferred(text: string): boolean {
    return this.options.lenientReferences === true && hasPlaceholder(text);
  }

  noteBodyUse(uses: { usesRequestBody: boolean; usesResponseBody: boolean }): void {
    if (uses.usesRequestBody) this.needsRequestBody = true;
    if (uses.usesResponseBody) this.needsResponseBody = true;
  }

  /** Marks that a statement reads/replaces the body of the message its section works on. */
  usesSectionBody(): void {
    if (this.section === "inbound" || this.section === "backend") this.needsRequestBody = true;
    else if (this.section === "outbound" || this.section === "on-error") this.needsResponseBody = true;
    else {
      this.needsRequestBody = true;
      this.needsResponseBody = true;
    }
  }

  /**
   * The one path every typed attribute reader takes: find the attribute (or report it missing), then
   * substitute named values and either compile an expression or check the constant with `check`.
   */
  private typed<T>(
    el: XmlElement,
    name: string,
    opts: AttributeOptions,
    convert: (value: unknown) => T,
    check: (text: string, at: Where) => T | undefined,
    expressionByDefault = true,
  ): Dyn<T> | undefined {
    const a = this.attr(el, name);
    if (!a) return this.missing(el, name, opts.required);
    const at = this.attrWhere(el, a);
    return this.dynText(a.value, at, convert, (t) => check(t, at), opts.expression ?? expressionByDefault);
  }

  /** Reports a constant's problem (if any) and passes its value through. */
  private checked<T>(result: Checked<T>, at: Where): T | undefined {
    if ("problem" in result) {
      this.error(result.problem.code, result.problem.message, at);
      return undefined;
    }
    return result.value;
  }

  string(el: XmlElement, name: string, opts: AttributeOptions = {}): Dyn<string> | undefined {
    return this.typed(el, name, opts, asString, (t) => t);
  }

  /** A value kept as the expression returns it (set-variable): constants stay strings. */
  value(el: XmlElement, name: string, opts: { required?: boolean } = {}): Dyn<unknown> | undefined {
    return this.typed<unknown>(
      el,
      name,
      opts,
      (v) => v,
      (t) => t,
    );
  }

  /** Like string() but the value must not be empty. */
  nonEmpty(el: XmlElement, name: string, opts: AttributeOptions = {}): Dyn<string> | undefined {
    return this.typed(el, name, opts, asString, (t, at) => this.checked(checkNonEmpty(t, attrLabel(el, name)), at));
  }

  integer(
    el: XmlElement,
    name: string,
    opts: AttributeOptions & { min?: number; max?: number } = {},
  ): Dyn<number> | undefined {
    return this.typed(el, name, opts, asInteger, (t, at) => this.checkInteger(t, at, attrLabel(el, name), opts));
  }

  number(el: XmlElement, name: string, opts: AttributeOptions & { min?: number } = {}): Dyn<number> | undefined {
    return this.typed(el, name, opts, asNumber, (t, at) =>
      this.checked(checkNumber(t, attrLabel(el, name), opts.min), at),
    );
  }

  checkInteger(text: string, at: Where, what: string, opts: { min?: number; max?: number }): number | undefined {
    return this.checked(checkInteger(text, what, opts), at);
  }

  boolean(el: XmlElement, name: string, opts: AttributeOptions = {}): Dyn<boolean> | undefined {
    return this.typed(el, name, opts, asBoolean, (t, at) => this.checked(checkBoolean(t, attrLabel(el, name)), at));
  }

  /** Enumerations are constants unless `expression: true`: most enum attributes select behaviour at compile time. */
  enumeration<T extends string>(
    el: XmlElement,
    name: string,
    values: readonly T[],
    opts: AttributeOptions = {},
  ): Dyn<T> | undefined {
    const convert = (value: unknown): T => {
      const v = lookupEnum(values, asString(value));
      if (v === undefined) throw new Error(`"${asString(value)}" is not one of ${values.join(", ")} for ${name}`);
      return v;
    };
    const check = (t: string, at: Where): T | undefined => this.checked(checkEnum(values, t, attrLabel(el, name)), at);
    return this.typed(el, name, opts, convert, check, false);
  }

  /** Element text (decoded, trimmed for constants) as a possibly dynamic string. */
  text(
    el: XmlElement,
    opts: { expression?: boolean; keepUnknownNamedValues?: boolean; raw?: boolean } = {},
  ): Dyn<string> | undefined {
    const source = opts.raw && el.children.length > 0 ? el.inner : el.text;
    return this.dynText(
      source,
      el,
      asString,
      (t) => (opts.raw ? t : t.trim()),
      opts.expression ?? true,
      opts.keepUnknownNamedValues,
    );
  }

  /** Constant text only (no expressions), named values substituted. */
  constantText(raw: string, at: Where, opts: { keepUnknownNamedValues?: boolean } = {}): string {
    return this.resolveText(raw, at, { keepUnknown: opts.keepUnknownNamedValues });
  }

  private missing<T>(el: XmlElement, name: string, required: boolean | undefined): T | undefined {
    if (required) this.error("POLICY_ERR_REQUIRED", `<${el.name}> requires attribute "${name}"`, el);
    return undefined;
  }
}
