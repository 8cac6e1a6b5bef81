import { ME } from "../support/documents";
import { databaseKinds } from "../support/databases";
import { registerUser, type SignedInUser } from "../support/factories";
import { decodeToken, signHmac, tamper, unsigned } from "../support/forge";
import { startTestServer, type TestServer } from "../support/test-server";

const now = () => Math.floor(Date.now() / 1000);

describe.each(databaseKinds())("access token verification ($name)", (kind) => {
  let server: TestServer;
  let user: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    user = await registerUser(server);
  });
  afterAll(() => server.close());

  async function expectRefused(token: string, reason?: string) {
    const response = await server.gql(ME, {}, { token });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors?.[0].extensions).toEqual({
      code: "UNAUTHENTICATED",
      ...(reason ? { reason } : {}),
    });
  }

  it("accepts the genuine token, and a re-signed copy of it (the forging itself is sound)", async () => {
    const genuine = await server.gql<{ me: { id: string } }>(ME, {}, { token: user.accessToken });
    expect(genuine.body.data?.me.id).toBe(user.id);
    const copy = tamper(user.accessToken, server.secret, {});
    const response = await server.gql<{ me: { id: string } }>(ME, {}, { token: copy });
    expect(response.status).toBe(200);
    expect(response.body.data?.me.id).toBe(user.id);
  });

  it("issues the header and claims of RFC 9068", () => {
    const { header, payload } = decodeToken(user.accessToken);
    expect(header).toEqual({ alg: "HS256", typ: "at+jwt", kid: expect.any(String) });
    expect(payload).toEqual({
      iss: "graphql-jwt-api",
      aud: "graphql-jwt-api",
      sub: user.id,
      iat: expect.any(Number),
      exp: (payload.iat as number) + 15 * 60,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      roles: ["USER"],
    });
  });

  describe("refuses a token that fails one check", () => {
    const cases: Array<
      [string, { header?: Record<string, unknown>; payload?: Record<string, unknown> }]
    > = [
      ["an unknown kid", { header: { kid: "someone-else" } }],
      ["no kid", { header: { kid: undefined } }],
      ["a kid that tries path traversal", { header: { kid: "../../../../dev/null" } }],
      ["an alg other than the key's (HS512 under the same secret)", { header: { alg: "HS512" } }],
      ["no typ", { header: { typ: undefined } }],
      ["typ JWT instead of at+jwt", { header: { typ: "JWT" } }],
      ["a crit header", { header: { crit: ["exp"] } }],
      ["another issuer", { payload: { iss: "https://evil.example" } }],
      ["no issuer", { payload: { iss: undefined } }],
      ["another audience", { payload: { aud: "another-api" } }],
      ["no audience", { payload: { aud: undefined } }],
      ["no exp", { payload: { exp: undefined } }],
      ["an exp that is not a number", { payload: { exp: "9999999999" } }],
      ["an nbf in the future", { payload: { nbf: now() + 3600 } }],
      ["an iat in the future", { payload: { iat: now() + 3600 } }],
      ["no jti", { payload: { jti: undefined } }],
      ["no sid", { payload: { sid: undefined } }],
      ["no sub", { payload: { sub: undefined } }],
      ["a role that does not exist", { payload: { roles: ["USER", "ROOT"] } }],
      ["roles that are not a list", { payload: { roles: "ADMIN" } }],
    ];

    it.each(cases)("%s", async (_name, changes) => {
      await expectRefused(tamper(user.accessToken, server.secret, changes));
    });
  });

  it("honours nbf once it has passed", async () => {
    const token = tamper(user.accessToken, server.secret, { payload: { nbf: now() - 10 } });
    expect((await server.gql(ME, {}, { token })).status).toBe(200);
  });

  it("says TOKEN_EXPIRED for an expired token", async () => {
    const token = tamper(user.accessToken, server.secret, {
      payload: { iat: now() - 3600, exp: now() - 60 },
    });
    await expectRefused(token, "TOKEN_EXPIRED");
  });

  it("allows a small clock skew on exp", async () => {
    const token = tamper(user.accessToken, server.secret, { payload: { exp: now() - 1 } });
    expect((await server.gql(ME, {}, { token })).status).toBe(200);
  });

  it("does not say TOKEN_EXPIRED for an expired token with a bad signature", async () => {
    const token = tamper(user.accessToken, "x".repeat(40), { payload: { exp: now() - 60 } });
    await expectRefused(token);
  });

  it("refuses a token signed with another secret", async () => {
    await expectRefused(tamper(user.accessToken, "another secret of enough length!!", {}));
  });

  it("refuses a token whose signature is stripped or altered", async () => {
    const [header, payload, signature] = user.accessToken.split(".");
    await expectRefused(`${header}.${payload}.`);
    await expectRefused(`${header}.${payload}`);
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await expectRefused(`${header}.${payload}.${flipped}`);
  });

  it("refuses a token with changed claims under the original signature", async () => {
    const { header, payload } = decodeToken(user.accessToken);
    const signature = user.accessToken.split(".")[2];
    await expectRefused(unsigned(header, { ...payload, roles: ["ADMIN"] }, signature));
  });

  it.each(["none", "None", "NONE", "nOnE"])("refuses alg %s", async (alg) => {
    const { header, payload } = decodeToken(user.accessToken);
    await expectRefused(unsigned({ ...header, alg }, payload));
  });

  it("never trusts a key embedded in or pointed to by the header", async () => {
    const { header, payload } = decodeToken(user.accessToken);
    const attackerSecret = "attacker-controlled secret of 32+ bytes";
    const jwk = { kty: "oct", k: Buffer.from(attackerSecret).toString("base64url") };
    await expectRefused(
      signHmac({ ...header, jwk }, { ...payload, roles: ["ADMIN"] }, attackerSecret),
    );
    await expectRefused(
      signHmac(
        { ...header, jku: "http://127.0.0.1:1/jwks.json" },
        { ...payload, roles: ["ADMIN"] },
        attackerSecret,
      ),
    );
  });

  it.each([
    ["one part", "abc"],
    ["four parts", "a.b.c.d"],
    ["non-base64url characters", "a*b.c$d.e!f"],
    ["a header that is not JSON", `${Buffer.from("not json").toString("base64url")}.e30.sig`],
    ["a header that is a JSON array", `${Buffer.from("[1]").toString("base64url")}.e30.sig`],
    ["a huge token", `${"a".repeat(5000)}.${"b".repeat(5000)}.c`],
  ])("refuses a malformed token: %s", async (_name, token) => {
    await expectRefused(token);
  });

  it("reads the scheme name case-insensitively", async () => {
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      const response = await server.gql(
        ME,
        {},
        { headers: { authorization: `${scheme} ${user.accessToken}` } },
      );
      expect(response.status).toBe(200);
    }
  });

  it.each([["Basic dXNlcjpwYXNz"], ["Bearer"], ["Bearer "], [`Token ${"a.b.c"}`], ["Bearer a b"]])(
    "refuses an Authorization header that is not one bearer token: %s",
    async (authorization) => {
      const response = await server.gql(ME, {}, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    },
  );

  it.each([
    ["another scheme", "Token abc"],
    ["a bare JWT without Bearer", "<token>"],
    ["Bearer with nothing after it", "Bearer"],
    ["Bearer and spaces", "Bearer   "],
  ])(
    "tells a malformed Authorization header (%s) which shape is expected, with the same 401",
    async (_name, written) => {
      const authorization = written.replace("<token>", user.accessToken);
      const response = await server.gql(ME, {}, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors?.[0].message).toBe(
        'The Authorization header is malformed: expected "Authorization: Bearer <token>".',
      );
      expect(response.body.errors?.[0].extensions).toEqual({ code: "UNAUTHENTICATED" });
    },
  );

  it("keeps the one vague message for a well-formed header whose token is refused", async () => {
    const forged = tamper(user.accessToken, "not the server's secret".repeat(2), {});
    const response = await server.gql(ME, {}, { token: forged });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0].message).toBe("The access token is invalid.");
  });

  it("never reads a token from the query string", async () => {
    const response = await fetch(
      `${server.url}/graphql?access_token=${encodeURIComponent(user.accessToken)}`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: ME }),
      },
    );
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });
});
