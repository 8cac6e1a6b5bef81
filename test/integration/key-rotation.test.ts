import { randomBytes } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { ME } from "../support/documents";
import { databaseKinds } from "../support/databases";
import { registerUser } from "../support/factories";
import { decodeToken, keyPair, type PemKeyPair } from "../support/forge";
import { startTestServer, type TestServer } from "../support/test-server";

const ISSUER = "graphql-jwt-api";
/** Members of a JWK that hold private or symmetric key material (RFC 7518 §6). */
const SECRET_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

const asymmetricEnv = (alg: string, keys: PemKeyPair) => ({
  JWT_ALG: alg,
  JWT_PRIVATE_KEY: keys.privateKeyPem,
  JWT_PUBLIC_KEY: keys.publicKeyPem,
});

async function fetchJwks(server: TestServer): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${server.url}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: Array<Record<string, unknown>> }).keys;
}

async function meStatus(server: TestServer, token: string): Promise<number> {
  return (await server.gql(ME, {}, { token })).status;
}

/**
 * Another service that trusts our tokens knows nothing but the JWKS address, the issuer and the
 * audience: this is all it does (here with jose, an implementation independent of ours).
 */
function verifierOf(server: TestServer, algorithms: string[]) {
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  return (token: string) =>
    jwtVerify(token, jwks, { issuer: ISSUER, audience: ISSUER, typ: "at+jwt", algorithms });
}

describe.each(databaseKinds())("published keys and rotation ($name)", (kind) => {
  describe.each(["RS256", "PS256", "ES256"])("another service verifying %s tokens", (alg) => {
    const keys = keyPair(alg === "ES256" ? "ec" : "rsa");
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(kind, { env: asymmetricEnv(alg, keys) });
    });
    afterAll(() => server.close());

    it("verifies our access token from the JWKS alone", async () => {
      const user = await registerUser(server);
      const { payload, protectedHeader } = await verifierOf(server, [alg])(user.accessToken);
      expect(protectedHeader).toMatchObject({ alg, typ: "at+jwt" });
      expect(payload).toMatchObject({ sub: user.id, iss: ISSUER, aud: ISSUER, roles: ["USER"] });
    });

    it("publishes the public key only, with kid, alg and use, and the kid our tokens carry", async () => {
      const user = await registerUser(server);
      const published = await fetchJwks(server);
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({
        kid: decodeToken(user.accessToken).header.kid,
        alg,
        use: "sig",
      });
      for (const member of SECRET_MEMBERS) expect(published[0]).not.toHaveProperty(member);
    });

    it("lets the other service refuse a token whose claims were changed", async () => {
      const user = await registerUser(server);
      const [head, , signature] = user.accessToken.split(".");
      const raised = Buffer.from(
        JSON.stringify({ ...decodeToken(user.accessToken).payload, roles: ["ADMIN"] }),
      ).toString("base64url");
      await expect(verifierOf(server, [alg])(`${head}.${raised}.${signature}`)).rejects.toThrow(
        "signature verification failed",
      );
    });
  });

  it("publishes an empty key list with HS256, never the secret", async () => {
    const server = await startTestServer(kind);
    try {
      expect(await fetchJwks(server)).toEqual([]);
      const text = await (await fetch(`${server.url}/.well-known/jwks.json`)).text();
      expect(text).not.toContain(server.secret);
    } finally {
      await server.close();
    }
  });

  describe("switching keys on one database", () => {
    const secret = randomBytes(32).toString("base64url");
    const rsa = keyPair("rsa");
    const ec = keyPair("ec");
    const servers: TestServer[] = [];
    let first: TestServer;

    /** Another server configuration over the first server's database, as after a redeploy. */
    async function redeploy(env: Record<string, string>): Promise<TestServer> {
      const server = await startTestServer(kind, { env, databaseUrl: () => first.database.url });
      servers.push(server);
      return server;
    }

    beforeAll(async () => {
      first = await startTestServer(kind, { env: { JWT_SECRET: secret } });
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
      await first.close();
    });

    it("refuses HS256 tokens after a switch to RS256, unless the old secret is kept for verification", async () => {
      const user = await registerUser(first);
      expect(await meStatus(first, user.accessToken)).toBe(200);

      const switched = await redeploy(asymmetricEnv("RS256", rsa));
      expect(await meStatus(switched, user.accessToken)).toBe(401);

      const rotated = await redeploy({
        ...asymmetricEnv("RS256", rsa),
        JWT_PREVIOUS_KEYS: JSON.stringify([{ alg: "HS256", secret }]),
      });
      expect(await meStatus(rotated, user.accessToken)).toBe(200);
      // The old secret verifies but never signs, and never appears in the JWKS.
      const fresh = await registerUser(rotated);
      expect(decodeProtectedHeader(fresh.accessToken).alg).toBe("RS256");
      expect((await fetchJwks(rotated)).map((key) => key.alg)).toEqual(["RS256"]);
      await expect(verifierOf(rotated, ["RS256"])(fresh.accessToken)).resolves.toBeDefined();
    });

    it("keeps an old RS256 key verifying and published after a rotation to ES256, until its notAfter", async () => {
      const before = await redeploy(asymmetricEnv("RS256", rsa));
      const user = await registerUser(before);
      const oldKid = decodeToken(user.accessToken).header.kid;

      const rotated = await redeploy({
        ...asymmetricEnv("ES256", ec),
        JWT_PREVIOUS_KEYS: JSON.stringify([{ alg: "RS256", key: rsa.publicKeyPem }]),
      });
      expect(await meStatus(rotated, user.accessToken)).toBe(200);
      const published = await fetchJwks(rotated);
      expect(published.map((key) => [key.alg, key.kid === oldKid])).toEqual([
        ["ES256", false],
        ["RS256", true],
      ]);
      // A service that only knows the JWKS accepts both the old and the new tokens.
      const verify = verifierOf(rotated, ["ES256", "RS256"]);
      await expect(verify(user.accessToken)).resolves.toBeDefined();
      await expect(verify((await registerUser(rotated)).accessToken)).resolves.toBeDefined();

      const retired = await redeploy({
        ...asymmetricEnv("ES256", ec),
        JWT_PREVIOUS_KEYS: JSON.stringify([
          {
            alg: "RS256",
            key: rsa.publicKeyPem,
            notAfter: new Date(Date.now() - 1000).toISOString(),
          },
        ]),
      });
      expect(await meStatus(retired, user.accessToken)).toBe(401);
      expect((await fetchJwks(retired)).map((key) => key.alg)).toEqual(["ES256"]);
    });

    it("refuses a token of the old key presented under another algorithm after the rotation", async () => {
      const before = await redeploy(asymmetricEnv("RS256", rsa));
      const user = await registerUser(before);
      // The old key is kept as PS256: an RS256 token under its kid is not what it may verify.
      const rotated = await redeploy({
        ...asymmetricEnv("ES256", ec),
        JWT_PREVIOUS_KEYS: JSON.stringify([{ alg: "PS256", key: rsa.publicKeyPem }]),
      });
      expect(await meStatus(rotated, user.accessToken)).toBe(401);
    });
  });
});
