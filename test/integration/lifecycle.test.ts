import { Revocation } from "../../src/revocation/revocation.entity";
import { Session } from "../../src/auth/session.entity";
import { hashRefreshToken } from "../../src/auth/refresh-token";
import { Role } from "../../src/core/role";
import { databaseKinds } from "../support/databases";
import {
  CHANGE_PASSWORD,
  LOGOUT,
  ME,
  REFRESH,
  REVOKE_SESSION,
  REVOKE_USER_SESSIONS,
  SESSIONS,
  SET_USER_ROLES,
} from "../support/documents";
import {
  login,
  registerUser,
  signedInWithRoles,
  testOrigin,
  type SignedInUser,
} from "../support/factories";
import { decodeToken } from "../support/forge";
import { ShiftedClock } from "../support/shifted-clock";
import {
  errorCode,
  type GraphQLResponse,
  startTestServer,
  type TestServer,
} from "../support/test-server";

interface Refreshed {
  refresh: {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    refreshExpiresIn: number;
    user: { roles: string[] };
  };
}

const SOME_UUID = "00000000-0000-4000-8000-000000000000";
const sidOf = (accessToken: string) => decodeToken(accessToken).payload.sid as string;

describe.each(databaseKinds())("token lifecycle ($name)", (kind) => {
  let server: TestServer;
  const clock = new ShiftedClock();

  beforeAll(async () => {
    server = await startTestServer(kind, { clock });
  });
  afterAll(() => server.close());

  const refresh = (refreshToken?: string, headers?: Record<string, string>) =>
    server.gql<Refreshed>(REFRESH, refreshToken === undefined ? {} : { refreshToken }, { headers });
  const me = (token: string) => server.gql<{ me: { id: string } }>(ME, {}, { token });
  const sessionRow = (id: string) =>
    server.app.dataSource.getRepository(Session).findOneByOrFail({ id });

  function expectRefused(response: GraphQLResponse<unknown>) {
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
  }

  describe("refresh", () => {
    it("rotates: a new access token for the same session, a new refresh token, roles read afresh", async () => {
      const user = await registerUser(server);
      await server.app.services.users.upsert(
        {
          email: user.email,
          password: user.password,
          roles: [Role.USER, Role.EDITOR],
        },
        testOrigin(),
      );
      const response = await refresh(user.refreshToken);
      const payload = response.body.data!.refresh;
      expect(payload.refreshToken).not.toBe(user.refreshToken);
      expect(payload.expiresIn).toBe(900);
      expect(payload.user.roles).toEqual(["USER", "EDITOR"]);
      const before = decodeToken(user.accessToken).payload;
      const after = decodeToken(payload.accessToken).payload;
      expect(after.sid).toBe(before.sid);
      expect(after.jti).not.toBe(before.jti);
      expect(after.roles).toEqual(["USER", "EDITOR"]);
      expect((await me(payload.accessToken)).body.data?.me.id).toBe(user.id);
      const row = await sessionRow(before.sid as string);
      expect(row.refreshTokenHash).toBe(hashRefreshToken(payload.refreshToken));
    });

    it("returns the same successor to a repeat within the grace period, and revokes the session after it", async () => {
      const user = await registerUser(server);
      const first = (await refresh(user.refreshToken)).body.data!.refresh;
      const repeat = (await refresh(user.refreshToken)).body.data!.refresh;
      expect(repeat.refreshToken).toBe(first.refreshToken);
      expect(repeat.accessToken).not.toBe(first.accessToken);

      clock.advanceSeconds(11);
      const late = await refresh(user.refreshToken);
      expect(errorCode(late)).toBe("UNAUTHENTICATED");
      expect(late.status).toBe(200);
      expect(errorCode(await refresh(first.refreshToken))).toBe("UNAUTHENTICATED");
      expectRefused(await me(first.accessToken));
      expect((await sessionRow(sidOf(user.accessToken))).revokedReason).toBe("reuse-detected");
    });

    it("treats a token two rotations old as reuse, even within the grace period", async () => {
      const user = await registerUser(server);
      const second = (await refresh(user.refreshToken)).body.data!.refresh;
      const third = (await refresh(second.refreshToken)).body.data!.refresh;
      expect(errorCode(await refresh(user.refreshToken))).toBe("UNAUTHENTICATED");
      expect(errorCode(await refresh(third.refreshToken))).toBe("UNAUTHENTICATED");
    });

    it("gives 20 simultaneous refreshes with one token one successor, and no 5xx", async () => {
      const user = await registerUser(server);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => refresh(user.refreshToken)),
      );
      expect(responses.filter((response) => response.status >= 500)).toEqual([]);
      const successors = new Set(
        responses.map((response) => response.body.data?.refresh.refreshToken),
      );
      expect(successors.size).toBe(1);
      const [successor] = [...successors];
      expect(successor).toBeDefined();
      expect((await sessionRow(sidOf(user.accessToken))).refreshTokenHash).toBe(
        hashRefreshToken(successor!),
      );
      expect(errorCode(await refresh(successor))).toBeUndefined();
    });

    it("refuses a forged token without revoking the session it names", async () => {
      const user = await registerUser(server);
      const [sid, nonce] = user.refreshToken.split(".");
      const forged = `${sid}.${nonce}.${"A".repeat(43)}`;
      for (const token of [forged, "not-a-token", `${SOME_UUID}.${nonce}.${"A".repeat(43)}`, ""]) {
        expect(errorCode(await refresh(token))).toBe("UNAUTHENTICATED");
      }
      expect((await sessionRow(sid)).revokedAt).toBeNull();
      expect(errorCode(await refresh(user.refreshToken))).toBeUndefined();
    });

    it("says nothing about why a refresh token was refused", async () => {
      const user = await registerUser(server);
      await server.gql(LOGOUT, {}, { token: user.accessToken });
      const messages = await Promise.all([refresh(user.refreshToken), refresh("garbage")]);
      expect(new Set(messages.map((response) => response.body.errors?.[0].message)).size).toBe(1);
    });
  });

  describe("refresh cookie", () => {
    const cookieOf = (response: GraphQLResponse<unknown>) =>
      response.headers.get("set-cookie") ?? "";

    it("is set by login and refresh as HttpOnly, SameSite=Strict and scoped to /graphql, and read by refresh", async () => {
      const user = await registerUser(server);
      const signedIn = await server.gql(
        `mutation($input: LoginInput!) { login(input: $input) { refreshToken refreshExpiresIn } }`,
        { input: { email: user.email, password: user.password } },
      );
      const cookie = cookieOf(signedIn);
      const token = (signedIn.body.data as { login: { refreshToken: string } }).login.refreshToken;
      expect(cookie).toContain(`refresh_token=${token}`);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).toMatch(/Path=\/graphql/);
      expect(cookie).toMatch(/Max-Age=604\d{3}/);
      expect(cookie).not.toMatch(/Secure/); // only in production

      const viaCookie = await refresh(undefined, { cookie: `refresh_token=${token}` });
      const next = viaCookie.body.data!.refresh.refreshToken;
      expect(next).not.toBe(token);
      expect(cookieOf(viaCookie)).toContain(`refresh_token=${next}`);
    });

    it("is cleared by logout, after which it refreshes nothing", async () => {
      const user = await registerUser(server);
      const out = await server.gql(
        LOGOUT,
        {},
        { headers: { cookie: `refresh_token=${user.refreshToken}` } },
      );
      expect(out.body.data).toEqual({ logout: true });
      expect(cookieOf(out)).toMatch(/refresh_token=;.*Max-Age=0/);
      expect(
        errorCode(await refresh(undefined, { cookie: `refresh_token=${user.refreshToken}` })),
      ).toBe("UNAUTHENTICATED");
    });

    it("is never acted on by a request a browser could send cross-site without a preflight", async () => {
      const user = await registerUser(server);
      for (const contentType of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
      ]) {
        const response = await fetch(`${server.url}/graphql`, {
          method: "POST",
          headers: { "content-type": contentType, cookie: `refresh_token=${user.refreshToken}` },
          body: JSON.stringify({ query: "mutation { logout }" }),
        });
        expect(response.status).toBe(400);
      }
      const simpleGet = await fetch(
        `${server.url}/graphql?query=${encodeURIComponent("mutation { logout }")}`,
        {
          headers: { cookie: `refresh_token=${user.refreshToken}` },
        },
      );
      expect(simpleGet.status).toBe(400);
      expect((await sessionRow(sidOf(user.accessToken))).revokedAt).toBeNull();
    });
  });

  describe("logout", () => {
    it("ends the bearer token's session: its access token at once, its refresh token too", async () => {
      const user = await registerUser(server);
      const other = await login(server, user.email, user.password);
      expect((await server.gql(LOGOUT, {}, { token: user.accessToken })).body.data).toEqual({
        logout: true,
      });
      expectRefused(await me(user.accessToken));
      expect(errorCode(await refresh(user.refreshToken))).toBe("UNAUTHENTICATED");
      expect((await me(other.accessToken)).status).toBe(200);
    });

    it("works with the refresh token alone, for a client whose access token expired", async () => {
      const user = await registerUser(server);
      expect((await server.gql(LOGOUT, { refreshToken: user.refreshToken })).body.data).toEqual({
        logout: true,
      });
      expectRefused(await me(user.accessToken));
    });

    it("refuses a caller with neither a bearer token nor a valid refresh token", async () => {
      expect(errorCode(await server.gql(LOGOUT))).toBe("UNAUTHENTICATED");
      expect(errorCode(await server.gql(LOGOUT, { refreshToken: "nope" }))).toBe("UNAUTHENTICATED");
    });

    it("does not end another user's session named by a refresh token", async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const response = await server.gql(
        LOGOUT,
        { refreshToken: bob.refreshToken },
        { token: alice.accessToken },
      );
      expect(errorCode(response)).toBe("FORBIDDEN");
      expect((await me(bob.accessToken)).status).toBe(200);
    });

    it("everywhere: ends every session of the user", async () => {
      const user = await registerUser(server);
      const second = await login(server, user.email, user.password);
      await server.gql(LOGOUT, { everywhere: true }, { token: user.accessToken });
      expectRefused(await me(user.accessToken));
      expectRefused(await me(second.accessToken));
      expect(errorCode(await refresh(second.refreshToken))).toBe("UNAUTHENTICATED");
      const fresh = await login(server, user.email, user.password);
      expect((await me(fresh.accessToken)).status).toBe(200);
    });
  });

  describe("sessions", () => {
    it("lists the caller's live sessions, marking the current one", async () => {
      const user = await registerUser(server);
      const phone = await server.gql(
        `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`,
        { input: { email: user.email, password: user.password } },
        { headers: { "user-agent": "Phone/2.0" } },
      );
      const phoneToken = (phone.body.data as { login: { accessToken: string } }).login.accessToken;
      const ended = await login(server, user.email, user.password);
      await server.gql(LOGOUT, {}, { token: ended.accessToken });

      const listed = await server.gql<{
        sessions: Array<{ id: string; current: boolean; userAgent: string | null }>;
      }>(SESSIONS, {}, { token: phoneToken });
      const sessions = listed.body.data!.sessions;
      expect(sessions.map((session) => session.id).sort()).toEqual(
        [sidOf(user.accessToken), sidOf(phoneToken)].sort(),
      );
      expect(sessions.find((session) => session.current)).toMatchObject({
        id: sidOf(phoneToken),
        userAgent: "Phone/2.0",
      });
      expect(sessions.filter((session) => session.current)).toHaveLength(1);
    });

    it("revokeSession ends one of the caller's own sessions, and no one else's", async () => {
      const user = await registerUser(server);
      const laptop = await login(server, user.email, user.password);
      const stranger = await registerUser(server);
      const own = await server.gql(
        REVOKE_SESSION,
        { id: sidOf(laptop.accessToken) },
        { token: user.accessToken },
      );
      expect(own.body.data).toEqual({ revokeSession: true });
      expectRefused(await me(laptop.accessToken));
      expect((await me(user.accessToken)).status).toBe(200);

      const foreign = await server.gql(
        REVOKE_SESSION,
        { id: sidOf(user.accessToken) },
        { token: stranger.accessToken },
      );
      expect(errorCode(foreign)).toBe("FORBIDDEN");
      expect((await me(user.accessToken)).status).toBe(200);
      expect(
        errorCode(await server.gql(REVOKE_SESSION, { id: SOME_UUID }, { token: user.accessToken })),
      ).toBe("NOT_FOUND");
      expect(
        errorCode(await server.gql(REVOKE_SESSION, { id: "x" }, { token: user.accessToken })),
      ).toBe("BAD_USER_INPUT");
    });
  });

  describe("changePassword", () => {
    it("changes the password and ends every other session, keeping this one", async () => {
      const user = await registerUser(server);
      const other = await login(server, user.email, user.password);
      const newPassword = "an entirely new passphrase";
      const changed = await server.gql(
        CHANGE_PASSWORD,
        { currentPassword: user.password, newPassword },
        { token: user.accessToken },
      );
      expect(changed.body.data).toEqual({ changePassword: true });
      expectRefused(await me(other.accessToken));
      expect(errorCode(await refresh(other.refreshToken))).toBe("UNAUTHENTICATED");
      expect((await me(user.accessToken)).status).toBe(200);
      await expect(login(server, user.email, user.password)).rejects.toThrow();
      expect((await login(server, user.email, newPassword)).id).toBe(user.id);
    });

    it("refuses a wrong current password or a weak new one, changing nothing", async () => {
      const user = await registerUser(server);
      const other = await login(server, user.email, user.password);
      const wrong = await server.gql(
        CHANGE_PASSWORD,
        { currentPassword: "not my password", newPassword: "another fine passphrase" },
        { token: user.accessToken },
      );
      expect(wrong.body.errors?.[0].extensions).toEqual({
        code: "BAD_USER_INPUT",
        field: "currentPassword",
      });
      const weak = await server.gql(
        CHANGE_PASSWORD,
        { currentPassword: user.password, newPassword: "short" },
        { token: user.accessToken },
      );
      expect(weak.body.errors?.[0].extensions).toEqual({
        code: "BAD_USER_INPUT",
        field: "newPassword",
      });
      expect((await me(other.accessToken)).status).toBe(200);
      expect((await login(server, user.email, user.password)).id).toBe(user.id);
    });
  });

  describe("administration", () => {
    let admin: SignedInUser;
    beforeAll(async () => {
      admin = await signedInWithRoles(server, [Role.ADMIN]);
    });

    it("revokeUserSessions ends all of a user's sessions and says how many", async () => {
      const user = await registerUser(server);
      const second = await login(server, user.email, user.password);
      const response = await server.gql<{ revokeUserSessions: number }>(
        REVOKE_USER_SESSIONS,
        { userId: user.id },
        { token: admin.accessToken },
      );
      expect(response.body.data?.revokeUserSessions).toBe(2);
      expectRefused(await me(user.accessToken));
      expectRefused(await me(second.accessToken));
      expect(
        errorCode(
          await server.gql(REVOKE_USER_SESSIONS, { userId: admin.id }, { token: user.accessToken }),
        ),
      ).toBe("UNAUTHENTICATED");
      const stranger = await registerUser(server);
      expect(
        errorCode(
          await server.gql(
            REVOKE_USER_SESSIONS,
            { userId: admin.id },
            { token: stranger.accessToken },
          ),
        ),
      ).toBe("FORBIDDEN");
    });

    it("setUserRoles stops a removed role at once, on tokens issued before the change", async () => {
      const editor = await signedInWithRoles(server, [Role.USER, Role.EDITOR]);
      expect(
        errorCode(await server.gql("{ allTasks { id } }", {}, { token: editor.accessToken })),
      ).toBeUndefined();
      await server.gql(
        SET_USER_ROLES,
        { userId: editor.id, roles: ["USER"] },
        { token: admin.accessToken },
      );
      expect(
        errorCode(await server.gql("{ allTasks { id } }", {}, { token: editor.accessToken })),
      ).toBe("FORBIDDEN");
      expect((await me(editor.accessToken)).status).toBe(200);
      // Adding a role back does not widen old tokens; the next refresh carries it.
      await server.gql(
        SET_USER_ROLES,
        { userId: editor.id, roles: ["USER", "EDITOR"] },
        { token: admin.accessToken },
      );
      expect(
        errorCode(await server.gql("{ allTasks { id } }", {}, { token: editor.accessToken })),
      ).toBeUndefined();
    });
  });
});

describe.each(databaseKinds())("purging ($name)", (kind) => {
  let server: TestServer;
  const clock = new ShiftedClock();

  beforeAll(async () => {
    server = await startTestServer(kind, {
      clock,
      env: { REFRESH_TOKEN_TTL: "100s", SESSION_MAX_LIFETIME: "100s" },
    });
  });
  afterAll(() => server.close());

  it("deletes sessions a day past expiry and revocation rows whose tokens have expired, nothing newer", async () => {
    const old = await registerUser(server);
    await server.gql(LOGOUT, {}, { token: old.accessToken });
    const revocations = server.app.dataSource.getRepository(Revocation);
    const sessions = server.app.dataSource.getRepository(Session);
    expect(await revocations.countBy({ subject: sidOf(old.accessToken) })).toBe(1);

    clock.advanceSeconds(24 * 3600 + 200);
    const fresh = await registerUser(server);
    await server.gql(LOGOUT, {}, { token: fresh.accessToken });
    await server.app.purge();

    expect(await sessions.findOneBy({ id: sidOf(old.accessToken) })).toBeNull();
    expect(await revocations.countBy({ subject: sidOf(old.accessToken) })).toBe(0);
    expect(await sessions.findOneBy({ id: sidOf(fresh.accessToken) })).not.toBeNull();
    expect(await revocations.countBy({ subject: sidOf(fresh.accessToken) })).toBe(1);
  });
});

describe.each(databaseKinds())("lifetimes ($name)", (kind) => {
  let server: TestServer;
  const clock = new ShiftedClock();

  beforeAll(async () => {
    server = await startTestServer(kind, {
      clock,
      env: { REFRESH_REUSE_GRACE: "0s", REFRESH_TOKEN_TTL: "100s", SESSION_MAX_LIFETIME: "150s" },
    });
  });
  afterAll(() => server.close());

  const refresh = (refreshToken: string) => server.gql<Refreshed>(REFRESH, { refreshToken });

  it("with no grace, revokes the session on the first repeat", async () => {
    const user = await registerUser(server);
    const next = (await refresh(user.refreshToken)).body.data!.refresh;
    expect(errorCode(await refresh(user.refreshToken))).toBe("UNAUTHENTICATED");
    expect(errorCode(await refresh(next.refreshToken))).toBe("UNAUTHENTICATED");
  });

  it("lets a refresh token expire unused", async () => {
    const user = await registerUser(server);
    clock.advanceSeconds(101);
    expect(errorCode(await refresh(user.refreshToken))).toBe("UNAUTHENTICATED");
  });

  it("ends a session at its maximum lifetime however often it is refreshed", async () => {
    const user = await registerUser(server);
    let token = user.refreshToken;
    clock.advanceSeconds(60);
    token = (await refresh(token)).body.data!.refresh.refreshToken;
    clock.advanceSeconds(60);
    const late = (await refresh(token)).body.data!.refresh;
    expect(late.refreshExpiresIn).toBeLessThanOrEqual(30);
    clock.advanceSeconds(31);
    expect(errorCode(await refresh(late.refreshToken))).toBe("UNAUTHENTICATED");
  });
});
