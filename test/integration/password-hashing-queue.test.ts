import { User } from "../../src/users/user.entity";
import { ControlledHasher } from "../support/controlled-hasher";
import { databaseKinds } from "../support/databases";
import { LOGIN, ME_ID, REGISTER } from "../support/documents";
import { DEFAULT_PASSWORD, uniqueEmail } from "../support/factories";
import { sleep } from "../support/time";
import {
  errorCode,
  type GraphQLResponse,
  startTestServer,
  type TestServer,
} from "../support/test-server";

interface AuthData {
  accessToken: string;
  user: { id: string; email: string };
}

/** Waits until `condition` holds (the server's queue reached a state), at most two seconds. */
async function until(condition: () => boolean): Promise<void> {
  const giveUp = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error("the condition never held");
    await sleep(5);
  }
}

describe.each(databaseKinds())("the password hashing queue over HTTP ($name)", (kind) => {
  let server: TestServer;
  let hasher: ControlledHasher;

  beforeAll(async () => {
    hasher = new ControlledHasher();
    server = await startTestServer(kind, {
      hasher,
      env: { PASSWORD_HASH_CONCURRENCY: "1", PASSWORD_HASH_QUEUE: "1" },
    });
  });
  afterAll(() => server.close());

  const register = (email: string) =>
    server.gql<{ register: AuthData }>(REGISTER, {
      input: { email, password: DEFAULT_PASSWORD },
    });

  function expectRefusedAsUnavailable(response: GraphQLResponse<unknown>): void {
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(errorCode(response)).toBe("SERVICE_UNAVAILABLE");
    expect(response.body.errors?.[0]?.message).toBe("The service is temporarily unavailable.");
  }

  it("refuses sign-ins past the queue with 503, answers others meanwhile, and loses nothing it took", async () => {
    const [first, second, third] = [1, 2, 3].map(() => uniqueEmail("queue"));
    const running = register(first);
    await until(() => hasher.running === 1);
    const waiting = register(second);
    await until(() => server.app.services.hasher.load.queued === 1);

    expectRefusedAsUnavailable(await register(third));
    // An unknown email's dummy verification queues like any other: refused the same way.
    expectRefusedAsUnavailable(
      await server.gql(LOGIN, { input: { email: uniqueEmail("nobody"), password: "x" } }),
    );
    expect(hasher.started).toEqual([`hash:${DEFAULT_PASSWORD}`]);

    hasher.finishNext();
    const signedUp = await running;
    expect(signedUp.body.errors).toBeUndefined();
    // Requests that hash nothing are answered while a hash waits.
    const me = await server.gql<{ me: { id: string } }>(
      ME_ID,
      {},
      { token: signedUp.body.data!.register.accessToken },
    );
    expect(me.body.data?.me.id).toBe(signedUp.body.data!.register.user.id);

    hasher.finishAll();
    expect((await waiting).body.errors).toBeUndefined();
    const stored = await server.app.dataSource.getRepository(User).find();
    expect(stored.map((user) => user.email).sort()).toEqual(
      expect.arrayContaining([first, second].sort()),
    );
    expect(stored.map((user) => user.email)).not.toContain(third);

    // The refused one was not half done: it registers once there is room again.
    const retried = await register(third);
    expect(retried.status).toBe(200);
    expect(retried.body.data?.register.user.email).toBe(third);
    for (const email of [first, second, third]) {
      const login = await server.gql<{ login: AuthData }>(LOGIN, {
        input: { email, password: DEFAULT_PASSWORD },
      });
      expect(login.body.data?.login.user.email).toBe(email);
    }
    expect(hasher.maxActive).toBe(1);
  });
});
