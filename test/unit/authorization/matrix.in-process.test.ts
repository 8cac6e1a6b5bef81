import { NARROWED_SCOPE } from "../../../src/app/access-matrix";
import type { Principal } from "../../../src/core/principal";
import { Role } from "../../../src/core/role";
import {
  type FreshCaller,
  matrixMismatches,
  type MatrixWorld,
  rowsWithoutCells,
} from "../../support/access-matrix-cells";
import {
  authorizationHarness,
  type AuthorizationHarness,
  type HarnessUser,
} from "../../support/execute-as";

/** A caller here is a principal, as the token check would have built it. */
const asCaller = (user: HarnessUser): FreshCaller => ({
  userId: user.id,
  act: user.principal,
  email: user.email,
  password: user.password,
  refreshToken: user.refreshToken,
  sessionId: user.principal.sessionId,
});

describe("the access matrix in-process", () => {
  let harness: AuthorizationHarness;
  let world: MatrixWorld;

  beforeAll(async () => {
    harness = await authorizationHarness();
    const [owner, other, editor, admin, stranger] = await Promise.all([
      harness.createUser(),
      harness.createUser(),
      harness.createUser({ roles: [Role.EDITOR] }),
      harness.createUser({ roles: [Role.ADMIN] }),
      harness.createUser(),
    ]);
    const narrowed: HarnessUser = {
      ...owner,
      principal: { ...owner.principal, scope: [NARROWED_SCOPE] },
    };
    const callers = {
      "user-owner": asCaller(owner),
      "user-other": asCaller(other),
      editor: asCaller(editor),
      admin: asCaller(admin),
      narrowed: asCaller(narrowed),
    };
    world = {
      caller: (column) => callers[column],
      strangerId: stranger.id,
      freshCaller: async (column) =>
        asCaller(
          await harness.createUser({
            roles: [
              column === "editor" ? Role.EDITOR : column === "admin" ? Role.ADMIN : Role.USER,
            ],
            scope: column === "narrowed" ? NARROWED_SCOPE : undefined,
          }),
        ),
      createTask: (ownerId) => harness.createTask(ownerId),
      run: async (caller, document, variables) => {
        const result = await harness.executeAs(
          caller ? (caller.act as Principal) : null,
          document,
          variables,
        );
        return {
          status: 200,
          data: result.data,
          errors: result.errors?.map((error) => ({
            path: error.path,
            extensions: error.extensions,
          })),
        };
      },
    };
  }, 60_000);
  afterAll(() => harness.close());

  it("has a runnable cell table for every row of the matrix", async () => {
    expect(await rowsWithoutCells()).toEqual([]);
  });

  it("gives every caller what the matrix says, in every cell", async () => {
    expect(await matrixMismatches(world)).toEqual([]);
  }, 120_000);

  it("executes as claims alone, without any user behind them", async () => {
    const result = await harness.executeAs({ roles: [Role.EDITOR] }, "{ allTasks { id } }");
    expect(result.errors).toBeUndefined();
    const refused = await harness.executeAs(
      { roles: [Role.USER], scope: ["task:read"] },
      'mutation { createTask(input: { title: "x" }) { id } }',
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      reason: "INSUFFICIENT_SCOPE",
    });
  });
});
