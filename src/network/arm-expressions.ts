// ARM template expression language: "[concat('a', parameters('b'))]". Parsed once into a small
// tree, evaluated against a scope. Anything that cannot be known before deployment (listKeys,
// runtime-only reference() properties) raises Unresolvable, which the template reader turns into a
// finding with the expression's path; evaluation never crashes the caller.
import { createHash } from "node:crypto";
import { cidrHost, cidrSubnet, formatIpv4, parseCidr } from "./ipv4.js";

export type Expr =
  | { readonly kind: "literal"; readonly value: string | number }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Expr[] }
  | { readonly kind: "member"; readonly target: Expr; readonly name: string }
  | { readonly kind: "index"; readonly target: Expr; readonly index: Expr };

export class Unresolvable extends Error {
  override readonly name = "Unresolvable";
}

/** True when a JSON string is an ARM expression (starts with "[" but not the "[[" escape). */
export function isExpression(text: string): boolean {
  const t = text.trim();
  return t.startsWith("[") && !t.startsWith("[[") && t.endsWith("]");
}

export function parseExpression(text: string): Expr {
  const src = text.trim().slice(1, -1);
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Unresolvable(`${msg} at position ${pos} in ${text}`);
  };
  const ws = () => {
    while (pos < src.length && /\s/.test(src[pos] as string)) pos++;
  };
  function primary(): Expr {
    ws();
    const ch = src[pos];
    if (ch === "'") {
      let out = "";
      pos++;
      for (;;) {
        if (pos >= src.length) fail("unterminated string");
        if (src[pos] === "'") {
          if (src[pos + 1] === "'") {
            out += "'";
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        out += src[pos++];
      }
      return { kind: "literal", value: out };
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(pos));
    if (num) {
      pos += num[0].length;
      return { kind: "literal", value: Number(num[0]) };
    }
    const ident = /^[A-Za-z_][\w.]*?(?=\s*\()/.exec(src.slice(pos));
    if (!ident) return fail("expected a function call, string or number");
    pos += ident[0].length;
    ws();
    pos++; // "("
    const args: Expr[] = [];
    ws();
    if (src[pos] === ")") pos++;
    else
      for (;;) {
        args.push(postfix());
        ws();
        if (src[pos] === ",") {
          pos++;
          continue;
        }
        if (src[pos] === ")") {
          pos++;
          break;
        }
        fail("expected ',' or ')'");
      }
    return { kind: "call", name: ident[0].toLowerCase(), args };
  }
  function postfix(): Expr {
    let e = primary();
    for (;;) {
      ws();
      if (src[pos] === ".") {
        pos++;
        const m = /^[A-Za-z_$][\w$-]*/.exec(src.slice(pos));
        if (!m) fail("expected a property name");
        pos += (m as RegExpExecArray)[0].length;
        e = { kind: "member", target: e, name: (m as RegExpExecArray)[0] };
      } else if (src[pos] === "[") {
        pos++;
        const index = postfix();
        ws();
        if (src[pos] !== "]") fail("expected ']'");
        pos++;
        e = { kind: "index", target: e, index };
      } else return e;
    }
  }
  const e = postfix();
  ws();
  if (pos !== src.length) fail("unexpected text");
  return e;
}

/** What an expression can see. Implemented by the template reader. */
export interface ExpressionScope {
  parameter(name: string): unknown;
  variable(name: string): unknown;
  copyIndex(loop: string | undefined): number;
  reference(resourceId: string, full: boolean): unknown;
  readonly subscriptionId: string;
  readonly resourceGroup: { name: string; location: string };
  readonly deploymentName: string;
}

function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** Deterministic stand-in for ARM's uniqueString: 13 lowercase base-32 characters of a hash. */
export function uniqueString(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("-")).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let out = "";
  for (let i = 0; i < 13; i++) out += alphabet[(h[i] as number) % 32];
  return out;
}

function guid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("-")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function resourceIdOf(scope: ExpressionScope, args: string[], level: "group" | "subscription" | "tenant"): string {
  const typeAt = args.findIndex((a) => a.includes("/"));
  if (typeAt < 0)
    throw new Unresolvable(
      `resourceId needs a resource type such as Microsoft.Network/virtualNetworks; got ${args.join(", ")}`,
    );
  const prefix = args.slice(0, typeAt);
  const type = (args[typeAt] as string).replace(/\/+$/, "");
  const names = args.slice(typeAt + 1);
  const [provider, ...types] = type.split("/");
  if (names.length !== types.length)
    throw new Unresolvable(`resource type ${type} needs ${types.length} name(s); got ${names.length}`);
  const path = `providers/${provider}/${types.map((t, i) => `${t}/${names[i]}`).join("/")}`;
  if (level === "tenant") return `/${path}`;
  const sub =
    level === "group" ? (prefix.length === 2 ? prefix[0] : scope.subscriptionId) : (prefix[0] ?? scope.subscriptionId);
  if (level === "subscription") return `/subscriptions/${sub}/${path}`;
  const rg = prefix.length >= 1 ? (prefix[prefix.length - 1] as string) : scope.resourceGroup.name;
  return `/subscriptions/${sub}/resourceGroups/${rg}/${path}`;
}

export function evaluate(expr: Expr, scope: ExpressionScope): unknown {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "member": {
      const target = evaluate(expr.target, scope);
      if (typeof target !== "object" || target === null)
        throw new Unresolvable(`cannot read .${expr.name} of ${str(target)}`);
      const key = Object.keys(target).find((k) => k.toLowerCase() === expr.name.toLowerCase());
      if (key === undefined) throw new Unresolvable(`property ${expr.name} is not known before deployment`);
      return (target as Record<string, unknown>)[key];
    }
    case "index": {
      const target = evaluate(expr.target, scope);
      const index = evaluate(expr.index, scope);
      if (Array.isArray(target) && typeof index === "number") {
        if (index < 0 || index >= target.length)
          throw new Unresolvable(`index ${index} is outside an array of ${target.length}`);
        return target[index];
      }
      if (typeof target === "object" && target !== null && typeof index === "string") {
        const key = Object.keys(target).find((k) => k.toLowerCase() === index.toLowerCase());
        if (key !== undefined) return (target as Record<string, unknown>)[key];
      }
      throw new Unresolvable(`cannot index ${str(target).slice(0, 40)} with ${str(index)}`);
    }
    case "call":
      return callFunction(expr, scope);
  }
}

function callFunction(expr: Extract<Expr, { kind: "call" }>, scope: ExpressionScope): unknown {
  const name = expr.name;
  // Lazy functions first: only the chosen branch is evaluated.
  if (name === "if") {
    const [c, a, b] = expr.args;
    if (!c || !a || !b) throw new Unresolvable("if() needs three arguments");
    return evaluate(c, scope) === true ? evaluate(a, scope) : evaluate(b, scope);
  }
  const args = expr.args.map((a) => evaluate(a, scope));
  const s = (i: number) => str(args[i]);
  const n = (i: number) => {
    const v = Number(args[i]);
    if (!Number.isFinite(v)) throw new Unresolvable(`${name}() argument ${i + 1} is not a number`);
    return v;
  };
  switch (name) {
    case "parameters":
      return scope.parameter(s(0));
    case "variables":
      return scope.variable(s(0));
    case "copyindex": {
      const loop = typeof args[0] === "string" ? (args[0] as string) : undefined;
      const offset = typeof args[0] === "number" ? args[0] : typeof args[1] === "number" ? args[1] : 0;
      return scope.copyIndex(loop) + offset;
    }
    case "concat":
      return args.some(Array.isArray) ? args.flatMap((a) => (Array.isArray(a) ? a : [a])) : args.map(str).join("");
    case "format":
      return s(0).replace(/\{(\d+)(?::[^}]*)?\}/g, (_, i) => str(args[Number(i) + 1]));
    case "resourceid":
      return resourceIdOf(scope, args.map(str), "group");
    case "subscriptionresourceid":
      return resourceIdOf(scope, args.map(str), "subscription");
    case "tenantresourceid":
    case "extensionresourceid":
      return resourceIdOf(scope, args.map(str).slice(name === "extensionresourceid" ? 1 : 0), "tenant");
    case "resourcegroup":
      return {
        id: `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup.name}`,
        name: scope.resourceGroup.name,
        location: scope.resourceGroup.location,
        properties: {},
      };
    case "subscription":
      return {
        id: `/subscriptions/${scope.subscriptionId}`,
        subscriptionId: scope.subscriptionId,
        tenantId: "00000000-0000-0000-0000-000000000000",
        displayName: scope.subscriptionId,
      };
    case "deployment":
      return { name: scope.deploymentName, properties: { templateLink: { uri: "" } } };
    case "environment":
      return {
        name: "AzureCloud",
        suffixes: {
          storage: "core.windows.net",
          azureFrontDoorEndpointSuffix: "azurefd.net",
          keyvaultDns: ".vault.azure.net",
          sqlServerHostname: ".database.windows.net",
        },
      };
    case "uniquestring":
      return uniqueString(...args.map(str));
    case "guid":
      return guid(...args.map(str));
    case "tolower":
      return s(0).toLowerCase();
    case "toupper":
      return s(0).toUpperCase();
    case "trim":
      return s(0).trim();
    case "equals":
      return JSON.stringify(args[0]) === JSON.stringify(args[1]);
    case "not":
      return args[0] !== true;
    case "and":
      return args.every((a) => a === true);
    case "or":
      return args.some((a) => a === true);
    case "true":
      return true;
    case "false":
      return false;
    case "null":
      return null;
    case "bool":
      return args[0] === true || String(args[0]).toLowerCase() === "true";
    case "empty": {
      const v = args[0];
      return (
        v === null ||
        v === undefined ||
        v === "" ||
        (Array.isArray(v) && v.length === 0) ||
        (typeof v === "object" && Object.keys(v as object).length === 0)
      );
    }
    case "length":
      return Array.isArray(args[0])
        ? args[0].length
        : typeof args[0] === "object" && args[0] !== null
          ? Object.keys(args[0]).length
          : s(0).length;
    case "split":
      return s(0).split(
        Array.isArray(args[1])
          ? new RegExp(args[1].map((d) => String(d).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"))
          : s(1),
      );
    case "replace":
      return s(0).split(s(1)).join(s(2));
    case "string":
      return s(0);
    case "int":
      return Math.trunc(n(0));
    case "json":
      try {
        return JSON.parse(s(0));
      } catch {
        throw new Unresolvable(`json() argument is not JSON: ${s(0).slice(0, 40)}`);
      }
    case "createarray":
    case "array":
      return name === "array" && Array.isArray(args[0]) ? args[0] : args;
    case "createobject": {
      const o: Record<string, unknown> = {};
      for (let i = 0; i + 1 < args.length; i += 2) o[s(i)] = args[i + 1];
      return o;
    }
    case "contains":
      return Array.isArray(args[0])
        ? args[0].some((x) => JSON.stringify(x) === JSON.stringify(args[1]))
        : typeof args[0] === "object" && args[0] !== null
          ? s(1) in (args[0] as object)
          : s(0).toLowerCase().includes(s(1).toLowerCase());
    case "first":
      return Array.isArray(args[0]) ? args[0][0] : s(0)[0];
    case "last":
      return Array.isArray(args[0]) ? args[0][args[0].length - 1] : s(0).slice(-1);
    case "union":
      return Array.isArray(args[0])
        ? [...new Set(args.flatMap((a) => (Array.isArray(a) ? a.map((x) => JSON.stringify(x)) : []))).values()].map(
            (x) => JSON.parse(x),
          )
        : Object.assign({}, ...args);
    case "coalesce":
      return args.find((a) => a !== null && a !== undefined) ?? null;
    case "substring":
      return s(0).substring(n(1), args.length > 2 ? n(1) + n(2) : undefined);
    case "take":
      return Array.isArray(args[0]) ? args[0].slice(0, n(1)) : s(0).slice(0, n(1));
    case "skip":
      return Array.isArray(args[0]) ? args[0].slice(n(1)) : s(0).slice(n(1));
    case "startswith":
      return s(0).toLowerCase().startsWith(s(1).toLowerCase());
    case "endswith":
      return s(0).toLowerCase().endsWith(s(1).toLowerCase());
    case "indexof":
      return s(0).toLowerCase().indexOf(s(1).toLowerCase());
    case "padleft":
      return s(0).padStart(n(1), args[2] === undefined ? " " : s(2));
    case "add":
      return n(0) + n(1);
    case "sub":
      return n(0) - n(1);
    case "mul":
      return n(0) * n(1);
    case "div":
      return Math.trunc(n(0) / n(1));
    case "mod":
      return n(0) % n(1);
    case "min":
      return Math.min(...(Array.isArray(args[0]) ? args[0].map(Number) : args.map(Number)));
    case "max":
      return Math.max(...(Array.isArray(args[0]) ? args[0].map(Number) : args.map(Number)));
    case "range":
      return Array.from({ length: n(1) }, (_, i) => n(0) + i);
    case "less":
      return n(0) < n(1);
    case "lessorequals":
      return n(0) <= n(1);
    case "greater":
      return n(0) > n(1);
    case "greaterorequals":
      return n(0) >= n(1);
    case "cidrsubnet": {
      const network = parseCidr(s(0), false);
      const block = network.ok ? cidrSubnet(network.cidr, n(1), n(2)) : undefined;
      if (!block) throw new Unresolvable(`cidrSubnet(${s(0)}, ${s(1)}, ${s(2)}) does not fit`);
      return block.text;
    }
    case "cidrhost": {
      const network = parseCidr(s(0), false);
      const ip = network.ok ? cidrHost(network.cidr, n(1)) : undefined;
      if (ip === undefined) throw new Unresolvable(`cidrHost(${s(0)}, ${s(1)}) is outside the network`);
      return formatIpv4(ip);
    }
    case "reference":
      return scope.reference(s(0), String(args[2] ?? "").toLowerCase() === "full");
    case "resourceinfo":
      throw new Unresolvable("resourceInfo() is Bicep-only");
    default:
      throw new Unresolvable(`${name}() is not known before deployment`);
  }
}
