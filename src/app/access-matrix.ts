import { PUBLIC_OPERATIONS } from "../auth/auth.resolver";
import type { Principal } from "../core/principal";
import { Role } from "../core/role";
import { buildAppSchema } from "./schema";
import { rulesByCoordinate } from "../authorization/enforce-rules";
import { ROLE_PERMISSIONS, SIGNED_IN_PERMISSIONS } from "../authorization/permissions";
import { decide, describe, type Relation, type Rule, rules } from "../authorization/rules";

/** The callers the matrix is computed for; the integration test signs each of them in for real. */
export const MATRIX_COLUMNS = [
  "anonymous",
  "user-owner",
  "user-other",
  "editor",
  "admin",
  "narrowed",
] as const;
export type MatrixColumn = (typeof MATRIX_COLUMNS)[number];

const COLUMN_HEADINGS: Readonly<Record<MatrixColumn, string>> = {
  anonymous: "anonymous",
  "user-owner": "USER (owner)",
  "user-other": "USER (not owner)",
  editor: "EDITOR",
  admin: "ADMIN",
  narrowed: 'USER, scope "task:read" (owner)',
};

/** The scope of the narrowed column's token. */
export const NARROWED_SCOPE = "task:read";

/** What a caller gets: `open` for the public operations, else the rule's verdict. */
export type Outcome = "open" | "yes" | "401" | "FORBIDDEN" | "INSUFFICIENT_SCOPE";

export interface MatrixRow {
  /** The schema coordinate: `Query.task`, `Mutation.createTask`, `User.email`. */
  readonly coordinate: string;
  readonly kind: "operation" | "field";
  /** The rules enforced there (none for a public operation). */
  readonly rules: readonly Rule[];
  readonly cells: Readonly<Record<MatrixColumn, Outcome>>;
}

export interface AccessMatrix {
  readonly rows: readonly MatrixRow[];
}

/** A synthetic caller for each signed-in column; the ids only need to differ from the owner's. */
function principalOf(column: Exclude<MatrixColumn, "anonymous">): Principal {
  const roles = { editor: [Role.EDITOR], admin: [Role.ADMIN] }[column as string] ?? [Role.USER];
  return {
    userId: column,
    sessionId: column,
    tokenId: column,
    roles,
    scope: column === "narrowed" ? [NARROWED_SCOPE] : null,
    issuedAt: 0,
    expiresAt: 0,
  };
}

/** USER (owner) and the narrowed token act on their own resources; every other column on someone else's. */
export const columnIsOwner = (column: MatrixColumn): boolean =>
  column === "user-owner" || column === "narrowed";

function outcome(required: readonly Rule[], column: MatrixColumn): Outcome {
  const principal = column === "anonymous" ? null : principalOf(column);
  const relation: Relation = columnIsOwner(column) ? "owner" : "other";
  for (const rule of required) {
    const decision = decide(rule, principal, relation);
    if (!decision.allowed) return decision.refusal === "UNAUTHENTICATED" ? "401" : decision.refusal;
  }
  return "yes";
}

/**
 * The rule enforced on each field of the schema (enforce-rules.ts reads the same map once
 * `buildAppSchema()` has run), as a list: `undefined` means no rule at all.
 */
export async function enforcedRules(): Promise<ReadonlyMap<string, readonly Rule[] | undefined>> {
  await buildAppSchema();
  return new Map(
    [...rulesByCoordinate()].map(([coordinate, rule]) => [coordinate, rule && [rule]]),
  );
}

const isRoot = (coordinate: string) =>
  coordinate.startsWith("Query.") || coordinate.startsWith("Mutation.");

/**
 * The access matrix: a row for every operation, and one for every other field whose rule asks
 * more than a signed-in caller (a field that only needs one is reached through an operation that
 * already needs one), each cell the verdict of `decide` for that column's caller.
 */
export async function accessMatrix(): Promise<AccessMatrix> {
  const enforced = await enforcedRules();
  const rows: MatrixRow[] = [];
  for (const [coordinate, required] of enforced) {
    // Subscriptions run over graphql-ws, not HTTP: their rule is in the SDL and the rules table,
    // and test/integration/subscriptions.test.ts checks it per event (docs/subscriptions.md).
    if (coordinate.startsWith("Subscription.")) continue;
    const root = isRoot(coordinate);
    const fieldName = coordinate.slice(coordinate.indexOf(".") + 1);
    if (root && PUBLIC_OPERATIONS.includes(fieldName) && required === undefined) {
      const cells = Object.fromEntries(MATRIX_COLUMNS.map((column) => [column, "open"]));
      rows.push({ coordinate, kind: "operation", rules: [], cells: cells as MatrixRow["cells"] });
      continue;
    }
    if (required === undefined) continue;
    if (!root && required.every((rule) => rule.kind === "signed-in")) continue;
    const effective = required.length > 0 ? required : [rules.signedIn];
    const cells = Object.fromEntries(
      MATRIX_COLUMNS.map((column) => [column, outcome(effective, column)]),
    ) as MatrixRow["cells"];
    rows.push({ coordinate, kind: root ? "operation" : "field", rules: effective, cells });
  }
  const order = (row: MatrixRow) =>
    row.coordinate.startsWith("Query.") ? 0 : row.coordinate.startsWith("Mutation.") ? 1 : 2;
  return { rows: rows.sort((a, b) => order(a) - order(b)) };
}

const RENDERED: Readonly<Record<Outcome, string>> = {
  open: "open",
  yes: "yes",
  "401": "401",
  FORBIDDEN: "FORBIDDEN",
  INSUFFICIENT_SCOPE: "INSUFFICIENT_SCOPE",
};

/** A markdown table, padded as Prettier pads it, so the generated file passes the format gate. */
function table(head: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = head.map((_, i) =>
    Math.max(3, ...[head, ...body].map((cells) => cells[i].length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), line(widths.map((width) => "-".repeat(width))), ...body.map(line)].join("\n");
}

const code = (text: string) => `\`${text}\``;

/** docs/authorization.md: the permission table, the named rules and the matrix. */
export async function renderAccessMatrix(): Promise<string> {
  const { rows } = await accessMatrix();
  const namedRules = Object.values(rules as Record<string, Rule>);
  return [
    "# Authorization",
    "",
    "Generated from the code by `npm run schema:print` (src/cli/print-authorization.ts); do not edit",
    "by hand: a test fails when this file differs from what the code generates.",
    "",
    "## Permissions",
    "",
    `Every signed-in user has ${SIGNED_IN_PERMISSIONS.map(code).join(", ")} (on what is their own).`,
    "A token with a `scope` has only the permissions both its roles and its scope name: a scope narrows, never widens.",
    "",
    table(
      ["role", "permissions beyond those"],
      Object.entries(ROLE_PERMISSIONS).map(([role, permissions]) => [
        role,
        permissions.length > 0 ? permissions.map(code).join(", ") : "none",
      ]),
    ),
    "",
    "## Rules",
    "",
    "Operations and fields name one of these rules (src/authorization/rules.ts); `@policy` in",
    "schema.graphql names the owner rules.",
    "",
    table(
      ["rule", "requires"],
      namedRules.map((rule) => [code(rule.name), describe(rule)]),
    ),
    "",
    "## Access matrix",
    "",
    "Every operation, and every field whose rule asks more than a signed-in caller, against each kind",
    "of caller. `yes`: allowed; `open`: a public operation; `401`: `UNAUTHENTICATED`; `FORBIDDEN`:",
    "`FORBIDDEN` at the field's path; `INSUFFICIENT_SCOPE`: `FORBIDDEN` with",
    '`extensions.reason: "INSUFFICIENT_SCOPE"` (the roles would pass, the token\'s scope does not).',
    "The owner columns act on their own task or their own `User` (through `me`); the others on",
    "another user's (a field through `task(id) { owner { ... } }`). A refused field is null and",
    "GraphQL's null propagation applies (non-null fields null their parent).",
    "test/integration/access-matrix.test.ts runs every cell over HTTP.",
    "`Subscription.taskEvents` (rule `task-events`; `all: true` also needs task:read:any) runs over",
    "graphql-ws, is checked on every event, and is tested in test/integration/subscriptions.test.ts:",
    "see docs/subscriptions.md.",
    "",
    table(
      ["operation or field", "rule", ...MATRIX_COLUMNS.map((column) => COLUMN_HEADINGS[column])],
      rows.map((row) => [
        code(row.coordinate),
        row.rules.length > 0 ? row.rules.map((rule) => code(rule.name)).join(", ") : "public",
        ...MATRIX_COLUMNS.map((column) => RENDERED[row.cells[column]]),
      ]),
    ),
    "",
  ].join("\n");
}
