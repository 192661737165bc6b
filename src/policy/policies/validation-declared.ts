// Checks of declared parameters and headers (validate-parameters, validate-headers): required ones present,
// one value unless the type is an array, values of the declared type and among the allowed values.
// Everything is prepared at compile time; the returned function only reads the message.
import type { DeclaredParameter } from "../types.js";
import type { Action, Violation } from "./validation-common.js";

export type DeclaredCheck = (
  violations: Violation[],
  valuesOf: (name: string) => readonly string[] | undefined,
) => void;

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

type ValueCheck = (value: string) => string | undefined;

function valueCheck(p: DeclaredParameter): ValueCheck {
  const allowed = p.values && p.values.length > 0 ? new Set(p.values) : undefined;
  const type = p.type?.toLowerCase();
  const typeCheck: ValueCheck =
    type === "integer"
      ? (v) => (INTEGER.test(v.trim()) ? undefined : `"${v}" is not an integer.`)
      : type === "number"
        ? (v) => (NUMBER.test(v.trim()) ? undefined : `"${v}" is not a number.`)
        : type === "boolean"
          ? (v) => (v === "true" || v === "false" ? undefined : `"${v}" is not a boolean (true or false).`)
          : () => undefined;
  if (!allowed) return typeCheck;
  const list = [...allowed].join(", ");
  return (v) => typeCheck(v) ?? (allowed.has(v) ? undefined : `"${v}" is not one of the allowed values: ${list}.`);
}

export function checkDeclared(
  declared: readonly DeclaredParameter[] | undefined,
  group: { specified: ReadonlyMap<string, Action | undefined>; specifiedAction: Action },
  Type: string,
  label: string,
  onResponse = false,
): DeclaredCheck {
  const items = (declared ?? []).map((p) => {
    const key = Type === "QueryParameter" || Type === "PathParameter" ? p.name : p.name.toLowerCase();
    return {
      name: p.name,
      required: p.required === true,
      multiple: p.type?.toLowerCase() === "array",
      check: valueCheck(p),
      // <parameter name action>/<header name action> in the policy overrides the action for that name.
      action: group.specified.get(key) ?? group.specifiedAction,
    };
  });
  if (items.length === 0) return () => {};
  return (violations, valuesOf) => {
    for (const item of items) {
      if (item.action === "ignore") continue;
      const values = valuesOf(item.name);
      const push = (ValidationRule: string, Details: string) =>
        violations.push({ Name: item.name, Type, ValidationRule, Details, Action: item.action });
      if (!values || values.length === 0) {
        if (item.required)
          push(
            "MissingRequiredParameter",
            onResponse
              ? `Response does not contain the required ${label} ${item.name}.`
              : `Request is missing the required ${label} ${item.name}.`,
          );
        continue;
      }
      if (values.length > 1 && !item.multiple) {
        push(
          "IncorrectMessage",
          `${onResponse ? "Response" : "Request"} cannot contain multiple values for the ${label} ${item.name}.`,
        );
        continue;
      }
      const parts = item.multiple ? values.flatMap((v) => v.split(",")) : values;
      for (const value of parts) {
        const problem = item.multiple ? undefined : item.check(value);
        if (problem) {
          push("IncorrectMessage", `Value of the ${label} ${item.name} does not conform to the definition. ${problem}`);
          break;
        }
      }
    }
  };
}
