import { Session } from "../../src/auth/session.entity";
import { SESSION_ROW_MAX_AGE_MS } from "../../src/auth/session-directory";
import { USER_ROW_MAX_AGE_MS } from "../../src/users/user-directory";
import { User } from "../../src/users/user.entity";
import { databaseKinds } from "../support/databases";
import { registerUser } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";
import { sleep } from "../support/time";

/** Any operation at all: the refusal comes before any resolver. */
const OPERATIONS = ["{ tasks { id } }", "{ sessions { id } }", "{ me { id } }"];

/**
 * The contract: a token whose `sub` names no user, or whose `sid` names no live session of that
 * user, counts as revoked (401), on every operation. Ended sessions reach the revocation view at
 * once; rows removed past the application (by hand) are seen once the directories' copy is
 * older than its bound, a few seconds.
 */
describe.each(databaseKinds())("tokens for someone who is not there ($name)", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  /** Asks until every operation is refused like a revoked token, or the bound has long passed. */
  async function refusedWithin(token: string, boundMs: number): Promise<number> {
    const started = performance.now();
    for (;;) {
      const answers = await Promise.all(
        OPERATIONS.map((query) => server.gql(query, {}, { token })),
      );
      const refused = answers.every(
        (answer) =>
          answer.status === 401 &&
          errorCode(answer) === "UNAUTHENTICATED" &&
          answer.headers.get("www-authenticate") === 'Bearer error="invalid_token"',
      );
      const elapsed = performance.now() - started;
      if (refused) return elapsed;
      if (elapsed > boundMs + 3_000)
        throw new Error(`still answered after ${Math.round(elapsed)} ms`);
      await sleep(100);
    }
  }

  it("refuses every operation of a token whose session was deleted by hand", async () => {
    const user = await registerUser(server);
    expect((await server.gql(OPERATIONS[0], {}, { token: user.accessToken })).status).toBe(200);
    await server.app.dataSource.getRepository(Session).delete({ userId: user.id });
    const elapsed = await refusedWithin(user.accessToken, SESSION_ROW_MAX_AGE_MS);
    expect(elapsed).toBeLessThan(SESSION_ROW_MAX_AGE_MS + 3_000);
  });

  it("refuses every operation of a token whose user was deleted by hand", async () => {
    const user = await registerUser(server);
    expect((await server.gql(OPERATIONS[2], {}, { token: user.accessToken })).status).toBe(200);
    // Sessions go with their user (ON DELETE CASCADE): either directory sees it.
    await server.app.dataSource.getRepository(User).delete({ id: user.id });
    const elapsed = await refusedWithin(user.accessToken, USER_ROW_MAX_AGE_MS);
    expect(elapsed).toBeLessThan(USER_ROW_MAX_AGE_MS + 3_000);
  });

  it("refuses at once, without waiting for any copy to age, a session ended through the API", async () => {
    const user = await registerUser(server);
    expect((await server.gql(OPERATIONS[1], {}, { token: user.accessToken })).status).toBe(200);
    const loggedOut = await server.gql("mutation { logout }", {}, { token: user.accessToken });
    expect(loggedOut.body.errors).toBeUndefined();
    expect(await refusedWithin(user.accessToken, 0)).toBeLessThan(1_000);
  });
});
