// Compiler foundation: scopes and slots, type names, name resolution (locals, `context`, namespaces,
// static types) and member checks against the context object model. Calls and operators build on it.
import type { Expr, Stmt, TypeName } from "./ast.js";
import { createExpressionContext } from "./context-view.js";
import {
  CONTEXT_TYPES,
  checkTypeName,
  KNOWN_INSTANCE_MEMBERS,
  MEMBER_TYPES,
  membersOfType,
  NAMESPACES,
  UNIVERSAL_MEMBERS,
} from "./known-types.js";
import { memberReader } from "./member-readers.js";
import { LINQ } from "./runtime/linq.js";
import { getProperty } from "./runtime/members.js";
import type { NumKind } from "./runtime/operators.js";
import type { Env } from "./runtime/statics.js";
import { STATIC_TYPES } from "./runtime/statics.js";

export type Ev = (env: RunEnv) => unknown;
export interface RunEnv extends Env {
  view?: ReturnType<typeof createExpressionContext>;
  /** Local function call depth (recursion guard). */
  depth?: number;
}

/** Evaluates argument closures into a fresh array (a loop: no per-call callback closure as with map). */
export function evalAll(evs: readonly Ev[], env: RunEnv): unknown[] {
  const n = evs.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = evs[i]!(env);
  return out;
}

export interface Node {
  ev: Ev;
  /** Static type: a C# type name, a context interface (IRequest …) or "?" when only known at run time. */
  type: string;
  /** Inside a `?.` chain: a null receiver yields null instead of throwing. */
  nullChain?: boolean;
  /** Literal: the value is known at compile time. */
  constant?: boolean;
}

export type Resolved =
  | { kind: "value"; node: Node }
  | { kind: "type"; name: string }
  | { kind: "namespace"; name: string };

export interface Local {
  slot: number;
  type: string;
}

export class CompileError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly code = "POLICY_ERR_EXPRESSION_UNSUPPORTED",
  ) {
    super(message);
  }
}

export const INTEGRAL = new Set(["int", "long", "short", "byte", "sbyte", "uint", "ulong", "ushort", "char"]);
export const FLOATING = new Set(["double", "float", "decimal"]);

export function numKind(a: string, b: string): NumKind {
  if (FLOATING.has(a) || FLOATING.has(b)) return "double";
  if (INTEGRAL.has(a) && INTEGRAL.has(b)) return a === "long" || b === "long" ? "long" : "int";
  return undefined;
}

export function resultNumType(a: string, b: string): string {
  const k = numKind(a, b);
  return k === undefined ? "?" : k;
}

/** The static type of the items of a collection type (indexed or iterated by foreach); "?" when unknown. */
export function elementType(type: string): string {
  return type.endsWith("[]") ? type.slice(0, -2) : type === "string" ? "char" : "?";
}

export abstract class CompilerBase {
  protected scopes: Array<Map<string, Local>> = [new Map()];
  slotCount = 0;
  usesRequestBody = false;
  usesResponseBody = false;
  readonly errors: CompileError[] = [];

  /** Records a problem; the returned node has the poison type "!" so that follow-up errors are not reported. */
  protected fail(message: string, offset: number, code?: string): Node {
    this.errors.push(new CompileError(message, offset, code));
    return { ev: () => null, type: "!" };
  }

  protected declare(name: string, type: string, at: number): Local {
    const scope = this.scopes[this.scopes.length - 1]!;
    if (this.lookup(name))
      this.fail(
        `a local variable named '${name}' is already defined in this scope`,
        at,
        "POLICY_ERR_EXPRESSION_INVALID",
      );
    const local = { slot: this.slotCount++, type };
    scope.set(name, local);
    return local;
  }

  protected lookup(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i]!.get(name);
      if (l) return l;
    }
    return undefined;
  }

  protected abstract callLocalFunction(name: string, args: Node[], at: number): Node | undefined;
  protected abstract lambdaBlock(body: Stmt): Ev;
  protected abstract value(e: Expr): Node;

  /** Resolves a type reference written in the source; reports unknown types. */
  typeName(t: TypeName): string {
    if (t.name === "var") return "?";
    const check = checkTypeName(t.name);
    if (!check.ok) {
      this.fail(check.message, t.at);
      return "!";
    }
    for (const a of t.args) this.typeName(a);
    return check.name + "[]".repeat(t.arrays);
  }

  expr(e: Expr): Node {
    const r = this.resolve(e);
    if (r.kind === "value") return r.node;
    return this.fail(`'${r.name}' is a ${r.kind}, not a value`, e.at, "POLICY_ERR_EXPRESSION_INVALID");
  }

  protected resolve(e: Expr): Resolved {
    switch (e.kind) {
      case "name":
        return this.name(e);
      case "member":
        return this.member(e);
      default:
        return { kind: "value", node: this.value(e) };
    }
  }

  protected name(e: Extract<Expr, { kind: "name" }>): Resolved {
    const local = this.lookup(e.name);
    if (local) {
      const slot = local.slot;
      return { kind: "value", node: { ev: (env) => env.slots[slot], type: local.type } };
    }
    if (e.name === "context") {
      return {
        kind: "value",
        node: { ev: (env) => (env.view ??= createExpressionContext(env.ctx)), type: "IContext" },
      };
    }
    if (NAMESPACES.has(e.name)) return { kind: "namespace", name: e.name };
    const check = checkTypeName(e.name);
    if (check.ok) return { kind: "type", name: check.name };
    if (/^[A-Z]/.test(e.name) && !check.message.startsWith("unknown"))
      return { kind: "value", node: this.fail(check.message, e.at) };
    return { kind: "value", node: this.fail(`unknown identifier '${e.name}'`, e.at) };
  }

  protected member(e: Extract<Expr, { kind: "member" }>): Resolved {
    const target = this.resolve(e.target);
    if (target.kind === "namespace") {
      const full = `${target.name}.${e.name}`;
      if (NAMESPACES.has(full)) return { kind: "namespace", name: full };
      const check = checkTypeName(full);
      if (check.ok) return { kind: "type", name: check.name };
      return { kind: "value", node: this.fail(check.message, e.at) };
    }
    if (target.kind === "value" && target.node.type === "!") return target;
    if (target.kind === "type") {
      const st = STATIC_TYPES[target.name];
      const prop = st?.props?.[e.name];
      if (prop)
        return {
          kind: "value",
          node: {
            ev: prop,
            type: st?.types?.[e.name] ?? (target.name === "string" ? "string" : staticPropType(target.name, e.name)),
          },
        };
      if (st?.methods?.[e.name] || st?.outMethods?.[e.name])
        return {
          kind: "value",
          node: this.fail(
            `method '${target.name}.${e.name}' must be called`,
            e.nameAt,
            "POLICY_ERR_EXPRESSION_INVALID",
          ),
        };
      return { kind: "value", node: this.fail(`unsupported member '${e.name}' on type '${target.name}'`, e.nameAt) };
    }
    return { kind: "value", node: this.instanceMember(target.node, e.name, e.nullCond, e.nameAt) };
  }

  protected checkMember(target: Node, name: string, at: number, isCall: boolean): string | undefined {
    if (target.type === "!") return "!";
    const ctxType = CONTEXT_TYPES[target.type];
    if (ctxType) {
      const m = ctxType.members[name];
      if (m !== undefined) {
        if (m.endsWith("()") !== isCall) {
          this.fail(
            isCall
              ? `'${name}' on type '${ctxType.display}' is not a method`
              : `method '${name}' on type '${ctxType.display}' must be called`,
            at,
            "POLICY_ERR_EXPRESSION_INVALID",
          );
          return undefined;
        }
        return m.replace("()", "");
      }
      if (UNIVERSAL_MEMBERS.has(name) || (ctxType.dictionary && name in LINQ)) return "?";
      this.fail(`unsupported member '${name}' on type '${ctxType.display}'`, at);
      return undefined;
    }
    if (target.type === "string" && !isCall && name !== "Length") {
      this.fail(`unsupported member '${name}' on type 'string'`, at);
      return undefined;
    }
    if (target.type === "string" && isCall && !(name in STRING_METHODS_SET) && !(name in LINQ)) {
      this.fail(`unsupported member '${name}' on type 'string'`, at);
      return undefined;
    }
    const typed = membersOfType(target.type);
    if (typed && !typed.has(name)) {
      this.fail(`unsupported member '${name}' on type '${target.type}'`, at);
      return undefined;
    }
    // Lower-case names are members of anonymous objects and JSON-like values.
    if (!KNOWN_INSTANCE_MEMBERS.has(name) && !/^[a-z_]/.test(name)) {
      this.fail(`unsupported member '${name}'${target.type !== "?" ? ` on type '${target.type}'` : ""}`, at);
      return undefined;
    }
    return MEMBER_TYPES[name] ?? "?";
  }

  protected noteBody(target: Node, name: string): void {
    if (name !== "Body") return;
    if (target.type === "IRequest") this.usesRequestBody = true;
    if (target.type === "IContextResponse") this.usesResponseBody = true;
  }

  protected instanceMember(target: Node, name: string, nullCond: boolean, at: number): Node {
    const type = this.checkMember(target, name, at, false);
    if (type === undefined || type === "!") return { ev: () => null, type: "!" };
    this.noteBody(target, name);
    const lenient = nullCond || target.nullChain === true;
    const t = target.ev;
    if (CONTEXT_TYPES[target.type] && !CONTEXT_TYPES[target.type]!.dictionary) {
      // Views of the context object model: a direct getter read, checked at compile time.
      const read = memberReader(name) ?? ((o: Record<string, unknown>) => o[name]);
      return {
        ev: (env) => {
          const o = t(env) as Record<string, unknown> | null | undefined;
          if (o === null || o === undefined) {
            if (lenient) return null;
            return getProperty(o, name);
          }
          return read(o);
        },
        type,
        nullChain: lenient,
      };
    }
    return {
      ev: (env) => {
        const o = t(env);
        if ((o === null || o === undefined) && lenient) return null;
        return getProperty(o, name);
      },
      type,
      nullChain: lenient,
    };
  }
}

export const STRING_METHODS_SET = Object.fromEntries(
  [
    "Split",
    "Substring",
    "IndexOf",
    "LastIndexOf",
    "IndexOfAny",
    "Contains",
    "StartsWith",
    "EndsWith",
    "Equals",
    "CompareTo",
    "ToLower",
    "ToUpper",
  ]
    .concat([
      "ToLowerInvariant",
      "ToUpperInvariant",
      "Trim",
      "TrimStart",
      "TrimEnd",
      "Replace",
      "PadLeft",
      "PadRight",
      "Insert",
      "Remove",
      "ToCharArray",
    ])
    .concat(["ToString", "Normalize", "GetHashCode", "AsJwt", "TryParseJwt", "AsBasic", "TryParseBasic"])
    .map((n) => [n, true]),
);

export function staticPropType(type: string, name: string): string {
  if (
    ["DateTime", "DateTimeOffset"].includes(type) &&
    ["UtcNow", "Now", "Today", "MinValue", "MaxValue"].includes(name)
  )
    return "DateTime";
  if (type === "TimeSpan") return "TimeSpan";
  if (type === "Guid") return "Guid";
  return "?";
}
