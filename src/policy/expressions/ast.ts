// Syntax tree of the C# subset. Every node keeps the source offset of its first token (`at`) for diagnostics.

export interface TypeName {
  /** Dotted name as written, e.g. "string", "JObject", "System.Text.Encoding", "List". */
  name: string;
  args: TypeName[];
  /** Array rank count: `string[]` → 1. */
  arrays: number;
  nullable: boolean;
  at: number;
}

export interface Arg {
  name?: string;
  /** `out var x` / `out int x` / `out x`. */
  out?: { name: string; declared: boolean };
  value: Expr;
}

export type InitEntry = { kind: "member"; name: string; value: Expr } | { kind: "index"; key: Expr; value: Expr };

export type Expr =
  | { kind: "literal"; at: number; value: unknown; type: string }
  | {
      kind: "interp";
      at: number;
      parts: Array<string | { expr: Expr; format: string | undefined; align: number | undefined }>;
    }
  | { kind: "name"; at: number; name: string; typeArgs?: TypeName[] }
  | { kind: "member"; at: number; target: Expr; name: string; nullCond: boolean; typeArgs?: TypeName[]; nameAt: number }
  | { kind: "call"; at: number; callee: Expr; args: Arg[] }
  | { kind: "index"; at: number; target: Expr; args: Expr[]; nullCond: boolean }
  | { kind: "unary"; at: number; op: string; operand: Expr }
  | { kind: "update"; at: number; op: "++" | "--"; prefix: boolean; target: Expr }
  | { kind: "binary"; at: number; op: string; left: Expr; right: Expr }
  | { kind: "assign"; at: number; op: string; target: Expr; value: Expr }
  | { kind: "cond"; at: number; test: Expr; then: Expr; else: Expr }
  | { kind: "cast"; at: number; type: TypeName; expr: Expr }
  | { kind: "is"; at: number; expr: Expr; type: TypeName | undefined; pattern?: Expr; bind?: string }
  | { kind: "as"; at: number; expr: Expr; type: TypeName }
  | { kind: "lambda"; at: number; params: string[]; body: Expr | Stmt }
  | { kind: "new"; at: number; type: TypeName; args: Arg[]; init?: InitEntry[]; items?: Expr[] }
  | { kind: "anon"; at: number; members: Array<{ name: string; value: Expr }> }
  | { kind: "array"; at: number; elem: TypeName | undefined; size: Expr | undefined; items: Expr[] | undefined }
  | { kind: "typeof"; at: number; type: TypeName };

export interface Declarator {
  name: string;
  at: number;
  init: Expr | undefined;
}

export type Stmt =
  | { kind: "block"; at: number; body: Stmt[] }
  | { kind: "decl"; at: number; type: TypeName | undefined; decls: Declarator[] }
  | { kind: "expr"; at: number; expr: Expr }
  | { kind: "if"; at: number; test: Expr; then: Stmt; else: Stmt | undefined }
  | { kind: "while"; at: number; test: Expr; body: Stmt }
  | { kind: "do"; at: number; test: Expr; body: Stmt }
  | { kind: "for"; at: number; init: Stmt[]; test: Expr | undefined; update: Expr[]; body: Stmt }
  | { kind: "foreach"; at: number; type: TypeName | undefined; name: string; source: Expr; body: Stmt }
  | { kind: "return"; at: number; value: Expr | undefined }
  | { kind: "throw"; at: number; value: Expr | undefined }
  | { kind: "break"; at: number }
  | { kind: "continue"; at: number }
  | {
      kind: "try";
      at: number;
      body: Stmt;
      catches: Array<{ type: TypeName | undefined; name: string | undefined; body: Stmt }>;
      finally: Stmt | undefined;
    }
  | { kind: "switch"; at: number; value: Expr; sections: Array<{ labels: Array<Expr | "default">; body: Stmt[] }> }
  | { kind: "using"; at: number; resource: Stmt; body: Stmt }
  | { kind: "function"; at: number; name: string; params: Array<{ type: TypeName; name: string }>; body: Stmt }
  | { kind: "empty"; at: number };
