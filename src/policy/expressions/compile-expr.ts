// Compiles expression trees into closures once; evaluation walks no tree and parses nothing.
// Names, types and members are resolved here so that unsupported constructs become diagnostics.
import type { Arg, Expr, Stmt, TypeName } from "./ast.js";
import { createExpressionContext, isPolicyResponse, ResponseView } from "./context-view.js";
import {
  CONTEXT_TYPES,
  checkTypeName,
  KNOWN_INSTANCE_MEMBERS,
  MEMBER_TYPES,
  NAMESPACES,
  UNIVERSAL_MEMBERS,
} from "./known-types.js";
import { asBasic, asJwt, type BasicCredentials, type JwtView } from "./runtime/auth.js";
import { CsException, checkSize } from "./runtime/errors.js";
import { JArray, JObject, JProperty, JToken, JValue } from "./runtime/json.js";
import { LINQ } from "./runtime/linq.js";
import { callMethod, castTo, getProperty, indexGet, indexSet, setProperty } from "./runtime/members.js";
import { add, arith, bitwise, compare, csEquals, type NumKind, negate, subtract, truthy } from "./runtime/operators.js";
import type { Env } from "./runtime/statics.js";
import { STATIC_TYPES } from "./runtime/statics.js";
import { CsDateTime, CsGuid, CsTimeSpan } from "./runtime/time.js";
import { CsRegex, formatValue } from "./runtime/types.js";
import { CsAnonymous } from "./to-string.js";

export type Ev = (env: RunEnv) => unknown;
export interface RunEnv extends Env {
  view?: ReturnType<typeof createExpressionContext>;
  /** Local function call depth (recursion guard). */
  depth?: number;
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

type Resolved = { kind: "value"; node: Node } | { kind: "type"; name: string } | { kind: "namespace"; name: string };

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

const INTEGRAL = new Set(["int", "long", "short", "byte", "sbyte", "uint", "ulong", "ushort", "char"]);
const FLOATING = new Set(["double", "float", "decimal"]);

function numKind(a: string, b: string): NumKind {
  if (FLOATING.has(a) || FLOATING.has(b)) return "double";
  if (INTEGRAL.has(a) && INTEGRAL.has(b)) return a === "long" || b === "long" ? "long" : "int";
  return undefined;
}

function resultNumType(a: string, b: string): string {
  const k = numKind(a, b);
  return k === undefined ? "?" : k;
}

const NAMED_PARAMS: Record<string, string[]> = {
  As: ["preserveContent"],
  AsFormUrlEncodedContent: ["preserveContent"],
  GetValueOrDefault: ["key", "defaultValue"],
  Split: ["separator", "count", "options"],
  Equals: ["value", "comparisonType"],
};

export abstract class ExprCompiler {
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

  private resolve(e: Expr): Resolved {
    switch (e.kind) {
      case "name":
        return this.name(e);
      case "member":
        return this.member(e);
      default:
        return { kind: "value", node: this.value(e) };
    }
  }

  private name(e: Extract<Expr, { kind: "name" }>): Resolved {
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

  private member(e: Extract<Expr, { kind: "member" }>): Resolved {
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

  private checkMember(target: Node, name: string, at: number, isCall: boolean): string | undefined {
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
    // Lower-case names are members of anonymous objects and JSON-like values.
    if (!KNOWN_INSTANCE_MEMBERS.has(name) && !/^[a-z_]/.test(name)) {
      this.fail(`unsupported member '${name}'${target.type !== "?" ? ` on type '${target.type}'` : ""}`, at);
      return undefined;
    }
    return MEMBER_TYPES[name] ?? "?";
  }

  private noteBody(target: Node, name: string): void {
    if (name !== "Body") return;
    if (target.type === "IRequest") this.usesRequestBody = true;
    if (target.type === "IContextResponse") this.usesResponseBody = true;
  }

  private instanceMember(target: Node, name: string, nullCond: boolean, at: number): Node {
    const type = this.checkMember(target, name, at, false);
    if (type === undefined || type === "!") return { ev: () => null, type: "!" };
    this.noteBody(target, name);
    const lenient = nullCond || target.nullChain === true;
    const t = target.ev;
    if (CONTEXT_TYPES[target.type] && !CONTEXT_TYPES[target.type]!.dictionary) {
      // Views of the context object model: a direct getter read, checked at compile time.
      return {
        ev: (env) => {
          const o = t(env) as Record<string, unknown> | null | undefined;
          if (o === null || o === undefined) {
            if (lenient) return null;
            return getProperty(o, name);
          }
          return o[name];
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

  private value(e: Expr): Node {
    switch (e.kind) {
      case "literal": {
        const v = e.value;
        return { ev: () => v, type: e.type, constant: true };
      }
      case "interp":
        return this.interpolation(e);
      case "call":
        return this.call(e);
      case "index":
        return this.index(e);
      case "unary":
        return this.unary(e);
      case "update":
        return this.update(e);
      case "binary":
        return this.binary(e);
      case "assign":
        return this.assign(e);
      case "cond": {
        const test = this.expr(e.test);
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        return {
          ev: (env) => (truthy(test.ev(env), "condition") ? a.ev(env) : b.ev(env)),
          type: a.type === b.type ? a.type : a.type === "null" ? b.type : b.type === "null" ? a.type : "?",
        };
      }
      case "cast":
        return this.cast(e);
      case "is":
        return this.isExpr(e);
      case "as": {
        const inner = this.expr(e.expr);
        const type = this.typeName(e.type);
        return { ev: (env) => (isOfType(inner.ev(env), type) ? castTo(inner.ev(env), type) : null), type };
      }
      case "lambda":
        return this.lambda(e);
      case "new":
        return this.newObject(e);
      case "anon": {
        const members = e.members.map((m) => ({ name: m.name, node: this.expr(m.value) }));
        return {
          ev: (env) => {
            const rec: Record<string, unknown> = {};
            for (const m of members) rec[m.name] = m.node.ev(env);
            return new CsAnonymous(rec);
          },
          type: "?",
        };
      }
      case "array":
        return this.array(e);
      case "typeof":
        return this.fail("'typeof' is not supported", e.at);
      case "name":
      case "member":
        return this.expr(e);
    }
  }

  private interpolation(e: Extract<Expr, { kind: "interp" }>): Node {
    const parts = e.parts.map((p) => (typeof p === "string" ? p : { node: this.expr(p.expr), format: p.format }));
    return {
      ev: (env) => {
        let out = "";
        for (const p of parts) out += typeof p === "string" ? p : formatValue(p.node.ev(env), p.format);
        return out;
      },
      type: "string",
    };
  }

  private args(args: Arg[], method: string): { nodes: Node[]; outs: Arg[] } {
    const nodes: Node[] = [];
    const outs: Arg[] = [];
    const named = NAMED_PARAMS[method];
    for (const a of args) {
      if (a.out) {
        outs.push(a);
        continue;
      }
      const node = this.expr(a.value);
      if (a.name !== undefined) {
        const index = named?.indexOf(a.name) ?? -1;
        if (index < 0) {
          this.fail(`named argument '${a.name}' is not supported for '${method}'`, a.value.at);
          continue;
        }
        nodes[index] = node;
        continue;
      }
      nodes.push(node);
    }
    for (let i = 0; i < nodes.length; i++) nodes[i] ??= { ev: () => undefined, type: "?" };
    return { nodes, outs };
  }

  private call(e: Extract<Expr, { kind: "call" }>): Node {
    const callee = e.callee;
    if (callee.kind === "name") {
      const { nodes } = this.args(e.args, callee.name);
      const fn = this.callLocalFunction(callee.name, nodes, callee.at);
      if (fn) return fn;
      if (this.lookup(callee.name))
        return this.fail(`'${callee.name}' is a variable, not a method`, callee.at, "POLICY_ERR_EXPRESSION_INVALID");
      return this.fail(`unknown method '${callee.name}'`, callee.at);
    }
    if (callee.kind !== "member")
      return this.fail("this expression cannot be called", e.at, "POLICY_ERR_EXPRESSION_INVALID");
    const typeArgs = (callee.typeArgs ?? []).map((t) => this.typeName(t));
    const target = this.resolve(callee.target);
    const name = callee.name;
    if (target.kind === "namespace") return this.fail(`unknown type '${target.name}.${name}'`, callee.nameAt);
    if (target.kind === "value" && target.node.type === "!") return target.node;
    const { nodes, outs } = this.args(e.args, name);
    if (target.kind === "type") return this.staticCall(target.name, name, nodes, outs, typeArgs, callee.nameAt);
    const recv = target.node;
    if (outs.length > 0) return this.outCall(recv, name, nodes, outs, callee.nameAt);
    const type = this.checkMember(recv, name, callee.nameAt, true);
    if (type === undefined || type === "!") return { ev: () => null, type: "!" };
    if (name === "As" && recv.type === "IMessageBody") {
      const t = typeArgs[0];
      if (!t || !["string", "byte[]", "JObject", "JArray", "JToken", "XDocument", "XElement"].includes(t))
        return this.fail(
          `unsupported type argument '${t ?? ""}' for Body.As<T>() (use string, byte[], JObject, JArray, JToken, XDocument or XElement)`,
          callee.nameAt,
        );
    }
    const lenient = callee.nullCond || recv.nullChain === true;
    const r = recv.ev;
    const evs = nodes.map((n) => n.ev);
    const resultType =
      name === "As" && typeArgs[0]
        ? typeArgs[0]
        : ["GetValueOrDefault", "Value", "ToObject"].includes(name) && typeArgs[0]
          ? typeArgs[0]
          : type;
    return {
      ev: (env) => {
        const o = r(env);
        if ((o === null || o === undefined) && lenient) return null;
        return callMethod(
          o,
          name,
          evs.map((f) => f(env)),
          typeArgs,
        );
      },
      type: resultType,
      nullChain: lenient,
    };
  }

  private staticCall(typeName: string, name: string, nodes: Node[], outs: Arg[], typeArgs: string[], at: number): Node {
    const st = STATIC_TYPES[typeName];
    const evs = nodes.map((n) => n.ev);
    const outMethod = st?.outMethods?.[name];
    if (outMethod) {
      const out = outs[0];
      if (!out?.out)
        return this.fail(`'${typeName}.${name}' needs an 'out' argument`, at, "POLICY_ERR_EXPRESSION_INVALID");
      const local = out.out.declared ? this.declare(out.out.name, "?", out.value.at) : this.lookup(out.out.name);
      if (!local) return this.fail(`unknown identifier '${out.out.name}'`, out.value.at);
      const slot = local.slot;
      return {
        ev: (env) => {
          const [ok, value] = outMethod(
            evs.map((f) => f(env)),
            typeArgs,
          );
          env.slots[slot] = value;
          return ok;
        },
        type: "bool",
      };
    }
    const method = st?.methods?.[name];
    if (!method) {
      if (st?.props?.[name])
        return this.fail(`'${typeName}.${name}' is not a method`, at, "POLICY_ERR_EXPRESSION_INVALID");
      return this.fail(`unsupported member '${name}' on type '${typeName}'`, at);
    }
    if (outs.length > 0) return this.fail(`'out' arguments are not supported for '${typeName}.${name}'`, at);
    // Constant patterns are compiled (and checked) once, when the policy is saved.
    if (typeName === "Regex" && nodes[1]) {
      const pattern = this.constant(nodes[1]);
      if (typeof pattern === "string") {
        try {
          CsRegex.cached(pattern, "");
        } catch (error) {
          return this.fail((error as Error).message, at, "POLICY_ERR_EXPRESSION_INVALID");
        }
      }
    }
    const type = STATIC_TYPES[typeName]?.types?.[name] ?? staticMethodType(typeName, name);
    return {
      ev: (env) =>
        method(
          evs.map((f) => f(env)),
          typeArgs,
          env,
        ),
      type,
    };
  }

  /** The value of a node that does not depend on the request (literals only). */
  protected constant(node: Node): unknown {
    return node.constant ? node.ev(undefined as unknown as RunEnv) : undefined;
  }

  private outCall(recv: Node, name: string, nodes: Node[], outs: Arg[], at: number): Node {
    const out = outs[0]!.out!;
    const local = out.declared ? this.declare(out.name, "?", at) : this.lookup(out.name);
    if (!local) return this.fail(`unknown identifier '${out.name}'`, at);
    const slot = local.slot;
    const r = recv.ev;
    const evs = nodes.map((n) => n.ev);
    let attempt: (o: unknown, args: unknown[]) => [boolean, unknown];
    switch (name) {
      case "TryParseJwt":
        attempt = (o) => {
          const jwt: JwtView | null = asJwt(String(o ?? ""), true);
          return [jwt !== null, jwt];
        };
        break;
      case "TryParseBasic":
        attempt = (o) => {
          const basic: BasicCredentials | null = asBasic(String(o ?? ""));
          return [basic !== null, basic];
        };
        break;
      case "TryGetValue":
        attempt = (o, [key]) => {
          if (o instanceof Map) return o.has(key) ? [true, o.get(key)] : [false, null];
          if (o instanceof JObject) return o.ContainsKey(String(key)) ? [true, o.get(String(key))] : [false, null];
          const view = o as { ContainsKey?: (k: unknown) => boolean; get_Item?: (k: unknown) => unknown };
          if (view?.ContainsKey && view.get_Item)
            return view.ContainsKey(key) ? [true, view.get_Item(key)] : [false, null];
          throw new CsException("MissingMemberException", "TryGetValue is not available on this value.");
        };
        break;
      default:
        return this.fail(`'out' arguments are not supported for '${name}'`, at);
    }
    return {
      ev: (env) => {
        const [ok, value] = attempt(
          r(env),
          evs.map((f) => f(env)),
        );
        env.slots[slot] = value;
        return ok;
      },
      type: "bool",
    };
  }

  private index(e: Extract<Expr, { kind: "index" }>): Node {
    const target = this.expr(e.target);
    const keys = e.args.map((a) => this.expr(a));
    const ctxType = CONTEXT_TYPES[target.type];
    if (ctxType && !ctxType.dictionary)
      return this.fail(`type '${ctxType.display}' has no indexer`, e.at, "POLICY_ERR_EXPRESSION_INVALID");
    const lenient = e.nullCond || target.nullChain === true;
    const t = target.ev;
    const k = keys.map((n) => n.ev);
    const elem = target.type.endsWith("[]") ? target.type.slice(0, -2) : target.type === "string" ? "char" : "?";
    return {
      ev: (env) => {
        const o = t(env);
        if ((o === null || o === undefined) && lenient) return null;
        return indexGet(
          o,
          k.map((f) => f(env)),
        );
      },
      type: elem,
      nullChain: lenient,
    };
  }

  private unary(e: Extract<Expr, { kind: "unary" }>): Node {
    const operand = this.expr(e.operand);
    const f = operand.ev;
    switch (e.op) {
      case "!":
        return { ev: (env) => !truthy(f(env), "operator !"), type: "bool" };
      case "-":
        return { ev: (env) => negate(f(env)), type: operand.type };
      case "~":
        return { ev: (env) => ~Number(f(env)), type: operand.type };
      default:
        return operand;
    }
  }

  protected assignTo(target: Expr, at: number): ((env: RunEnv, value: unknown) => void) | undefined {
    if (target.kind === "name") {
      const local = this.lookup(target.name);
      if (!local) {
        this.fail(`unknown identifier '${target.name}'`, target.at);
        return undefined;
      }
      const slot = local.slot;
      return (env, v) => {
        env.slots[slot] = v;
      };
    }
    if (target.kind === "index") {
      const obj = this.expr(target.target);
      if (obj.type === "string") {
        this.fail("strings are immutable: 'string[int]' cannot be assigned to", at, "POLICY_ERR_EXPRESSION_INVALID");
        return undefined;
      }
      if (CONTEXT_TYPES[obj.type]) {
        this.fail(`'${CONTEXT_TYPES[obj.type]!.display}' is read-only`, at, "POLICY_ERR_EXPRESSION_INVALID");
        return undefined;
      }
      const keys = target.args.map((a) => this.expr(a).ev);
      const o = obj.ev;
      return (env, v) =>
        indexSet(
          o(env),
          keys.map((k) => k(env)),
          v,
        );
    }
    if (target.kind === "member") {
      const obj = this.expr(target.target);
      if (CONTEXT_TYPES[obj.type]) {
        this.fail(
          `'${CONTEXT_TYPES[obj.type]!.display}.${target.name}' is read-only`,
          at,
          "POLICY_ERR_EXPRESSION_INVALID",
        );
        return undefined;
      }
      const o = obj.ev;
      const name = target.name;
      return (env, v) => setProperty(o(env), name, v);
    }
    this.fail(
      "the left-hand side of an assignment must be a variable, property or indexer",
      at,
      "POLICY_ERR_EXPRESSION_INVALID",
    );
    return undefined;
  }

  private assign(e: Extract<Expr, { kind: "assign" }>): Node {
    const value = this.expr(e.value);
    const set = this.assignTo(e.target, e.at);
    if (!set) return { ev: () => null, type: "?" };
    const v = value.ev;
    if (e.op === "=") {
      return {
        ev: (env) => {
          const x = v(env);
          set(env, x);
          return x;
        },
        type: value.type,
      };
    }
    const current = this.expr(e.target);
    const c = current.ev;
    const op = e.op.slice(0, -1);
    const combine = binaryOp(op, current.type, value.type);
    return {
      ev: (env) => {
        const old = c(env);
        const x = op === "??" ? (old ?? v(env)) : combine(old, v(env));
        set(env, x);
        return x;
      },
      type: current.type,
    };
  }

  private update(e: Extract<Expr, { kind: "update" }>): Node {
    const current = this.expr(e.target);
    const set = this.assignTo(e.target, e.at);
    if (!set) return { ev: () => null, type: "?" };
    const c = current.ev;
    const delta = e.op === "++" ? 1 : -1;
    const prefix = e.prefix;
    return {
      ev: (env) => {
        const old = Number(c(env));
        set(env, old + delta);
        return prefix ? old + delta : old;
      },
      type: current.type,
    };
  }

  private binary(e: Extract<Expr, { kind: "binary" }>): Node {
    const left = this.expr(e.left);
    const right = this.expr(e.right);
    const l = left.ev;
    const r = right.ev;
    switch (e.op) {
      case "&&":
        return { ev: (env) => truthy(l(env), "operator &&") && truthy(r(env), "operator &&"), type: "bool" };
      case "||":
        return { ev: (env) => truthy(l(env), "operator ||") || truthy(r(env), "operator ||"), type: "bool" };
      case "??":
        return { ev: (env) => l(env) ?? r(env), type: left.type === right.type ? left.type : "?" };
      case "==":
        return { ev: (env) => csEquals(l(env), r(env)), type: "bool" };
      case "!=":
        return { ev: (env) => !csEquals(l(env), r(env)), type: "bool" };
      case "<":
      case ">":
      case "<=":
      case ">=": {
        const op = e.op;
        return { ev: (env) => compare(op, l(env), r(env)), type: "bool" };
      }
    }
    const f = binaryOp(e.op, left.type, right.type);
    const type =
      e.op === "+" && (left.type === "string" || right.type === "string")
        ? "string"
        : resultNumType(left.type, right.type);
    return { ev: (env) => f(l(env), r(env)), type };
  }

  private cast(e: Extract<Expr, { kind: "cast" }>): Node {
    const inner = this.expr(e.expr);
    const type = this.typeName(e.type);
    const f = inner.ev;
    if (type === "object" || type === "?") return { ev: f, type: "?" };
    const target = type === "IResponse" ? "IResponse" : type;
    return { ev: (env) => castTo(f(env), target), type: target === "Jwt" ? "?" : target };
  }

  private isExpr(e: Extract<Expr, { kind: "is" }>): Node {
    const inner = this.expr(e.expr);
    const f = inner.ev;
    if (e.pattern) {
      const p = this.expr(e.pattern).ev;
      return { ev: (env) => csEquals(f(env), p(env)), type: "bool" };
    }
    const type = this.typeName(e.type!);
    if (e.bind) {
      const slot = this.declare(e.bind, type, e.at).slot;
      return {
        ev: (env) => {
          const v = f(env);
          if (!isOfType(v, type)) return false;
          env.slots[slot] = castTo(v, type);
          return true;
        },
        type: "bool",
      };
    }
    return { ev: (env) => isOfType(f(env), type), type: "bool" };
  }

  private lambda(e: Extract<Expr, { kind: "lambda" }>): Node {
    this.scopes.push(new Map());
    const slots = e.params.map((p) => this.declare(p, "?", e.at).slot);
    const body = e.body;
    const ev: Ev = body.kind === "block" ? this.lambdaBlock(body) : this.expr(body as Expr).ev;
    this.scopes.pop();
    return {
      ev:
        (env) =>
        (...args: unknown[]) => {
          for (let i = 0; i < slots.length; i++) env.slots[slots[i]!] = args[i];
          return ev(env);
        },
      type: "?",
    };
  }

  private newObject(e: Extract<Expr, { kind: "new" }>): Node {
    const typeName = this.typeName(e.type);
    if (typeName === "!") return { ev: () => null, type: "!" };
    const base = typeName.replace(/\[\]$/, "");
    const st = STATIC_TYPES[base];
    if (!st?.ctor) return this.fail(`type '${e.type.name}' cannot be created with 'new'`, e.type.at);
    const ctor = st.ctor;
    const typeArgs = e.type.args.map((a) => this.typeName(a));
    const { nodes } = this.args(e.args, base);
    const evs = nodes.map((n) => n.ev);
    const init = (e.init ?? []).map((entry) =>
      entry.kind === "index"
        ? { key: this.expr(entry.key).ev, name: undefined, value: this.expr(entry.value).ev }
        : { key: undefined, name: entry.name, value: this.expr(entry.value).ev },
    );
    const items = (e.items ?? []).map((i) => this.expr(i).ev);
    return {
      ev: (env) => {
        const obj = ctor(
          evs.map((f) => f(env)),
          typeArgs,
        );
        for (const entry of init) {
          if (entry.key) indexSet(obj, [entry.key(env)], entry.value(env));
          else setProperty(obj, entry.name!, entry.value(env));
        }
        for (const item of items) {
          const v = item(env);
          if (obj instanceof Map && Array.isArray(v)) obj.set(v[0], v[1]);
          else if (Array.isArray(obj)) obj.push(v);
          else if (obj instanceof JArray) obj.Add(v);
          else if (obj instanceof JObject && v instanceof JProperty) obj.Add(v);
          else throw new CsException("InvalidOperationException", `Cannot add items to ${base}.`);
        }
        return obj;
      },
      type: base === "List" || base === "HashSet" ? `${typeArgs[0] ?? "?"}[]` : base,
    };
  }

  private array(e: Extract<Expr, { kind: "array" }>): Node {
    const elem = e.elem ? this.typeName(e.elem) : "?";
    const size = e.size ? this.expr(e.size).ev : undefined;
    const items = e.items?.map((i) => this.expr(i).ev);
    const numeric = INTEGRAL.has(elem) || FLOATING.has(elem);
    return {
      ev: (env) => {
        const values = items ? items.map((f) => f(env)) : undefined;
        if (elem === "byte") {
          const n = checkSize(size ? Number(size(env)) : (values?.length ?? 0), "new byte[]");
          const b = new Uint8Array(n);
          values?.forEach((v, i) => {
            b[i] = Number(v) & 0xff;
          });
          return b;
        }
        if (values) return values;
        return new Array(checkSize(Number(size?.(env) ?? 0), "new array")).fill(numeric ? 0 : null);
      },
      type: `${elem === "?" ? "?" : elem}[]`,
    };
  }
}

const STRING_METHODS_SET = Object.fromEntries(
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

function binaryOp(op: string, lt: string, rt: string): (a: unknown, b: unknown) => unknown {
  const kind = numKind(lt, rt);
  switch (op) {
    case "+":
      return add;
    case "-":
      return subtract;
    case "*":
    case "/":
    case "%":
      return (a, b) => arith(op, a, b, kind);
    case "&":
    case "|":
    case "^":
    case "<<":
    case ">>":
      return (a, b) => bitwise(op, a, b, lt === "long" ? "long" : kind);
  }
  throw new CompileError(`unsupported operator '${op}'`, 0);
}

function staticPropType(type: string, name: string): string {
  if (
    ["DateTime", "DateTimeOffset"].includes(type) &&
    ["UtcNow", "Now", "Today", "MinValue", "MaxValue"].includes(name)
  )
    return "DateTime";
  if (type === "TimeSpan") return "TimeSpan";
  if (type === "Guid") return "Guid";
  return "?";
}

function staticMethodType(type: string, name: string): string {
  if (type === "TimeSpan") return "TimeSpan";
  if (type === "DateTimeOffset" || (type === "DateTime" && name === "Parse")) return "DateTime";
  if (name === "Parse" && ["int", "Int32"].includes(type)) return "int";
  if (name === "Parse" && ["long", "Int64"].includes(type)) return "long";
  if (name === "Parse" && ["double", "Double", "decimal", "Decimal"].includes(type)) return "double";
  if (type === "JObject" || type === "JArray" || type === "JToken") return type;
  return "?";
}

/** Run-time type test for `is` / `as`. */
export function isOfType(v: unknown, type: string): boolean {
  if (v === null || v === undefined) return false;
  switch (type) {
    case "int":
    case "long":
    case "short":
    case "byte":
      return typeof v === "number" && Number.isInteger(v);
    case "double":
    case "float":
    case "decimal":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "object":
      return true;
    case "JObject":
      return v instanceof JObject;
    case "JArray":
      return v instanceof JArray;
    case "JValue":
      return v instanceof JValue;
    case "JProperty":
      return v instanceof JProperty;
    case "JToken":
      return v instanceof JToken;
    case "DateTime":
    case "DateTimeOffset":
      return v instanceof CsDateTime;
    case "TimeSpan":
      return v instanceof CsTimeSpan;
    case "Guid":
      return v instanceof CsGuid;
    case "byte[]":
      return v instanceof Uint8Array;
    case "IResponse":
      return v instanceof ResponseView || isPolicyResponse(v);
    default:
      if (type.endsWith("[]")) return Array.isArray(v) || v instanceof Uint8Array;
      // Interfaces and helper types (Jwt, IEnumerable …) are not distinguished at run time.
      return true;
  }
}
