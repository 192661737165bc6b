// What a policy is: a parser that checks one XML element into a typed config (run on every management PUT)
// and a compiler that turns the config into a Step (run once per configuration revision).

import type { PolicyParser } from "./parser.js";
import type { PolicyContext, Section, Step } from "./types.js";
import type { XmlElement } from "./xml/reader.js";

export interface PolicyDefinition<Config> {
  /** XML element name, e.g. "rate-limit-by-key". */
  readonly name: string;
  /** Sections the statement may appear in. */
  readonly sections: readonly Section[];
  /** Scopes the statement may appear at (all when absent). */
  readonly scopes?: readonly ("global" | "workspace" | "product" | "api" | "operation")[];
  /**
   * How often the statement may appear, from the usage notes of Azure's policy reference: "document" for
   * "can be used only once per policy definition" (rate-limit, quota), "section" for "can only be used once
   * in a policy section" (cache-lookup, cache-store, cors). Nested and fragment-inlined statements count.
   */
  readonly once?: "document" | "section";
  /** False when the reference says "not supported inside a policy fragment" (cache-lookup, cache-store). */
  readonly inFragments?: boolean;
  parse(el: XmlElement, p: PolicyParser): Config | undefined;
  compile(config: Config, deps: CompileDeps): Step;
}

/** A statement after parsing: enough to compile it later and to say where it came from. */
export interface ParsedStatement {
  // biome-ignore lint/suspicious/noExplicitAny: the registry is heterogeneous; each config matches its own definition
  readonly definition: PolicyDefinition<any>;
  readonly config: unknown;
  readonly origin: StatementOrigin;
}

/** Where a statement sits: becomes context.LastError's Source/Scope/Section/Path/PolicyId. */
export interface StatementOrigin {
  readonly source: string;
  readonly scope: string;
  readonly section: string;
  readonly path: string;
  readonly policyId: string;
}

export interface CompileDeps {
  /** Compiles nested statements (choose branches, retry body, …) into one step. */
  sequence(statements: readonly ParsedStatement[]): Step;
  /** Origin of the statement being compiled. */
  readonly origin: StatementOrigin;
}

export type Getter<T> = (ctx: PolicyContext) => T;

/** Defines a policy with its config type inferred from `parse`. */
export function definePolicy<Config>(definition: PolicyDefinition<Config>): PolicyDefinition<Config> {
  return definition;
}
