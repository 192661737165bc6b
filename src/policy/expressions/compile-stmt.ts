// Statements of `@{ … }` blocks compiled into closures. A statement returns undefined to continue,
// or a completion (return value, break, continue) that loops and blocks pass outwards.
import type { Stmt } from "./ast.js";
import { elementType, evalAll } from "./compile-base.js";
import type { Ev, Node, RunEnv } from "./compile-expr.js";
import { ExprCompiler } from "./compile-expr.js";
import { CsException } from "./runtime/errors.js";
import { toIterable } from "./runtime/linq.js";
import { castTo } from "./runtime/members.js";
import { csEquals, truthy } from "./runtime/operators.js";

class Return {
  constructor(readonly value: unknown) {}
}
const BREAK = { kind: "break" } as const;
const CONTINUE = { kind: "continue" } as const;
type Completion = undefined | Return | typeof BREAK | typeof CONTINUE;
type Run = (env: RunEnv) => Completion;

/** Loop guard: a policy expression must never hang the gateway. */
const MAX_ITERATIONS = 1_000_000;
const MAX_DEPTH = 200;

interface LocalFunction {
  params: number[];
  body: Run | undefined;
  type: string;
}

function tooManyIterations(): CsException {
  return new CsException("InvalidOperationException", `Loop exceeded ${MAX_ITERATIONS} iterations.`);
}

export class Compiler extends ExprCompiler {
  private functions: Array<Map<string, LocalFunction>> = [];
  private catchSlots: number[] = [];

  /** Compiles a block body; the result evaluates to the returned value. */
  program(body: Stmt[], at: number): Ev {
    const run = this.blockBody(body);
    if (!definitelyReturns(body)) this.fail("not all code paths return a value", at, "POLICY_ERR_EXPRESSION_INVALID");
    return (env) => {
      const c = run(env);
      if (c instanceof Return) return c.value;
      throw new CsException("InvalidOperationException", "The expression ended without returning a value.");
    };
  }

  protected lambdaBlock(body: Stmt): Ev {
    const run = this.stmt(body);
    return (env) => {
      const c = run(env);
      return c instanceof Return ? c.value : undefined;
    };
  }

  protected callLocalFunction(name: string, args: Node[], at: number): Node | undefined {
    for (let i = this.functions.length - 1; i >= 0; i--) {
      const fn = this.functions[i]!.get(name);
      if (!fn) continue;
      if (fn.params.length !== args.length)
        return this.fail(`'${name}' takes ${fn.params.length} arguments`, at, "POLICY_ERR_EXPRESSION_INVALID");
      const evs = args.map((a) => a.ev);
      return {
        ev: (env) => {
          const values = evalAll(evs, env);
          env.depth = (env.depth ?? 0) + 1;
          if (env.depth > MAX_DEPTH)
            throw new CsException(
              "InsufficientExecutionStackException",
              `Local function '${name}' recursed deeper than ${MAX_DEPTH} calls.`,
            );
          // Save the parameter slots so that recursion does not clobber the caller's values.
          const saved = fn.params.map((s) => env.slots[s]);
          fn.params.forEach((s, k) => {
            env.slots[s] = values[k];
          });
          try {
            const c = fn.body!(env);
            return c instanceof Return ? c.value : undefined;
          } finally {
            env.depth--;
            fn.params.forEach((s, k) => {
              env.slots[s] = saved[k];
            });
          }
        },
        type: fn.type,
      };
    }
    return undefined;
  }

  private blockBody(body: Stmt[]): Run {
    this.scopes.push(new Map());
    // Local functions may be called before their declaration: register them first.
    const fns = new Map<string, LocalFunction>();
    this.functions.push(fns);
    for (const s of body) {
      if (s.kind !== "function") continue;
      this.scopes.push(new Map());
      const params = s.params.map((p) => this.declare(p.name, this.typeName(p.type), s.at).slot);
      this.scopes.pop();
      fns.set(s.name, { params, body: undefined, type: "?" });
    }
    const runs = body.map((s) => this.stmt(s));
    this.functions.pop();
    this.scopes.pop();
    return (env) => {
      for (const r of runs) {
        const c = r(env);
        if (c !== undefined) return c;
      }
      return undefined;
    };
  }

  private stmt(s: Stmt): Run {
    switch (s.kind) {
      case "block":
        return this.blockBody(s.body);
      case "empty":
        return () => undefined;
      case "expr": {
        const f = this.expr(s.expr).ev;
        return (env) => {
          f(env);
          return undefined;
        };
      }
      case "decl": {
        const type = s.type ? this.typeName(s.type) : "?";
        const inits = s.decls.map((d) => {
          const init = d.init ? this.expr(d.init) : undefined;
          const local = this.declare(d.name, s.type ? type : (init?.type ?? "?"), d.at);
          const f = init?.ev;
          const slot = local.slot;
          const convert = s.type && ["int", "long", "short", "byte"].includes(type);
          return (env: RunEnv) => {
            const v = f ? f(env) : null;
            env.slots[slot] = convert && typeof v === "number" ? castTo(v, type) : v;
          };
        });
        return (env) => {
          for (const i of inits) i(env);
          return undefined;
        };
      }
      case "if": {
        const test = this.expr(s.test).ev;
        const then = this.scoped(s.then);
        const otherwise = s.else ? this.scoped(s.else) : undefined;
        return (env) => (truthy(test(env), "if") ? then(env) : otherwise?.(env));
      }
      case "while":
      case "do": {
        const test = this.expr(s.test).ev;
        const body = this.scoped(s.body);
        const first = s.kind === "do";
        return (env) => {
          let n = 0;
          while ((first && n === 0) || truthy(test(env), "while")) {
            if (++n > MAX_ITERATIONS) throw tooManyIterations();
            const c = body(env);
            if (c === BREAK) break;
            if (c instanceof Return) return c;
          }
          return undefined;
        };
      }
      case "for": {
        this.scopes.push(new Map());
        const init = s.init.map((i) => this.stmt(i));
        const test = s.test ? this.expr(s.test).ev : undefined;
        const update = s.update.map((u) => this.expr(u).ev);
        const body = this.scoped(s.body);
        this.scopes.pop();
        return (env) => {
          for (const i of init) i(env);
          let n = 0;
          while (!test || truthy(test(env), "for")) {
            if (++n > MAX_ITERATIONS) throw tooManyIterations();
            const c = body(env);
            if (c === BREAK) break;
            if (c instanceof Return) return c;
            for (const u of update) u(env);
          }
          return undefined;
        };
      }
      case "foreach": {
        const source = this.expr(s.source);
        this.scopes.push(new Map());
        const type = s.type ? this.typeName(s.type) : elementType(source.type);
        const slot = this.declare(s.name, type, s.at).slot;
        const body = this.scoped(s.body);
        this.scopes.pop();
        const src = source.ev;
        return (env) => {
          const value = src(env);
          const items = toIterable(value);
          if (!items)
            throw new CsException(
              value === null || value === undefined ? "NullReferenceException" : "InvalidOperationException",
              "foreach needs a collection.",
            );
          for (const item of [...items]) {
            env.slots[slot] = item;
            const c = body(env);
            if (c === BREAK) break;
            if (c instanceof Return) return c;
          }
          return undefined;
        };
      }
      case "return": {
        const f = s.value ? this.expr(s.value).ev : undefined;
        return (env) => new Return(f ? f(env) : undefined);
      }
      case "throw": {
        if (!s.value) {
          const slot = this.catchSlots[this.catchSlots.length - 1];
          if (slot === undefined) return () => this.failRun("'throw;' is only allowed inside a catch block", s.at);
          return (env) => {
            throw env.slots[slot];
          };
        }
        const f = this.expr(s.value).ev;
        return (env) => {
          const v = f(env);
          throw v instanceof Error ? v : new CsException("Exception", String(v));
        };
      }
      case "break":
        return () => BREAK;
      case "continue":
        return () => CONTINUE;
      case "try":
        return this.tryStmt(s);
      case "switch":
        return this.switchStmt(s);
      case "using": {
        this.scopes.push(new Map());
        const resource = this.stmt(s.resource);
        const body = this.stmt(s.body);
        this.scopes.pop();
        return (env) => resource(env) ?? body(env);
      }
      case "function": {
        const fn = this.functions[this.functions.length - 1]?.get(s.name);
        if (!fn) return () => undefined;
        // Parameters were declared when the block registered the function; compile the body with them in scope.
        this.scopes.push(
          new Map(s.params.map((p, i) => [p.name, { slot: fn.params[i]!, type: this.typeName(p.type) }])),
        );
        fn.body = this.stmt(s.body);
        this.scopes.pop();
        return () => undefined;
      }
    }
  }

  private failRun(message: string, at: number): Completion {
    this.fail(message, at, "POLICY_ERR_EXPRESSION_INVALID");
    return undefined;
  }

  /** A statement in its own scope (if/loop bodies). */
  private scoped(s: Stmt): Run {
    this.scopes.push(new Map());
    const r = this.stmt(s);
    this.scopes.pop();
    return r;
  }

  private tryStmt(s: Extract<Stmt, { kind: "try" }>): Run {
    const body = this.stmt(s.body);
    const catches = s.catches.map((c) => {
      this.scopes.push(new Map());
      const type = c.type ? this.typeName(c.type) : "Exception";
      const slot = c.name ? this.declare(c.name, type, s.at).slot : this.slotCount++;
      this.catchSlots.push(slot);
      const run = this.stmt(c.body);
      this.catchSlots.pop();
      this.scopes.pop();
      return { type, slot, run };
    });
    const fin = s.finally ? this.stmt(s.finally) : undefined;
    return (env) => {
      try {
        return body(env);
      } catch (error) {
        const ex =
          error instanceof CsException
            ? error
            : new CsException("Exception", error instanceof Error ? error.message : String(error), { cause: error });
        const handler = catches.find((c) => c.type === "Exception" || c.type === ex.type);
        if (!handler) throw error;
        env.slots[handler.slot] = ex;
        return handler.run(env);
      } finally {
        fin?.(env);
      }
    };
  }

  private switchStmt(s: Extract<Stmt, { kind: "switch" }>): Run {
    const value = this.expr(s.value).ev;
    const sections = s.sections.map((sec) => ({
      labels: sec.labels.map((l) => (l === "default" ? "default" : this.expr(l).ev)),
      run: this.blockBody(sec.body),
    }));
    return (env) => {
      const v = value(env);
      const match =
        sections.find((sec) => sec.labels.some((l) => l !== "default" && csEquals(v, l(env)))) ??
        sections.find((sec) => sec.labels.includes("default"));
      if (!match) return undefined;
      const c = match.run(env);
      return c === BREAK ? undefined : c;
    };
  }
}

/** C#'s "not all code paths return a value", for the statement forms policies use. */
function definitelyReturns(body: Stmt[]): boolean {
  return body.some(returns);
}

function returns(s: Stmt): boolean {
  switch (s.kind) {
    case "return":
    case "throw":
      return true;
    case "block":
      return definitelyReturns(s.body);
    case "if":
      return s.else !== undefined && returns(s.then) && returns(s.else);
    case "try":
      return (
        (returns(s.body) && s.catches.every((c) => returns(c.body))) || (s.finally !== undefined && returns(s.finally))
      );
    case "using":
      return returns(s.body);
    case "while":
      return s.test.kind === "literal" && s.test.value === true;
    case "switch":
      return (
        s.sections.some((sec) => sec.labels.includes("default")) &&
        s.sections.every((sec) => definitelyReturns(sec.body))
      );
    default:
      return false;
  }
}
