// Method calls: instance members (checked against the context model or the known member set), static
// members of .NET types resolved at compile time, `out` arguments and named arguments.
import type { Arg, Expr } from "./ast.js";
import type { Ev, Node, RunEnv } from "./compile-base.js";
import { CompilerBase, evalAll } from "./compile-base.js";
import { CONTEXT_TYPES } from "./known-types.js";
import { MultiValueView } from "./message-views.js";
import { asBasic, asJwt, type BasicCredentials, type JwtView } from "./runtime/auth.js";
import { CsException } from "./runtime/errors.js";
import { JObject } from "./runtime/json.js";
import { callMethod } from "./runtime/members.js";
import { STATIC_TYPES } from "./runtime/statics.js";
import { STRING_METHODS } from "./runtime/strings.js";
import { CsRegex } from "./runtime/types.js";
import { VariablesView } from "./variables-view.js";

const NAMED_PARAMS: Record<string, string[]> = {
  As: ["preserveContent"],
  AsFormUrlEncodedContent: ["preserveContent"],
  GetValueOrDefault: ["key", "defaultValue"],
  Split: ["separator", "count", "options"],
  Equals: ["value", "comparisonType"],
};

export abstract class CallCompiler extends CompilerBase {
  protected args(args: Arg[], method: string): { nodes: Node[]; outs: Arg[] } {
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

  protected call(e: Extract<Expr, { kind: "call" }>): Node {
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
    // Fast paths decided now: header/query/variable lookups call the view's method directly, string
    // methods are looked up once. Anything else (or a receiver of another kind) goes through callMethod.
    const dict = CONTEXT_TYPES[recv.type]?.dictionary ? dictionaryCall(name, evs, typeArgs) : undefined;
    if (dict) {
      return {
        ev: (env) => {
          const o = r(env);
          if (o instanceof MultiValueView || o instanceof VariablesView) return dict(o, env);
          if ((o === null || o === undefined) && lenient) return null;
          return callMethod(o, name, evalAll(evs, env), typeArgs);
        },
        type: resultType,
        nullChain: lenient,
      };
    }
    const stringMethod =
      recv.type === "string" && Object.hasOwn(STRING_METHODS, name) ? STRING_METHODS[name] : undefined;
    if (stringMethod) {
      return {
        ev: (env) => {
          const o = r(env);
          if (typeof o === "string") return stringMethod(o, evalAll(evs, env));
          if ((o === null || o === undefined) && lenient) return null;
          return callMethod(o, name, evalAll(evs, env), typeArgs);
        },
        type: resultType,
        nullChain: lenient,
      };
    }
    return {
      ev: (env) => {
        const o = r(env);
        if ((o === null || o === undefined) && lenient) return null;
        return callMethod(o, name, evalAll(evs, env), typeArgs);
      },
      type: resultType,
      nullChain: lenient,
    };
  }

  protected staticCall(
    typeName: string,
    name: string,
    nodes: Node[],
    outs: Arg[],
    typeArgs: string[],
    at: number,
  ): Node {
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
          const [ok, value] = outMethod(evalAll(evs, env), typeArgs);
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
      ev: (env) => method(evalAll(evs, env), typeArgs, env),
      type,
    };
  }

  /** The value of a node that does not depend on the request (literals only). */
  protected constant(node: Node): unknown {
    return node.constant ? node.ev(undefined as unknown as RunEnv) : undefined;
  }

  protected outCall(recv: Node, name: string, nodes: Node[], outs: Arg[], at: number): Node {
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
        const [ok, value] = attempt(r(env), evalAll(evs, env));
        env.slots[slot] = value;
        return ok;
      },
      type: "bool",
    };
  }
}

interface DictionaryView {
  GetValueOrDefault(key: unknown, defaultValue?: unknown, type?: string): unknown;
  ContainsKey(key: unknown): boolean;
}

/**
 * GetValueOrDefault / ContainsKey on context.Request.Headers, Url.Query and Variables without an argument
 * array: the same arguments callMethod passes (typed GetValueOrDefault<T> gets the default or null, then T).
 */
function dictionaryCall(
  name: string,
  evs: readonly Ev[],
  typeArgs: readonly string[],
): ((o: DictionaryView, env: RunEnv) => unknown) | undefined {
  const [a, b] = evs;
  if (a === undefined || evs.length > 2) return undefined;
  if (name === "ContainsKey") return evs.length === 1 ? (o, env) => o.ContainsKey(a(env)) : undefined;
  if (name !== "GetValueOrDefault") return undefined;
  const t = typeArgs[0];
  if (t !== undefined)
    return b === undefined
      ? (o, env) => o.GetValueOrDefault(a(env), null, t)
      : (o, env) => o.GetValueOrDefault(a(env), b(env) ?? null, t);
  return b === undefined ? (o, env) => o.GetValueOrDefault(a(env)) : (o, env) => o.GetValueOrDefault(a(env), b(env));
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
