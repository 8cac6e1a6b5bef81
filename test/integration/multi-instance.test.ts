import { User } from "../../src/users/user.entity";
import { databaseKinds, openDataSource } from "../support/databases";
import {
  CHANGE_PASSWORD,
  LOGIN,
  ME_ID,
  REGISTER,
  SET_USER_ROLES,
  USERS,
} from "../support/documents";
import { DEFAULT_PASSWORD, uniqueEmail } from "../support/factories";
import { recordFigure } from "../support/figures";
import { decodeToken } from "../support/forge";
import { startTwoInstances, stopTwoInstances, type TwoInstances } from "../support/instances";
import { run, USER_ADD_JS } from "../support/processes";
import { errorCode, type GraphQLResponse, postGraphQL } from "../support/test-server";
import { sleep } from "../support/time";

/**
 * Two server processes on one database: what one instance revokes, the other honours within a
 * second (the contract's staleness bound), and so it does a user deleted by hand, though nothing
 * announces it; refresh-token rotation holds across instances.
 */

const LOGOUT = /* GraphQL */ `
  mutation Logout {
    logout
  }
`;

const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String) {
    refresh(refreshToken: $refreshToken) {
      accessToken
      refreshToken
    }
  }
`;

/** The contract: a revocation made through one instance is honoured by all within this. */
const PROPAGATION_BOUND_MS = 1_000;
/**
 * A user deleted by hand announces nothing: B sees it when its copy of the row (at most 1 s old,
 * src/users/user-directory.ts) is read again. The margin covers what comes on top: the read
 * itself, one poll interval and the request that finds it, on a loaded machine.
 */
const DELETION_MARGIN_MS = 250;
/** How long a poll loop keeps trying before it gives up (so a failure fails fast). */
const POLL_GIVE_UP_MS = 3_000;
const POLL_INTERVAL_MS = 50;
/** REFRESH_REUSE_GRACE for both instances, and a wait safely past it. */
const REUSE_GRACE = "1s";
const PAST_GRACE_MS = 1_300;

interface Session {
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly roles: string[];
}

interface AuthData {
  accessToken: string;
  refreshToken: string;
  user: { id: string; roles: string[] };
}

interface RefreshData {
  refresh: { accessToken: string; refreshToken: string };
}

async function registerUser(url: string, email: string): Promise<void> {
  const registered = await postGraphQL<{ register: AuthData }>(url, REGISTER, {
    input: { email, password: DEFAULT_PASSWORD },
  });
  expect(registered.body.errors).toBeUndefined();
}

async function logIn(url: string, email: string, password = DEFAULT_PASSWORD): Promise<Session> {
  const response = await postGraphQL<{ login: AuthData }>(url, LOGIN, {
    input: { email, password },
  });
  const data = response.body.data?.login;
  if (!data) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
  return {
    userId: data.user.id,
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
    roles: data.user.roles,
  };
}

function refresh(url: string, refreshToken: string): Promise<GraphQLResponse<RefreshData>> {
  return postGraphQL<RefreshData>(url, REFRESH, { refreshToken });
}

/**
 * Sends `attempt` every POLL_INTERVAL_MS until `done` holds for its response, giving up after
 * POLL_GIVE_UP_MS. Returns every response seen and the delay, from `since`, until the first
 * satisfying response came back (an upper bound on the propagation delay), or undefined.
 */
async function pollUntil<T>(
  since: number,
  attempt: () => Promise<GraphQLResponse<T>>,
  done: (response: GraphQLResponse<T>) => boolean,
): Promise<{ delayMs: number | undefined; seen: Array<GraphQLResponse<T>> }> {
  const seen: Array<GraphQLResponse<T>> = [];
  while (performance.now() - since < POLL_GIVE_UP_MS) {
    const response = await attempt();
    seen.push(response);
    if (done(response)) return { delayMs: performance.now() - since, seen };
    await sleep(POLL_INTERVAL_MS);
  }
  return { delayMs: undefined, seen };
}

/** What a poll saw, for a failure message. */
function summary(seen: Array<GraphQLResponse<unknown>>): string {
  const last = seen.at(-1);
  return `${seen.length} responses; last: HTTP ${last?.status} ${JSON.stringify(last?.body)}`;
}

const refusedAsInvalidToken = (response: GraphQLResponse<unknown>) =>
  response.status === 401 && errorCode(response) === "UNAUTHENTICATED";

describe.each(databaseKinds())("two instances on one database ($name)", (kind) => {
  let instances: TwoInstances | undefined;
  let email: string;

  const urlA = () => instances!.a.url;
  const urlB = () => instances!.b.url;

  beforeAll(async () => {
    instances = await startTwoInstances(kind, { REFRESH_REUSE_GRACE: REUSE_GRACE });
    email = uniqueEmail("multi");
    await registerUser(urlA(), email);
  }, 60_000);

  afterAll(() => stopTwoInstances(instances), 30_000);

  it("refuses on B, within a second, an access token logged out through A", async () => {
    const session = await logIn(urlA(), email);
    const before = await postGraphQL<{ me: { id: string } }>(
      urlB(),
      ME_ID,
      {},
      { token: session.accessToken },
    );
    expect(before.status).toBe(200);
    expect(before.body.data?.me.id).toBe(session.userId);

    const loggedOut = await postGraphQL<{ logout: boolean }>(
      urlA(),
      LOGOUT,
      {},
      { token: session.accessToken },
    );
    const loggedOutAt = performance.now();
    expect(loggedOut.body).toEqual({ data: { logout: true } });

    const { delayMs, seen } = await pollUntil(
      loggedOutAt,
      () => postGraphQL(urlB(), ME_ID, {}, { token: session.accessToken }),
      refusedAsInvalidToken,
    );
    if (delayMs === undefined) throw new Error(`B never refused the token: ${summary(seen)}`);
    expect(delayMs).toBeLessThan(PROPAGATION_BOUND_MS);
    // Until then B served it normally: nothing but success or the refusal.
    for (const response of seen.slice(0, -1)) expect(response.body.errors).toBeUndefined();
    const refusal = seen.at(-1)!;
    expect(refusal.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');

    // A, where the logout happened, refuses it too.
    const onA = await postGraphQL(urlA(), ME_ID, {}, { token: session.accessToken });
    expect(refusedAsInvalidToken(onA)).toBe(true);
  });

  it("stops honouring on B, within a second, a role removed through A", async () => {
    const targetEmail = uniqueEmail("target");
    const adminEmail = uniqueEmail("admin");
    const added = await Promise.all(
      [
        [targetEmail, "ADMIN,EDITOR"],
        [adminEmail, "ADMIN"],
      ].map(([userEmail, roles]) =>
        run(
          process.execPath,
          [USER_ADD_JS, "--email", userEmail, "--password", DEFAULT_PASSWORD, "--roles", roles],
          { cwd: instances!.cwd, env: instances!.env },
        ),
      ),
    );
    for (const result of added) expect(result).toEqual({ code: 0, output: expect.any(String) });

    const target = await logIn(urlA(), targetEmail);
    expect(decodeToken(target.accessToken).payload.roles).toEqual(
      expect.arrayContaining(["ADMIN", "EDITOR"]),
    );
    const listed = await postGraphQL<{ users: Array<{ id: string }> }>(
      urlB(),
      USERS,
      {},
      { token: target.accessToken },
    );
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data?.users.map((user) => user.id)).toContain(target.userId);

    const admin = await logIn(urlA(), adminEmail);
    const demoted = await postGraphQL<{ setUserRoles: { id: string; roles: string[] } }>(
      urlA(),
      SET_USER_ROLES,
      { userId: target.userId, roles: ["USER"] },
      { token: admin.accessToken },
    );
    const demotedAt = performance.now();
    expect(demoted.body.errors).toBeUndefined();
    expect(demoted.body.data?.setUserRoles).toEqual({ id: target.userId, roles: ["USER"] });

    const { delayMs, seen } = await pollUntil(
      demotedAt,
      () => postGraphQL(urlB(), USERS, {}, { token: target.accessToken }),
      (response) => errorCode(response) === "FORBIDDEN",
    );
    if (delayMs === undefined) throw new Error(`B kept honouring ADMIN: ${summary(seen)}`);
    expect(delayMs).toBeLessThan(PROPAGATION_BOUND_MS);
    for (const response of seen.slice(0, -1)) expect(response.body.errors).toBeUndefined();
    expect(seen.at(-1)!.body.data ?? null).toBeNull();

    // The token itself is still good, for what the user may still do.
    const me = await postGraphQL<{ me: { id: string } }>(
      urlB(),
      ME_ID,
      {},
      { token: target.accessToken },
    );
    expect(me.status).toBe(200);
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data?.me.id).toBe(target.userId);
  });

  it("shows on B, within a second, the roles a change through A gave, though B keeps users in memory", async () => {
    const targetEmail = uniqueEmail("shown");
    const adminEmail = uniqueEmail("admin");
    for (const [userEmail, roles] of [
      [targetEmail, "USER"],
      [adminEmail, "ADMIN"],
    ]) {
      const added = await run(
        process.execPath,
        [USER_ADD_JS, "--email", userEmail, "--password", DEFAULT_PASSWORD, "--roles", roles],
        { cwd: instances!.cwd, env: instances!.env },
      );
      expect(added.code).toBe(0);
    }
    const target = await logIn(urlB(), targetEmail);
    const me = () =>
      postGraphQL<{ me: { roles: string[] } }>(
        urlB(),
        "{ me { roles } }",
        {},
        { token: target.accessToken },
      );
    // B has read the row now, and answers `me` from memory from here on.
    expect((await me()).body.data?.me.roles).toEqual(["USER"]);

    const admin = await logIn(urlA(), adminEmail);
    const promoted = await postGraphQL(
      urlA(),
      SET_USER_ROLES,
      { userId: target.userId, roles: ["USER", "EDITOR"] },
      { token: admin.accessToken },
    );
    const promotedAt = performance.now();
    expect(promoted.body.errors).toBeUndefined();

    const { delayMs, seen } = await pollUntil(promotedAt, me, (response) =>
      (response.body.data?.me.roles ?? []).includes("EDITOR"),
    );
    if (delayMs === undefined) throw new Error(`B kept showing the old roles: ${summary(seen)}`);
    expect(delayMs).toBeLessThan(PROPAGATION_BOUND_MS);
    expect(seen.at(-1)!.body.data?.me.roles).toEqual(["USER", "EDITOR"]);
  });

  it("refuses on B, within a second and a margin, a user deleted from the database by hand", async () => {
    const deletedEmail = uniqueEmail("deleted");
    await registerUser(urlA(), deletedEmail);
    const session = await logIn(urlA(), deletedEmail);
    const me = () => postGraphQL(urlB(), ME_ID, {}, { token: session.accessToken });
    // B reads the row now, for the first time, and answers from memory from here on.
    const before = await me();
    expect(before.status).toBe(200);
    expect(before.body.errors).toBeUndefined();

    const database = await openDataSource(instances!.database.url);
    let deletedAt: number;
    try {
      // Past the API: no mutation, nothing in the revocation log; its sessions go with it.
      await database.query(`DELETE FROM users WHERE id = ?`, [session.userId]);
      deletedAt = performance.now();
      expect(await database.getRepository(User).countBy({ id: session.userId })).toBe(0);
    } finally {
      await database.destroy();
    }

    const { delayMs, seen } = await pollUntil(deletedAt, me, refusedAsInvalidToken);
    if (delayMs === undefined) throw new Error(`B kept serving the user: ${summary(seen)}`);
    recordFigure(
      "multi-instance",
      `${kind.name}: user deleted by hand to refused on B`,
      Math.round(delayMs),
      "ms",
    );
    expect(delayMs).toBeLessThan(PROPAGATION_BOUND_MS + DELETION_MARGIN_MS);
    // Until then B served the user. A request whose authentication still found the copy while
    // `me`, a moment later, found it expired and the row gone is refused by the resolver instead
    // (200, UNAUTHENTICATED, no data): the one shape besides success the transition may show.
    for (const response of seen.slice(0, -1)) {
      if (response.body.errors === undefined) continue;
      expect(response.status).toBe(200);
      expect(errorCode(response)).toBe("UNAUTHENTICATED");
      expect(response.body.data ?? null).toBeNull();
    }
    expect(seen.at(-1)!.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("refuses on B, within a second, the other sessions of a user whose password changed through A", async () => {
    const changerEmail = uniqueEmail("changer");
    await registerUser(urlA(), changerEmail);
    const other = await logIn(urlB(), changerEmail);
    const current = await logIn(urlA(), changerEmail);
    const meOnB = (session: Session) =>
      postGraphQL(urlB(), ME_ID, {}, { token: session.accessToken });
    for (const session of [other, current]) expect((await meOnB(session)).status).toBe(200);

    const newPassword = "a new passphrase for both instances";
    const changed = await postGraphQL(
      urlA(),
      CHANGE_PASSWORD,
      { currentPassword: DEFAULT_PASSWORD, newPassword },
      { token: current.accessToken },
    );
    const changedAt = performance.now();
    expect(changed.body).toEqual({ data: { changePassword: true } });

    const { delayMs, seen } = await pollUntil(changedAt, () => meOnB(other), refusedAsInvalidToken);
    if (delayMs === undefined) throw new Error(`B kept the other session: ${summary(seen)}`);
    recordFigure(
      "multi-instance",
      `${kind.name}: password changed on A to other session refused on B`,
      Math.round(delayMs),
      "ms",
    );
    expect(delayMs).toBeLessThan(PROPAGATION_BOUND_MS);
    for (const response of seen.slice(0, -1)) expect(response.body.errors).toBeUndefined();
    // Its refresh token died with it, the session that changed the password lives on, and B
    // signs the user in with the new password only.
    expect(errorCode(await refresh(urlB(), other.refreshToken))).toBe("UNAUTHENTICATED");
    expect((await meOnB(current)).status).toBe(200);
    await expect(logIn(urlB(), changerEmail)).rejects.toThrow("login failed");
    expect((await logIn(urlB(), changerEmail, newPassword)).userId).toBe(current.userId);
  });

  it("revokes the whole session when B sees a used refresh token after the grace period", async () => {
    const session = await logIn(urlA(), email);
    const rotated = await refresh(urlA(), session.refreshToken);
    expect(rotated.body.errors).toBeUndefined();
    const r2 = rotated.body.data!.refresh.refreshToken;
    expect(r2).not.toBe(session.refreshToken);

    await sleep(PAST_GRACE_MS);
    const reused = await refresh(urlB(), session.refreshToken);
    const reusedAt = performance.now();
    expect(reused.status).toBeLessThan(500);
    expect(errorCode(reused)).toBe("UNAUTHENTICATED");
    expect(reused.body.data ?? null).toBeNull();

    // The successor died with the session, on either instance.
    const successor = await refresh(urlA(), r2);
    expect(errorCode(successor)).toBe("UNAUTHENTICATED");
    expect(successor.body.data ?? null).toBeNull();

    // And A, which did not see the reuse, refuses the session's access token within a second.
    const { delayMs, seen } = await pollUntil(
      reusedAt,
      () => postGraphQL(urlA(), ME_ID, {}, { token: session.accessToken }),
      refusedAsInvalidToken,
    );
    if (delayMs === undefined) throw new Error(`A never refused the token: ${summary(seen)}`);
    expect(delayMs).toBeLessThan(PROPAGATION_BOUND_MS);
  });

  it("gives 20 simultaneous refreshes of one token, across both instances, one successor", async () => {
    const session = await logIn(urlA(), email);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        refresh(index % 2 === 0 ? urlA() : urlB(), session.refreshToken),
      ),
    );

    for (const response of responses) {
      expect(response.status).toBeLessThan(500);
      // A failure, if any, is a refusal, never a server error reported with HTTP 200.
      if (response.body.errors) expect(errorCode(response)).toBe("UNAUTHENTICATED");
    }
    const successors = new Set(
      responses.flatMap((response) => response.body.data?.refresh.refreshToken ?? []),
    );
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect(successor).not.toBe(session.refreshToken);

    // Past the grace period the session is still alive, and its one live token is the successor.
    await sleep(PAST_GRACE_MS);
    const next = await refresh(urlB(), successor);
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data?.refresh.refreshToken).toEqual(expect.any(String));
    expect(next.body.data?.refresh.refreshToken).not.toBe(successor);
  });
});
