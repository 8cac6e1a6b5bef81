import { randomUUID } from "node:crypto";
import {
  accessMatrix,
  columnIsOwner,
  MATRIX_COLUMNS,
  type MatrixColumn,
  type Outcome,
} from "../../src/app/access-matrix";
import { uniqueEmail } from "./factories";

/**
 * The access matrix's cells as runnable requests, shared by the HTTP test
 * (test/integration/access-matrix.test.ts) and the in-process one
 * (test/unit/authorization/matrix.in-process.test.ts). A world is where the cells run: a real
 * server over HTTP, or the schema in-process; each says how it signs callers in.
 */

/** A caller as a world acts as them: a bearer token, or a principal. `null`: anonymous. */
export interface Caller {
  readonly userId: string;
  readonly act: unknown;
}

/** A new account of its own, signed in with its own session. */
export interface FreshCaller extends Caller {
  readonly email: string;
  readonly password: string;
  readonly refreshToken: string;
  readonly sessionId: string;
}

export interface CellResult {
  /** The HTTP status (200 in-process). */
  readonly status: number;
  readonly data?: unknown;
  readonly errors?: ReadonlyArray<{
    readonly path?: ReadonlyArray<string | number>;
    readonly extensions?: Record<string, unknown>;
  }>;
}

export interface MatrixWorld {
  /** The caller of each signed-in column, shared by the cells that change nothing of theirs. */
  caller(column: Exclude<MatrixColumn, "anonymous">): Caller;
  /** A new account of the column's kind (anonymous: a new USER), for cells that end sessions. */
  freshCaller(column: MatrixColumn): Promise<FreshCaller>;
  /** A new task of the given user. */
  createTask(ownerId: string): Promise<string>;
  /** A user who is none of the columns: the owner of the tasks the "not owner" columns act on. */
  readonly strangerId: string;
  run(
    caller: Caller | null,
    document: string,
    variables: Record<string, unknown>,
  ): Promise<CellResult>;
}

export interface CellPlan {
  readonly document: string;
  readonly variables?: Record<string, unknown>;
  /** Who sends it; the column's shared caller unless the plan needs a fresh one. */
  readonly as: Caller | null;
  /**
   * Where the outcome shows: the operation, or the field (`["task", "owner", "email"]`). A
   * refusal must be reported at exactly this path, except a 401, which may come from an ancestor.
   */
  readonly path: readonly string[];
}

type PlanCell = (world: MatrixWorld, column: MatrixColumn) => Promise<CellPlan>;

const shared = (world: MatrixWorld, column: MatrixColumn): Caller | null =>
  column === "anonymous" ? null : world.caller(column);

/** A new task the column's caller owns (owner columns) or does not (the others). */
const taskFor = (world: MatrixWorld, column: MatrixColumn): Promise<string> =>
  world.createTask(
    columnIsOwner(column) && column !== "anonymous"
      ? world.caller(column).userId
      : world.strangerId,
  );

const plain =
  (document: string, path: string): PlanCell =>
  (world, column) =>
    Promise.resolve({ document, as: shared(world, column), path: [path] });

const onTask =
  (document: string, path: string): PlanCell =>
  async (world, column) => ({
    document,
    variables: { id: await taskFor(world, column) },
    as: shared(world, column),
    path: [path],
  });

/** A new victim: the target of a cell that changes a user, so cells do not affect each other. */
const onVictim =
  (document: string, path: string, variables: Record<string, unknown> = {}): PlanCell =>
  async (world, column) => ({
    document,
    variables: { userId: (await world.freshCaller("anonymous")).userId, ...variables },
    as: shared(world, column),
    path: [path],
  });

/**
 * A field of `User`: the owner columns reach their own through `me`, the others another user's
 * through a task of theirs. A USER cannot read another user's task, so for that column the
 * refusal comes at `task`, before any `User` is reached: no path leads a USER to another user.
 */
const userField =
  (selection: string): PlanCell =>
  async (world, column) => {
    const field = selection.split(/[ {]/)[0];
    if (columnIsOwner(column) || column === "anonymous")
      return {
        document: `{ me { id ${selection} } }`,
        as: shared(world, column),
        path: ["me", field],
      };
    return {
      document: `query ($id: ID!) { task(id: $id) { id owner { id ${selection} } } }`,
      variables: { id: await world.createTask(world.strangerId) },
      as: shared(world, column),
      path: column === "user-other" ? ["task"] : ["task", "owner", field],
    };
  };

const SIGN_IN_SELECTION = "{ accessToken refreshToken user { id } }";

/** Every row of the matrix, by coordinate. A row the matrix has and this table lacks fails the tests. */
export const MATRIX_CELLS: Readonly<Record<string, PlanCell>> = {
  "Query.sessions": plain("{ sessions { id } }", "sessions"),
  "Query.tasks": plain("{ tasks { id } }", "tasks"),
  "Query.task": onTask("query ($id: ID!) { task(id: $id) { id } }", "task"),
  "Query.allTasks": plain("{ allTasks { id } }", "allTasks"),
  "Query.me": plain("{ me { id } }", "me"),
  "Query.users": plain("{ users { id } }", "users"),
  "Mutation.register": (world, column) =>
    Promise.resolve({
      document: `mutation ($input: RegisterInput!) { register(input: $input) ${SIGN_IN_SELECTION} }`,
      variables: { input: { email: uniqueEmail("matrix"), password: "a fine long passphrase" } },
      as: shared(world, column),
      path: ["register"],
    }),
  "Mutation.login": async (world, column) => {
    const account = await world.freshCaller("anonymous");
    return {
      document: `mutation ($input: LoginInput!) { login(input: $input) ${SIGN_IN_SELECTION} }`,
      variables: { input: { email: account.email, password: account.password } },
      as: shared(world, column),
      path: ["login"],
    };
  },
  "Mutation.refresh": async (world, column) => ({
    document: `mutation ($token: String) { refresh(refreshToken: $token) ${SIGN_IN_SELECTION} }`,
    variables: { token: (await world.freshCaller("anonymous")).refreshToken },
    as: shared(world, column),
    path: ["refresh"],
  }),
  // Logout ends the session of the bearer token: a fresh caller's, never a shared one.
  "Mutation.logout": async (world, column) => {
    const fresh = await world.freshCaller(column);
    return {
      document: "mutation ($token: String) { logout(refreshToken: $token) }",
      variables: { token: column === "anonymous" ? fresh.refreshToken : null },
      as: column === "anonymous" ? null : fresh,
      path: ["logout"],
    };
  },
  // Changing a password ends the user's other sessions: a fresh caller's.
  "Mutation.changePassword": async (world, column) => {
    const fresh = await world.freshCaller(column);
    return {
      document:
        "mutation ($current: String!, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) }",
      variables: { current: fresh.password, next: "another fine long passphrase" },
      as: column === "anonymous" ? null : fresh,
      path: ["changePassword"],
    };
  },
  // Owner columns end a session of their own (a fresh account, so the shared caller stays
  // signed in); the others try a session of a new stranger's, which only its owner may end.
  "Mutation.revokeSession": async (world, column) => {
    if (column === "anonymous") {
      return {
        document: "mutation ($id: ID!) { revokeSession(id: $id) }",
        variables: { id: randomUUID() },
        as: null,
        path: ["revokeSession"],
      };
    }
    const fresh = await world.freshCaller(column);
    const target = columnIsOwner(column) ? fresh : await world.freshCaller("anonymous");
    return {
      document: "mutation ($id: ID!) { revokeSession(id: $id) }",
      variables: { id: target.sessionId },
      as: fresh,
      path: ["revokeSession"],
    };
  },
  "Mutation.revokeUserSessions": onVictim(
    "mutation ($userId: ID!) { revokeUserSessions(userId: $userId) }",
    "revokeUserSessions",
  ),
  "Mutation.createTask": plain(
    'mutation { createTask(input: { title: "matrix" }) { id } }',
    "createTask",
  ),
  "Mutation.updateTask": onTask(
    "mutation ($id: ID!) { updateTask(id: $id, patch: { done: true }) { id } }",
    "updateTask",
  ),
  "Mutation.deleteTask": onTask("mutation ($id: ID!) { deleteTask(id: $id) }", "deleteTask"),
  "Mutation.setUserRoles": onVictim(
    "mutation ($userId: ID!, $roles: [Role!]!) { setUserRoles(userId: $userId, roles: $roles) { id } }",
    "setUserRoles",
    { roles: ["USER"] },
  ),
  "User.email": userField("email"),
  "User.roles": userField("roles"),
  "User.createdAt": userField("createdAt"),
  "User.cursor": userField("cursor"),
  "User.tasks": userField("tasks { id }"),
};

const startsWith = (path: ReadonlyArray<string | number>, prefix: readonly string[]) =>
  prefix.every((name, i) => path[i] === name);

/** Why a cell's result is not the matrix's outcome, or null when it is. */
export function outcomeMismatch(
  result: CellResult,
  outcome: Outcome,
  path: readonly string[],
): string | null {
  const errors = result.errors ?? [];
  const show = () => `HTTP ${result.status} ${JSON.stringify(errors)}`;
  const under = (error: (typeof errors)[number]) => startsWith(error.path ?? [], path);
  switch (outcome) {
    case "open":
      return result.status === 200 && errors.length === 0
        ? null
        : `expected no error, got ${show()}`;
    case "yes":
      return result.status === 200 && !errors.some(under)
        ? null
        : `expected no error at ${path.join(".")}, got ${show()}`;
    case "401": {
      const refused =
        result.status === 401 ||
        errors.some(
          (error) =>
            error.extensions?.code === "UNAUTHENTICATED" &&
            (error.path ?? []).every((name, i) => path[i] === name),
        );
      return refused
        ? null
        : `expected UNAUTHENTICATED at or above ${path.join(".")}, got ${show()}`;
    }
    case "FORBIDDEN":
    case "INSUFFICIENT_SCOPE": {
      const refused = errors.some(
        (error) =>
          error.extensions?.code === "FORBIDDEN" &&
          (outcome === "FORBIDDEN"
            ? error.extensions.reason === undefined
            : error.extensions.reason === "INSUFFICIENT_SCOPE") &&
          JSON.stringify(error.path ?? []) === JSON.stringify(path),
      );
      return refused ? null : `expected ${outcome} at ${path.join(".")}, got ${show()}`;
    }
  }
}

/** The rows of the access matrix that MATRIX_CELLS cannot run: none, or a test fails. */
export async function rowsWithoutCells(): Promise<string[]> {
  return (await accessMatrix()).rows
    .map((row) => row.coordinate)
    .filter((coordinate) => !(coordinate in MATRIX_CELLS));
}

/** Runs every cell of the matrix in the world given; returns each cell whose answer differs. */
export async function matrixMismatches(world: MatrixWorld): Promise<string[]> {
  const mismatches: string[] = [];
  for (const row of (await accessMatrix()).rows) {
    const plan = MATRIX_CELLS[row.coordinate];
    if (!plan) continue;
    for (const column of MATRIX_COLUMNS) {
      const cell = await plan(world, column);
      const result = await world.run(cell.as, cell.document, cell.variables ?? {});
      const mismatch = outcomeMismatch(result, row.cells[column], cell.path);
      if (mismatch) mismatches.push(`${row.coordinate} as ${column}: ${mismatch}`);
    }
  }
  return mismatches;
}
