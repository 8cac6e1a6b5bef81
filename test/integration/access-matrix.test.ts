import { NARROWED_SCOPE } from "../../src/app/access-matrix";
import { Role } from "../../src/core/role";
import {
  type Caller,
  type FreshCaller,
  matrixMismatches,
  type MatrixWorld,
  rowsWithoutCells,
} from "../support/access-matrix-cells";
import { databaseKinds } from "../support/databases";
import { registerUser, signedInWithRoles, type SignedInUser } from "../support/factories";
import { decodeToken } from "../support/forge";
import { startTestServer, type TestServer } from "../support/test-server";

/** A caller here is a bearer token. */
const asCaller = (user: SignedInUser): FreshCaller => ({
  userId: user.id,
  act: user.accessToken,
  email: user.email,
  password: user.password,
  refreshToken: user.refreshToken,
  sessionId: String(decodeToken(user.accessToken).payload.sid),
});

async function loginNarrowed(server: TestServer, user: SignedInUser): Promise<SignedInUser> {
  const response = await server.gql<{ login: { accessToken: string; refreshToken: string } }>(
    "mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }",
    { input: { email: user.email, password: user.password, scope: NARROWED_SCOPE } },
  );
  const tokens = response.body.data?.login;
  if (!tokens) throw new Error(`narrowed login failed: ${JSON.stringify(response.body.errors)}`);
  return { ...user, ...tokens };
}

describe.each(databaseKinds())("the access matrix over HTTP ($name)", (kind) => {
  let server: TestServer;
  let world: MatrixWorld;

  beforeAll(async () => {
    // Every cell that ends a session signs a new account in: far more logins than a person makes.
    server = await startTestServer(kind, {
      env: { RATE_LIMIT_LOGIN_PER_ADDRESS: "100000", RATE_LIMIT_REFRESH_PER_ADDRESS: "100000" },
    });
    const [owner, other, editor, admin, stranger] = await Promise.all([
      registerUser(server),
      registerUser(server),
      signedInWithRoles(server, [Role.EDITOR]),
      signedInWithRoles(server, [Role.ADMIN]),
      registerUser(server),
    ]);
    const narrowed = await loginNarrowed(server, owner);
    const callers = {
      "user-owner": asCaller(owner),
      "user-other": asCaller(other),
      editor: asCaller(editor),
      admin: asCaller(admin),
      narrowed: asCaller(narrowed),
    };
    const tokenOf = new Map([owner, stranger].map((user) => [user.id, user.accessToken]));
    world = {
      caller: (column) => callers[column],
      strangerId: stranger.id,
      freshCaller: async (column) => {
        if (column === "editor" || column === "admin")
          return asCaller(
            await signedInWithRoles(server, [column === "editor" ? Role.EDITOR : Role.ADMIN]),
          );
        const user = await registerUser(server);
        return asCaller(column === "narrowed" ? await loginNarrowed(server, user) : user);
      },
      createTask: async (ownerId) => {
        const response = await server.gql<{ createTask: { id: string } }>(
          'mutation { createTask(input: { title: "matrix" }) { id } }',
          {},
          { token: tokenOf.get(ownerId) },
        );
        const id = response.body.data?.createTask.id;
        if (!id) throw new Error(`createTask failed: ${JSON.stringify(response.body.errors)}`);
        return id;
      },
      run: async (caller: Caller | null, document, variables) => {
        const response = await server.gql(document, variables, {
          token: caller ? String(caller.act) : undefined,
        });
        return { status: response.status, ...response.body };
      },
    };
  }, 60_000);
  afterAll(() => server.close());

  it("has a runnable cell table for every row of the matrix", async () => {
    expect(await rowsWithoutCells()).toEqual([]);
  });

  it("gives every caller what the matrix says, in every cell", async () => {
    expect(await matrixMismatches(world)).toEqual([]);
  }, 120_000);
});
