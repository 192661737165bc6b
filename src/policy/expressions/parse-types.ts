// Type names in expressions: `string`, `List<int>`, `System.Text.Encoding`, `int?`, `string[]`, and the
// generic argument lists after method names (`As<JObject>()`), which must be told apart from `<` comparisons.
import type { TypeName } from "./ast.js";
import { TokenCursor } from "./parse-cursor.js";

/** Keyword type names that always start a cast when parenthesized. */
export const PREDEFINED_TYPES = new Set([
  "string",
  "int",
  "long",
  "short",
  "byte",
  "sbyte",
  "uint",
  "ulong",
  "ushort",
  "double",
  "float",
  "decimal",
  "bool",
  "char",
  "object",
]);

// Tokens that may follow a generic type argument list in an expression (C# spec §6.2.5, simplified).
const AFTER_TYPE_ARGS = new Set(["(", ")", ".", ",", ";", "]", "}", "?.", ":", "==", "!="]);

export class TypeParser extends TokenCursor {
  /** Parses a type name or returns undefined (restoring the position) when the tokens are not a type. */
  tryType(): TypeName | undefined {
    const save = this.pos;
    const t = this.type();
    if (t === undefined) this.pos = save;
    return t;
  }

  private type(): TypeName | undefined {
    const first = this.peek();
    if (first.kind !== "ident" && !(first.kind === "keyword" && first.value === "var")) return undefined;
    this.next();
    let name = first.value;
    let args: TypeName[] = [];
    for (;;) {
      if (this.is("<")) {
        const list = this.typeArgs();
        if (list === undefined) return undefined;
        args = list;
      }
      if (this.is(".") && this.peek(1).kind === "ident") {
        this.next();
        name += `.${this.next().value}`;
        continue;
      }
      break;
    }
    let nullable = false;
    if (this.is("?") && this.nullableFollows(1)) {
      this.next();
      nullable = true;
    }
    let arrays = 0;
    while (this.is("[") && this.is("]", 1)) {
      this.next();
      this.next();
      arrays++;
    }
    return { name, args, arrays, nullable, at: first.offset };
  }

  /** After a type, `?` marks a nullable type when a declarator name or a type-list delimiter follows. */
  private nullableFollows(ahead: number): boolean {
    const t = this.peek(ahead);
    return t.kind === "ident" || (t.kind === "punct" && [">", ",", ")", "]", "["].includes(t.value));
  }

  /** `<T, U>` after a name; undefined when it is not a type argument list. */
  typeArgs(): TypeName[] | undefined {
    const save = this.pos;
    if (!this.accept("<")) return undefined;
    const args: TypeName[] = [];
    for (;;) {
      const t = this.type();
      if (t === undefined) {
        this.pos = save;
        return undefined;
      }
      args.push(t);
      if (this.accept(",")) continue;
      if (this.accept(">")) return args;
      this.pos = save;
      return undefined;
    }
  }

  /** Type arguments after a name in an expression, only when what follows rules out a `<` comparison. */
  protected typeArgsInExpression(): TypeName[] | undefined {
    const save = this.pos;
    const list = this.typeArgs();
    if (list && AFTER_TYPE_ARGS.has(this.peek().value) && this.peek().kind === "punct") return list;
    this.pos = save;
    return undefined;
  }
}
