import { createHash } from "node:crypto";
import { Argon2PasswordHasher } from "../../src/users/password-hasher";
import { Session } from "../../src/auth/session.entity";
import { databaseKinds } from "../support/databases";
import { LOGIN, ME, REGISTER } from "../support/documents";
import { DEFAULT_PASSWORD, login, registerUser, uniqueEmail } from "../support/factories";
import { decodeToken } from "../support/forge";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";

interface AuthData {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  refreshExpiresIn: number;
  user: {
    id: string;
    email: string;
    displayName: string | null;
    roles: string[];
    createdAt: string;
  };
}

describe.each(databaseKinds())("register and login ($name)", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  it("registers a USER, signs them in and serves me with the access token", async () => {
    const email = uniqueEmail("Mixed.Case");
    const response = await server.gql<{ register: AuthData }>(REGISTER, {
      input: {
        email: `  ${email.toUpperCase()} `,
        password: DEFAULT_PASSWORD,
        displayName: " Ada ",
      },
    });
    const payload = response.body.data?.register;
    expect(response.body.errors).toBeUndefined();
    expect(payload).toMatchObject({
      tokenType: "Bearer",
      expiresIn: 900,
      refreshExpiresIn: 7 * 24 * 3600,
      user: { email: email.toLowerCase(), displayName: "Ada", roles: ["USER"] },
    });
    expect(new Date(payload!.user.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const me = await server.gql<{ me: { id: string; email: string } }>(
      ME,
      {},
      { token: payload!.accessToken },
    );
    expect(me.body.data?.me).toMatchObject({ id: payload!.user.id, email: email.toLowerCase() });
  });

  it("opens a session per sign-in, named by the sid claim, storing only a hash of the refresh token", async () => {
    const user = await registerUser(server);
    const second = await login(server, user.email, user.password);
    const sessions = await server.app.dataSource.getRepository(Session).findBy({ userId: user.id });
    expect(sessions).toHaveLength(2);

    for (const signedIn of [user, second]) {
      // <session id>.<256 random bits>.<HMAC-SHA256>, base64url.
      const sid = decodeToken(signedIn.accessToken).payload.sid as string;
      expect(signedIn.refreshToken).toMatch(
        new RegExp(`^${sid}\\.[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}$`),
      );
      const session = sessions.find((row) => row.id === sid);
      expect(session?.refreshTokenHash).toBe(
        createHash("sha256").update(signedIn.refreshToken).digest("hex"),
      );
      const stored = JSON.stringify(session);
      expect(stored).not.toContain(signedIn.refreshToken);
      expect(session?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
    }
    expect(decodeToken(user.accessToken).payload.jti).not.toBe(
      decodeToken(second.accessToken).payload.jti,
    );
  });

  it("records the client's user agent on the session", async () => {
    const email = uniqueEmail();
    const response = await server.gql<{ register: AuthData }>(
      REGISTER,
      { input: { email, password: DEFAULT_PASSWORD } },
      { headers: { "user-agent": "TestBrowser/1.0" } },
    );
    const sid = decodeToken(response.body.data!.register.accessToken).payload.sid as string;
    const session = await server.app.dataSource.getRepository(Session).findOneByOrFail({ id: sid });
    expect(session.userAgent).toBe("TestBrowser/1.0");
  });

  it("never stores the password, only an argon2id hash", async () => {
    const user = await registerUser(server);
    const stored = await server.app.services.users.findById(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored?.passwordHash).not.toContain(user.password);
  });

  it("gives a wrong password and an unknown email the same answer", async () => {
    const user = await registerUser(server);
    const wrongPassword = await server.gql(LOGIN, {
      input: { email: user.email, password: "not the password" },
    });
    const unknownEmail = await server.gql(LOGIN, {
      input: { email: uniqueEmail(), password: "not the password" },
    });
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(200);
      expect(response.body.data).toBeNull();
      expect(response.body.errors).toEqual([
        expect.objectContaining({
          message: "Invalid email or password.",
          extensions: { code: "UNAUTHENTICATED" },
        }),
      ]);
    }
  });

  it("verifies a password hash even for an unknown email, so timing does not reveal accounts", async () => {
    const hasher = new Argon2PasswordHasher();
    const verify = jest.spyOn(hasher, "verify");
    const spied = await startTestServer(kind, { hasher });
    try {
      verify.mockClear(); // start-up warms the dummy hash with a verification of its own
      const response = await spied.gql(LOGIN, {
        input: { email: uniqueEmail(), password: "guess number one" },
      });
      expect(errorCode(response)).toBe("UNAUTHENTICATED");
      expect(verify).toHaveBeenCalledTimes(1);
      expect(verify).toHaveBeenCalledWith(null, "guess number one");
      await expect(verify.mock.results[0].value).resolves.toBe(false);
    } finally {
      await spied.close();
    }
  });

  it("accepts the email in any case and with surrounding spaces at login", async () => {
    const user = await registerUser(server);
    const again = await login(server, `  ${user.email.toUpperCase()}  `, user.password);
    expect(again.id).toBe(user.id);
  });

  it("refuses a second account for the same email, whatever its case", async () => {
    const user = await registerUser(server);
    const response = await server.gql(REGISTER, {
      input: { email: user.email.toUpperCase(), password: DEFAULT_PASSWORD },
    });
    expect(errorCode(response)).toBe("BAD_USER_INPUT");
    expect(response.body.errors?.[0].message).not.toMatch(/exist|taken|already/i);
  });

  it.each([
    ["a malformed email", { email: "not-an-email" }, "email"],
    ["an email without a domain", { email: "someone@localhost" }, "email"],
    ["an overlong email", { email: `${"a".repeat(250)}@example.com` }, "email"],
    ["a short password", { password: "short1!" }, "password"],
    ["a common password", { password: "Password123" }, "password"],
    ["a password of one repeated character", { password: "aaaaaaaaaaaa" }, "password"],
    ["an overlong password", { password: "x1y2".repeat(40) }, "password"],
    ["an overlong display name", { displayName: "n".repeat(101) }, "displayName"],
  ])(
    "refuses %s with BAD_USER_INPUT and never echoes the password",
    async (_name, change, field) => {
      const input = { email: uniqueEmail(), password: "a perfectly fine passphrase", ...change };
      const response = await server.gql(REGISTER, { input });
      expect(response.status).toBe(200);
      expect(response.body.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field });
      expect(JSON.stringify(response.body)).not.toContain(input.password);
    },
  );

  it("does not echo a password in the error for a variable of the wrong shape", async () => {
    const password = "my secret passphrase 42";
    const response = await server.gql(LOGIN, {
      input: { email: "a@example.com", password, extra: true },
    });
    expect(errorCode(response)).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(response.body)).not.toContain(password);
    expect(response.body.errors?.[0].message).toContain(
      'Field "extra" is not defined by type "LoginInput"',
    );
  });

  it("lets no client choose its own roles at registration", async () => {
    const response = await server.gql(
      `mutation { register(input: { email: "${uniqueEmail()}", password: "${DEFAULT_PASSWORD}", roles: [ADMIN] }) { user { roles } } }`,
    );
    expect(errorCode(response)).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});
