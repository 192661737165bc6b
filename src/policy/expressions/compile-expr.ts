// Compiles expression trees into closures once; evaluation walks no tree and parses nothing.
// Operators, casts, lambdas and object creation; names/members/calls live in compile-base/compile-call.
import type { Expr } from "./ast.js";
import type { Ev, Node, RunEnv } from "./compile-base.js";
import { CompileError, elementType, evalAll, FLOATING, INTEGRAL, numKind, resultNumType } from "./compile-base.js";
import { CallCompiler } from "./compile-call.js";
import { CONTEXT_TYPES } from "./known-types.js";
import { CsException, checkSize } from "./runtime/errors.js";
import { JArray, JObject, JProperty } from "./runtime/json.js";
import { castTo, getProperty, indexGet, indexSet, setProperty } from "./runtime/members.js";
import { add, arith, bitwise, compare, csEquals, negate, subtract, truthy } from "./runtime/operators.js";
import { STATIC_TYPES } from "./runtime/statics.js";
import { formatValue } from "./runtime/types.js";
import { CsAnonymous } from "./to-string.js";
import { isOfType } from "./type-test.js";

export type { Ev, Node, RunEnv } from "./compile-base.js";

interface Ref {
  get(): unknown;
  set(value: unknown): void;
}

export abstract class ExprCompiler extends CallCompiler {
  protected value(e: Expr): Node {
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
        const f = inner.ev;
        return {
          ev: (env) => {
            const v = f(env);
            return isOfType(v, type) ? castTo(v, type) : null;
          },
          type,
        };
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

  protected interpolation(e: Extract<Expr, { kind: "interp" }>): Node {
    const parts = e.parts.map((p) =>
      typeof p === "string" ? p : { node: this.expr(p.expr), format: p.format, align: p.align ?? 0 },
    );
    return {
      ev: (env) => {
        let out = "";
        for (const p of parts) {
          if (typeof p === "string") {
            out += p;
            continue;
          }
          const text = formatValue(p.node.ev(env), p.format);
          out += p.align < 0 ? text.padEnd(-p.align) : text.padStart(p.align);
        }
        return out;
      },
      type: "string",
    };
  }

  protected index(e: Extract<Expr, { kind: "index" }>): Node {
    const target = this.expr(e.target);
    const keys = e.args.map((a) => this.expr(a));
    const ctxType = CONTEXT_TYPES[target.type];
    if (ctxType && !ctxType.dictionary)
      return this.fail(`type '${ctxType.display}' has no indexer`, e.at, "POLICY_ERR_EXPRESSION_INVALID");
    const lenient = e.nullCond || target.nullChain === true;
    const t = target.ev;
    const k = keys.map((n) => n.ev);
    const elem = elementType(target.type);
    return {
      ev: (env) => {
        const o = t(env);
        if ((o === null || o === undefined) && lenient) return null;
        return indexGet(o, evalAll(k, env));
      },
      type: elem,
      nullChain: lenient,
    };
  }

  protected unary(e: Extract<Expr, { kind: "unary" }>): Node {
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

  /**
   * The storage an assignment writes: bound once per evaluation so that the target object and index
   * keys are evaluated once even for `x[i++] += 1` (C# semantics).
   */
  protected assignTo(target: Expr, at: number): { bind: (env: RunEnv) => Ref; type: string } | undefined {
    if (target.kind === "name") {
      const local = this.lookup(target.name);
      if (!local) {
        this.fail(`unknown identifier '${target.name}'`, target.at);
        return undefined;
      }
      const slot = local.slot;
      return {
        bind: (env) => ({
          get: () => env.slots[slot],
          set: (v) => {
            env.slots[slot] = v;
          },
        }),
        type: local.type,
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
      return {
        bind: (env) => {
          const holder = o(env);
          const k = evalAll(keys, env);
          return { get: () => indexGet(holder, k), set: (v) => indexSet(holder, k, v) };
        },
        type: obj.type.endsWith("[]") ? obj.type.slice(0, -2) : "?",
      };
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
      return {
        bind: (env) => {
          const holder = o(env);
          return { get: () => getProperty(holder, name), set: (v) => setProperty(holder, name, v) };
        },
        type: "?",
      };
    }
    this.fail(
      "the left-hand side of an assignment must be a variable, property or indexer",
      at,
      "POLICY_ERR_EXPRESSION_INVALID",
    );
    return undefined;
  }

  /** The slot of a local variable target, for assignments that need no Ref object per evaluation. */
  private localSlot(target: Expr): number | undefined {
    return target.kind === "name" ? this.lookup(target.name)?.slot : undefined;
  }

  protected assign(e: Extract<Expr, { kind: "assign" }>): Node {
    const target = this.assignTo(e.target, e.at);
    const value = this.expr(e.value);
    if (!target) return { ev: () => null, type: "!" };
    const { bind } = target;
    const v = value.ev;
    const slot = this.localSlot(e.target);
    if (e.op === "=" && slot !== undefined) {
      return {
        ev: (env) => {
          const x = v(env);
          env.slots[slot] = x;
          return x;
        },
        type: value.type,
      };
    }
    if (e.op === "=") {
      return {
        ev: (env) => {
          const ref = bind(env);
          const x = v(env);
          ref.set(x);
          return x;
        },
        type: value.type,
      };
    }
    const op = e.op.slice(0, -1);
    const combine = op === "??" ? undefined : binaryOp(op, target.type, value.type);
    return {
      ev: (env) => {
        const ref = bind(env);
        const old = ref.get();
        const x = combine === undefined ? (old ?? v(env)) : combine(old, v(env));
        ref.set(x);
        return x;
      },
      type: target.type,
    };
  }

  protected update(e: Extract<Expr, { kind: "update" }>): Node {
    const target = this.assignTo(e.target, e.at);
    if (!target) return { ev: () => null, type: "!" };
    const { bind } = target;
    const delta = e.op === "++" ? 1 : -1;
    const prefix = e.prefix;
    const slot = this.localSlot(e.target);
    if (slot !== undefined) {
      // i++ / --i on a local: read and write the slot directly.
      return {
        ev: (env) => {
          const old = Number(env.slots[slot]);
          env.slots[slot] = old + delta;
          return prefix ? old + delta : old;
        },
        type: target.type,
      };
    }
    return {
      ev: (env) => {
        const ref = bind(env);
        const old = Number(ref.get());
        ref.set(old + delta);
        return prefix ? old + delta : old;
      },
      type: target.type,
    };
  }

  protected binary(e: Extract<Expr, { kind: "binary" }>): Node {
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

  protected cast(e: Extract<Expr, { kind: "cast" }>): Node {
    const inner = this.expr(e.expr);
    const type = this.typeName(e.type);
    const f = inner.ev;
    if (type === "object" || type === "?") return { ev: f, type: "?" };
    const target = type === "IResponse" ? "IResponse" : type;
    return { ev: (env) => castTo(f(env), target), type: target === "Jwt" ? "?" : target };
  }

  protected isExpr(e: Extract<Expr, { kind: "is" }>): Node {
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

  protected lambda(e: Extract<Expr, { kind: "lambda" }>): Node {
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

  protected newObject(e: Extract<Expr, { kind: "new" }>): Node {
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
        const obj = ctor(evalAll(evs, env), typeArgs);
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

  protected array(e: Extract<Expr, { kind: "array" }>): Node {
    const elem = e.elem ? this.typeName(e.elem) : "?";
    const size = e.size ? this.expr(e.size).ev : undefined;
    const items = e.items?.map((i) => this.expr(i).ev);
    const numeric = INTEGRAL.has(elem) || FLOATING.has(elem);
    return {
      ev: (env) => {
        const values = items ? evalAll(items, env) : undefined;
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

function wrapInt(v: unknown): unknown {
  return typeof v === "number" ? v | 0 : v;
}

function binaryOp(op: string, lt: string, rt: string): (a: unknown, b: unknown) => unknown {
  const kind = numKind(lt, rt);
  switch (op) {
    // int arithmetic wraps around like unchecked C#.
    case "+":
      return kind === "int" ? (a, b) => wrapInt(add(a, b)) : add;
    case "-":
      return kind === "int" ? (a, b) => wrapInt(subtract(a, b)) : subtract;
    case "*":
      return kind === "int" ? (a, b) => wrapInt(arith(op, a, b, kind)) : (a, b) => arith(op, a, b, kind);
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
