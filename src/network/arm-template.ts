// Reads an ARM deployment template (+ parameters file) the way Resource Manager would before
// deployment: resolves parameters, variables, copy loops, conditions, inline nested templates and
// reference() to resources of the same template; every expression it cannot resolve becomes a
// finding with its JSON path, never an exception.
import type { Diagnostic } from "../core/errors.js";
import { type ExpressionScope, evaluate, isExpression, parseExpression, Unresolvable } from "./arm-expressions.js";

type Json = Record<string, unknown>;

export interface TemplateOptions {
  /** Parameters file content ({ parameters: { name: { value } } }) or a plain name → value map. */
  readonly parameters?: unknown;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  /** resourceGroup().location; the default location of most templates. */
  readonly location?: string;
  readonly deploymentName?: string;
}

export interface TemplateResource {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** Fully evaluated body (location, sku, properties, ...). */
  readonly body: Json;
  /** JSON path of the resource in the template, e.g. "resources[2]" or "resources[1].resources[0]". */
  readonly path: string;
}

export interface LoadedTemplate {
  readonly resources: readonly TemplateResource[];
  readonly diagnostics: readonly Diagnostic[];
}

function obj(v: unknown): Json {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function findKey(o: Json, key: string): string | undefined {
  return Object.keys(o).find((k) => k.toLowerCase() === key.toLowerCase());
}

const placeholders: Record<string, unknown> = {
  string: "",
  securestring: "",
  int: 1,
  bool: false,
  array: [],
  object: {},
  secureobject: {},
};

export function loadTemplate(template: unknown, options: TemplateOptions = {}): LoadedTemplate {
  const diagnostics: Diagnostic[] = [];
  const t = obj(template);
  if (!Array.isArray(t.resources)) {
    diagnostics.push({
      severity: "error",
      code: "TemplateInvalid",
      message: "not an ARM template: no resources array",
      path: "resources",
    });
    return { resources: [], diagnostics };
  }
  const given = obj(options.parameters);
  const paramValues = obj(given.parameters ?? given);
  const resources: TemplateResource[] = [];
  readScope(t, "", (name) => {
    const key = findKey(paramValues, name);
    if (key === undefined) return { found: false };
    const v = paramValues[key];
    const wrapped = obj(v);
    return {
      found: true,
      value: "value" in wrapped ? wrapped.value : "reference" in wrapped ? undefined : v,
      keyVault: "reference" in wrapped,
    };
  });
  return { resources, diagnostics };

  function readScope(
    tpl: Json,
    pathPrefix: string,
    outerParam: (name: string) => { found: boolean; value?: unknown; keyVault?: boolean },
  ): void {
    const paramDefs = obj(tpl.parameters);
    const varDefs = obj(tpl.variables);
    const paramCache = new Map<string, unknown>();
    const varCache = new Map<string, unknown>();
    const inProgress = new Set<string>();
    const copyStack: { name: string | undefined; index: number }[] = [];
    const byId = new Map<
      string,
      { raw: Json; path: string; body?: Json; copy: { name: string | undefined; index: number }[] }
    >();

    const scope: ExpressionScope = {
      subscriptionId: options.subscriptionId ?? "00000000-0000-0000-0000-000000000000",
      resourceGroup: { name: options.resourceGroup ?? "rg", location: options.location ?? "westus" },
      deploymentName: options.deploymentName ?? "moat-check",
      parameter(name) {
        const key = findKey(paramDefs, name);
        if (key === undefined) throw new Unresolvable(`parameter '${name}' is not declared`);
        if (paramCache.has(key)) return paramCache.get(key);
        const def = obj(paramDefs[key]);
        const outer = outerParam(key);
        let value: unknown;
        if (outer.keyVault) {
          value = placeholders[String(def.type ?? "string").toLowerCase()] ?? "";
        } else if (outer.found) value = outer.value;
        else if ("defaultValue" in def) {
          if (inProgress.has(`p:${key}`)) throw new Unresolvable(`parameter '${key}' default refers to itself`);
          inProgress.add(`p:${key}`);
          try {
            value = resolveDeep(def.defaultValue, `${pathPrefix}parameters.${key}.defaultValue`);
          } finally {
            inProgress.delete(`p:${key}`);
          }
        } else {
          value = placeholders[String(def.type ?? "string").toLowerCase()] ?? "";
          if (typeof value === "string") value = `{${key}}`;
          diagnostics.push({
            severity: "warning",
            code: "TemplateParameterMissing",
            message: `parameter ${key} has no value and no default; checked with placeholder ${JSON.stringify(value)}`,
            path: `${pathPrefix}parameters.${key}`,
          });
        }
        paramCache.set(key, value);
        return value;
      },
      variable(name) {
        const key = findKey(varDefs, name);
        if (key === undefined) {
          const copyVar = (Array.isArray(varDefs.copy) ? varDefs.copy : []).find(
            (c) => String(obj(c).name).toLowerCase() === name.toLowerCase(),
          );
          if (copyVar) return expandCopy(obj(copyVar), `${pathPrefix}variables.copy`);
          throw new Unresolvable(`variable '${name}' is not declared`);
        }
        if (varCache.has(key)) return varCache.get(key);
        if (inProgress.has(`v:${key}`)) throw new Unresolvable(`variable '${key}' refers to itself`);
        inProgress.add(`v:${key}`);
        try {
          const value = resolveDeep(varDefs[key], `${pathPrefix}variables.${key}`);
          varCache.set(key, value);
          return value;
        } finally {
          inProgress.delete(`v:${key}`);
        }
      },
      copyIndex(loop) {
        const frame =
          loop === undefined
            ? copyStack[copyStack.length - 1]
            : [...copyStack].reverse().find((f) => f.name?.toLowerCase() === loop.toLowerCase());
        if (!frame) throw new Unresolvable(`copyIndex(${loop ?? ""}) outside a copy loop`);
        return frame.index;
      },
      reference(id, full) {
        const target =
          byId.get(id.toLowerCase()) ?? [...byId.entries()].find(([k]) => k.endsWith(`/${id.toLowerCase()}`))?.[1];
        if (!target) throw new Unresolvable(`reference('${id}') points outside this template`);
        if (!target.body) {
          if (inProgress.has(`r:${id}`)) throw new Unresolvable(`reference('${id}') is circular`);
          inProgress.add(`r:${id}`);
          const saved = copyStack.splice(0, copyStack.length, ...target.copy);
          try {
            target.body = obj(resolveDeep(target.raw, target.path));
          } finally {
            copyStack.splice(0, copyStack.length, ...saved);
            inProgress.delete(`r:${id}`);
          }
        }
        return full ? target.body : obj(target.body.properties);
      },
    };

    // Marker for values that could not be resolved; reported once where they occur.
    function resolveString(text: string, path: string): unknown {
      if (!isExpression(text)) return text.startsWith("[[") ? text.slice(1) : text;
      try {
        return evaluate(parseExpression(text), scope);
      } catch (e) {
        if (!(e instanceof Unresolvable) && !(e instanceof RangeError)) throw e;
        diagnostics.push({
          severity: "warning",
          code: "UnresolvableExpression",
          message: `${e.message}: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`,
          path,
        });
        return undefined;
      }
    }

    function expandCopy(copy: Json, path: string): unknown[] {
      const count = Number(resolveDeep(copy.count, `${path}.count`));
      if (!Number.isInteger(count) || count < 0 || count > 800) {
        diagnostics.push({
          severity: "warning",
          code: "UnresolvableExpression",
          message: `copy count ${String(copy.count)} is not an integer 0-800`,
          path: `${path}.count`,
        });
        return [];
      }
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) {
        copyStack.push({ name: typeof copy.name === "string" ? copy.name : undefined, index: i });
        try {
          out.push(resolveDeep(copy.input, `${path}.input`));
        } finally {
          copyStack.pop();
        }
      }
      return out;
    }

    function resolveDeep(value: unknown, path: string): unknown {
      if (typeof value === "string") return resolveString(value, path);
      if (Array.isArray(value)) return value.map((v, i) => resolveDeep(v, `${path}[${i}]`));
      if (typeof value !== "object" || value === null) return value;
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) {
        // Property copy loops: "copy": [{ name: "subnets", count, input }] expands into out.subnets.
        if (k === "copy" && Array.isArray(v) && path.includes("properties")) {
          for (const c of v) {
            const cj = obj(c);
            if (typeof cj.name === "string") out[cj.name] = expandCopy(cj, `${path}.copy`);
          }
          continue;
        }
        out[k] = resolveDeep(v, `${path}.${k}`);
      }
      return out;
    }

    // Pass 1: ids of every resource instance (with copy loops), so reference() can find them.
    const instances: {
      raw: Json;
      path: string;
      copy: { name: string | undefined; index: number }[];
      parent?: { type: string; name: string };
    }[] = [];
    const collect = (list: unknown[], path: string, parent?: { type: string; name: string }) => {
      list.forEach((r, i) => {
        const raw = obj(r);
        const rpath = `${path}[${i}]`;
        const copy = obj(raw.copy);
        const count = "count" in copy ? Number(resolveDeep(copy.count, `${rpath}.copy.count`)) : undefined;
        const frames =
          count === undefined
            ? [[]]
            : Array.from({ length: Number.isInteger(count) && count >= 0 ? Math.min(count, 800) : 0 }, (_, j) => [
                { name: typeof copy.name === "string" ? copy.name : undefined, index: j },
              ]);
        for (const frame of frames) {
          copyStack.push(...frame);
          try {
            if ("condition" in raw && resolveDeep(raw.condition, `${rpath}.condition`) === false) continue;
            const type = String(resolveDeep(raw.type, `${rpath}.type`) ?? "");
            const localName = String(resolveDeep(raw.name, `${rpath}.name`) ?? "");
            const fullType =
              parent && !type.includes("/")
                ? `${parent.type}/${type}`
                : parent && type.split("/").length === 2 && !type.startsWith(parent.type)
                  ? `${parent.type}/${type}`
                  : type;
            const name = parent && !localName.includes("/") ? `${parent.name}/${localName}` : localName;
            instances.push({ raw: { ...raw, type: fullType, name }, path: rpath, copy: [...copyStack], parent });
            const id = resourceIdFor(scope, fullType, name);
            byId.set(id.toLowerCase(), { raw: { ...raw, type: fullType, name }, path: rpath, copy: [...copyStack] });
            if (Array.isArray(raw.resources)) collect(raw.resources, `${rpath}.resources`, { type: fullType, name });
          } finally {
            copyStack.splice(copyStack.length - frame.length, frame.length);
          }
        }
      });
    };
    collect(tpl.resources as unknown[], `${pathPrefix}resources`);

    // Pass 2: evaluate bodies; follow inline nested deployments.
    for (const inst of instances) {
      copyStack.push(...inst.copy);
      try {
        const { resources: _children, copy: _copy, condition: _condition, dependsOn: _deps, ...rest } = inst.raw;
        const id = resourceIdFor(scope, String(inst.raw.type), String(inst.raw.name));
        const cached = byId.get(id.toLowerCase());
        const body = cached?.body ?? obj(resolveDeep(rest, inst.path));
        if (cached) cached.body = body;
        const type = String(inst.raw.type);
        if (type.toLowerCase() === "microsoft.resources/deployments") {
          readNested(body, inst.raw, inst.path);
          continue;
        }
        resources.push({ type, name: String(inst.raw.name), id, body, path: inst.path });
      } finally {
        copyStack.splice(copyStack.length - inst.copy.length, inst.copy.length);
      }
    }

    function readNested(body: Json, raw: Json, path: string): void {
      const rawProps = obj(raw.properties);
      const props = obj(body.properties);
      if (rawProps.templateLink !== undefined) {
        diagnostics.push({
          severity: "info",
          code: "LinkedTemplateSkipped",
          message: `linked template ${String(obj(props.templateLink).uri ?? "")} is not followed; check it separately`,
          path: `${path}.properties.templateLink`,
        });
        return;
      }
      const inner = obj(rawProps.template);
      if (!Array.isArray(inner.resources)) return;
      const innerScope = String(obj(rawProps.expressionEvaluationOptions).scope ?? "outer").toLowerCase();
      const innerParams = obj(props.parameters);
      if (innerScope === "inner") {
        readScope(inner, `${path}.properties.template.`, (name) => {
          const key = findKey(innerParams, name);
          return key === undefined ? { found: false } : { found: true, value: obj(innerParams[key]).value };
        });
      } else {
        // Outer scope: the nested template's expressions see the parent's parameters and variables.
        readScope(
          { ...inner, parameters: tpl.parameters, variables: tpl.variables },
          `${path}.properties.template.`,
          outerParam,
        );
      }
    }
  }
}

export function resourceIdFor(
  scope: Pick<ExpressionScope, "subscriptionId" | "resourceGroup">,
  type: string,
  name: string,
): string {
  const [provider, ...types] = type.split("/");
  const names = name.split("/");
  const pairs = types.map((t, i) => `${t}/${names[i] ?? ""}`).join("/");
  return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup.name}/providers/${provider}/${pairs}`;
}
