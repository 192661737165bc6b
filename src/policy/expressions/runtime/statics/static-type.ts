// What a static type offers to expressions (static members, a constructor, the static types of results),
// and the small helpers the type families below share.
import type { PolicyContext } from "../../../types.js";
import { CsEnum, toPolicyString } from "../../to-string.js";

export interface Env {
  readonly ctx: PolicyContext;
  readonly slots: unknown[];
}

export type Method = (args: unknown[], typeArgs: string[], env: Env) => unknown;

export interface StaticType {
  readonly props?: Record<string, (env: Env) => unknown>;
  readonly methods?: Record<string, Method>;
  readonly ctor?: (args: unknown[], typeArgs: string[]) => unknown;
  /** Static result types of members (for integer arithmetic and member checks). */
  readonly types?: Record<string, string>;
  /** Methods whose last argument is `out`: they return [result, outValue]. */
  readonly outMethods?: Record<string, (args: unknown[], typeArgs: string[]) => [unknown, unknown]>;
}

/** A family of static types by the names expressions use for them (`int` and `Int32` alike). */
export type StaticTypes = Record<string, StaticType>;

/** The gateway clock's time (ms), so that tests and the benchmark control `DateTime.UtcNow`. */
export const now = (env: Env): number => env.ctx.services.clock.now();

/** The text of an argument, keeping null as null (for `Parse(null)` to fail the .NET way). */
export const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : toPolicyString(v));

export const enumType = (type: string, names: string[]): StaticType => ({
  props: Object.fromEntries(names.map((n, i) => [n, () => new CsEnum(type, n, i)])),
});

/** `T.TryParse(text, out value)`: [true, parsed], or [false, the type's default] where `parse` throws. */
export const tryParsing =
  (parse: (v: unknown) => unknown, failed: () => unknown) =>
  ([v]: unknown[]): [unknown, unknown] => {
    try {
      return [true, parse(v)];
    } catch {
      return [false, failed()];
    }
  };
