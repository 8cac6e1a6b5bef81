import { databaseKinds } from "../support/databases";
import { CapturedLog } from "../support/captured-log";
import {
  CHANGE_PASSWORD,
  LOGIN,
  LOGOUT,
  REFRESH,
  REGISTER,
  REVOKE_USER_SESSIONS,
  SET_USER_ROLES,
} from "../support/documents";
import { signedInWithRoles, uniqueEmail } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";
import { Role } from "../../src/core/role";

interface AuthData {
  accessToken: string;
  refreshToken: string;
  user: { id: string };
}

describe.each(databaseKinds())("audit log and request ids ($name)", (kind) => {
  let server: TestServer;
  let log: CapturedLog;

  beforeAll(async () => {
    log = new CapturedLog("trace");
    server = await startTestServer(kind, {
      logger: log.logger,
      // Reuse detection at once, so the replay below needs no waiting. Every success sampled,
      // so each request's line can be checked (by default 1% of them get one).
      env: { REFRESH_REUSE_GRACE: "0s", LOG_SAMPLE_RATE: "1" },
    });
  });
  afterAll(() => server.close());

  it("writes one audit line per authentication event, with the request id, and no secret anywhere in the log", async () => {
    const email = uniqueEmail("audited");
    const password = "first passphrase of ada";
    const newPassword = "second passphrase of ada";
    const issued: string[] = [];
    let sequence = 0;
    const requestIds: string[] = [];

    /** Each request carries its own X-Request-Id; the response must echo it. */
    async function call<T>(
      query: string,
      variables: Record<string, unknown>,
      token?: string,
    ): Promise<{ data: T | null | undefined; code: unknown; requestId: string }> {
      const requestId = `flow-${++sequence}`;
      requestIds.push(requestId);
      const response = await server.gql<T>(query, variables, {
        token,
        headers: { "x-request-id": requestId },
      });
      expect(response.headers.get("x-request-id")).toBe(requestId);
      for (const value of Object.values(response.body.data ?? {})) {
        const auth = value as Partial<AuthData> | null;
        if (auth && typeof auth === "object" && auth.accessToken && auth.refreshToken) {
          issued.push(auth.accessToken, auth.refreshToken);
        }
      }
      return { data: response.body.data, code: errorCode(response), requestId };
    }

    const registered = await call<{ register: AuthData }>(REGISTER, { input: { email, password } });
    const user = registered.data!.register;

    const badLogin = await call(LOGIN, { input: { email, password: "not the passphrase" } });
    expect(badLogin.code).toBe("UNAUTHENTICATED");
    const unknownLogin = await call(LOGIN, {
      input: { email: uniqueEmail("nobody"), password: "not the passphrase" },
    });
    expect(unknownLogin.code).toBe("UNAUTHENTICATED");

    const loggedIn = await call<{ login: AuthData }>(LOGIN, { input: { email, password } });
    const loginTokens = loggedIn.data!.login;

    const refreshed = await call<{ refresh: AuthData }>(REFRESH, {
      refreshToken: loginTokens.refreshToken,
    });
    expect(refreshed.data?.refresh.refreshToken).toBeDefined();

    const replayed = await call(REFRESH, { refreshToken: loginTokens.refreshToken });
    expect(replayed.code).toBe("UNAUTHENTICATED");

    const changed = await call<{ changePassword: boolean }>(
      CHANGE_PASSWORD,
      { currentPassword: password, newPassword },
      user.accessToken,
    );
    expect(changed.data?.changePassword).toBe(true);

    const admin = await signedInWithRoles(server, [Role.ADMIN]);
    issued.push(admin.accessToken, admin.refreshToken);
    const roles = await call(
      SET_USER_ROLES,
      { userId: user.user.id, roles: ["USER", "EDITOR"] },
      admin.accessToken,
    );
    expect(roles.code).toBeUndefined();

    const secondLogin = await call<{ login: AuthData }>(LOGIN, {
      input: { email, password: newPassword },
    });
    const revoked = await call<{ revokeUserSessions: number }>(
      REVOKE_USER_SESSIONS,
      { userId: user.user.id },
      admin.accessToken,
    );
    expect(revoked.data?.revokeUserSessions).toBe(2);

    const thirdLogin = await call<{ login: AuthData }>(LOGIN, {
      input: { email, password: newPassword },
    });
    const logout = await call(LOGOUT, { everywhere: true }, thirdLogin.data!.login.accessToken);
    expect(logout.data).toEqual({ logout: true });

    const audit = log.auditLines();
    const line = (requestId: string) => audit.filter((entry) => entry.requestId === requestId);
    const userId = user.user.id;

    expect(line(registered.requestId)).toEqual([
      expect.objectContaining({
        event: "register.succeeded",
        userId,
        sessionId: expect.any(String),
      }),
    ]);
    const failures = [...line(badLogin.requestId), ...line(unknownLogin.requestId)];
    expect(failures).toEqual([
      expect.objectContaining({ event: "login.failed", reason: "invalid-credentials" }),
      expect.objectContaining({ event: "login.failed", reason: "invalid-credentials" }),
    ]);
    expect(failures[0].emailFingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(failures[0].emailFingerprint).not.toBe(failures[1].emailFingerprint);
    expect(failures[0]).not.toHaveProperty("userId");
    expect(line(loggedIn.requestId)).toEqual([
      expect.objectContaining({ event: "login.succeeded", userId }),
    ]);
    const loginSession = line(loggedIn.requestId)[0].sessionId;
    expect(line(refreshed.requestId)).toEqual([
      expect.objectContaining({ event: "refresh.succeeded", userId, sessionId: loginSession }),
    ]);
    expect(line(replayed.requestId)).toEqual([
      expect.objectContaining({
        event: "refresh.reuse_detected",
        userId,
        sessionId: loginSession,
        level: 40,
      }),
    ]);
    expect(line(changed.requestId)).toEqual([
      // The login session was already revoked by the reuse detection: none other was left.
      expect.objectContaining({ event: "password.changed", userId, count: 0 }),
    ]);
    expect(line(roles.requestId)).toEqual([
      expect.objectContaining({
        event: "roles.changed",
        actorId: admin.id,
        userId,
        oldRoles: ["USER"],
        newRoles: ["USER", "EDITOR"],
      }),
    ]);
    expect(line(secondLogin.requestId)).toEqual([
      expect.objectContaining({ event: "login.succeeded", userId }),
    ]);
    expect(line(revoked.requestId)).toEqual([
      expect.objectContaining({
        event: "sessions.revoked_by_admin",
        actorId: admin.id,
        userId,
        count: 2,
      }),
    ]);
    expect(line(logout.requestId)).toEqual([
      expect.objectContaining({ event: "logout.everywhere", userId, count: 1 }),
    ]);
    for (const entry of audit) expect(entry.msg).toBe(entry.event);

    // Every request was logged once, lean: its id, method, path, status and duration.
    const completed = log.lines().filter((entry) => entry.msg === "request completed");
    for (const requestId of requestIds) {
      expect(completed.filter((entry) => entry.requestId === requestId)).toEqual([
        {
          level: 30,
          time: expect.any(Number),
          requestId,
          req: { method: "POST", url: "/graphql" },
          res: { statusCode: 200 },
          responseTime: expect.any(Number),
          msg: "request completed",
        },
      ]);
    }

    const text = log.text();
    const secrets = [
      password,
      newPassword,
      admin.password,
      email,
      admin.email,
      server.secret,
      "$argon2",
      ...issued,
      secondLogin.data!.login.accessToken,
      secondLogin.data!.login.refreshToken,
    ];
    expect(issued.length).toBeGreaterThanOrEqual(8);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization|cookie|bearer/i);
  });

  it("keeps a safe incoming X-Request-Id and replaces any other with a UUID", async () => {
    const kept = await fetch(`${server.url}/healthz`, {
      headers: { "x-request-id": "lb-01:7f3a.9_c-2" },
    });
    expect(kept.headers.get("x-request-id")).toBe("lb-01:7f3a.9_c-2");
    for (const unsafe of ["a".repeat(65), "two words", "x\u00e9", '{"level":60}']) {
      const replaced = await fetch(`${server.url}/healthz`, {
        headers: { "x-request-id": unsafe },
      });
      expect(replaced.headers.get("x-request-id")).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
    const none = await fetch(`${server.url}/nope`);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs GET requests without their query string", async () => {
    const response = await fetch(
      `${server.url}/graphql?query=${encodeURIComponent("{ __typename }")}&variables=%7B%22password%22%3A%22hunter2-hunter2%22%7D`,
      { headers: { "apollo-require-preflight": "true", "x-request-id": "get-with-query" } },
    );
    expect(response.status).toBe(200);
    const entry = log.lines().find((line) => line.requestId === "get-with-query");
    expect(entry).toMatchObject({ req: { method: "GET", url: "/graphql" } });
    expect(log.text()).not.toContain("hunter2");
  });
});
