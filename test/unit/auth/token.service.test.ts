import {
  constants,
  createPrivateKey,
  generateKeyPair,
  type KeyObject,
  sign,
  type JsonWebKey,
} from "node:crypto";
import { promisify } from "node:util";
import { KeyRing } from "../../../src/auth/key-ring";
import jwt from "jsonwebtoken";
import {
  TokenService,
  type TokenSettings,
  VERIFIED_TOKENS_KEPT,
} from "../../../src/auth/token.service";
import { type AppConfig, jwtKeysOf, type SigningAlgorithm } from "../../../src/config/config";
import { InvalidTokenError, type TokenCheck } from "../../../src/errors/app-errors";
import { Role } from "../../../src/core/role";
import { decodeToken, type Json, signHmac, unsigned } from "../../support/forge";
import { frozenClock } from "../../support/frozen-clock";
import { SESSION_ID, USER_ID } from "../../support/principals";

const generate = promisify(generateKeyPair);

const SECRET = Buffer.from("token-service-test-secret-0123456789-abcdef");
const OTHER_SECRET = Buffer.from("a-different-secret-for-another-server-98765");
const TOKEN_ID = "16fd2706-8baf-433b-82eb-8c7fada847da";
const SETTINGS: TokenSettings = {
  issuer: "https://auth.test",
  audience: "tasks-api",
  accessTokenTtlSeconds: 900,
  clockToleranceSeconds: 0,
};

const clock = frozenClock();
const T0 = clock.epochSeconds();

beforeEach(() => clock.set(new Date(T0 * 1000)));

function jwtConfig(overrides: Partial<Omit<AppConfig["jwt"], "keys">>): AppConfig["jwt"] {
  const jwt = {
    algorithm: "HS256" as const,
    issuer: SETTINGS.issuer,
    audience: SETTINGS.audience,
    clockToleranceSeconds: SETTINGS.clockToleranceSeconds,
    previousKeys: [],
    ...overrides,
  };
  return { ...jwt, keys: jwtKeysOf(jwt) };
}

const hmacRing = (secret = SECRET, kid?: string, algorithm: SigningAlgorithm = "HS256") =>
  KeyRing.fromConfig(jwtConfig({ algorithm, secret, kid }));

const service = (keys: KeyRing, settings: Partial<TokenSettings> = {}) =>
  new TokenService(keys, { ...SETTINGS, ...settings }, clock);

const issueFor = (tokens: TokenService, roles: Role[] = [Role.USER]) =>
  tokens.issueAccessToken({ userId: USER_ID, roles }, SESSION_ID);

/** Asserts the one public refusal: InvalidTokenError, UNAUTHENTICATED, HTTP 401. */
function expectRefused(verify: () => unknown, reason?: "TOKEN_EXPIRED") {
  let caught: unknown;
  try {
    verify();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidTokenError);
  const error = caught as InvalidTokenError;
  expect(error.message).toBe(
    reason ? "The access token has expired." : "The access token is invalid.",
  );
  expect(error.reason).toBe(reason);
  expect(error.extensions.code).toBe("UNAUTHENTICATED");
  expect(error.extensions.reason).toBe(reason);
  expect((error.extensions.http as { status: number }).status).toBe(401);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Signs like a genuine JWS library would, with any header and claims. */
function signAsymmetric(header: Json, payload: Json, key: KeyObject): string {
  const input = Buffer.from(`${encode(header)}.${encode(payload)}`);
  const signature =
    header.alg === "ES256"
      ? sign("sha256", input, { key, dsaEncoding: "ieee-p1363" })
      : header.alg === "PS256"
        ? sign("sha256", input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
        : sign("sha256", input, key);
  return `${input.toString()}.${signature.toString("base64url")}`;
}

const validClaims = (overrides: Json = {}): Json => ({
  iss: SETTINGS.issuer,
  aud: SETTINGS.audience,
  sub: USER_ID,
  iat: T0,
  exp: T0 + 900,
  jti: TOKEN_ID,
  sid: SESSION_ID,
  roles: ["USER"],
  ...overrides,
});

const withoutUndefined = (value: Json): Json =>
  Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));

describe("TokenService.issueAccessToken", () => {
  it("writes the RFC 9068 header and the contract's claims, timed by the injected clock", () => {
    const keys = hmacRing();
    const issued = issueFor(service(keys), [Role.USER, Role.EDITOR]);
    const { header, payload } = decodeToken(issued.token);
    expect(header).toEqual({ alg: "HS256", typ: "at+jwt", kid: keys.signing.kid });
    expect(payload).toEqual({
      iss: "https://auth.test",
      aud: "tasks-api",
      sub: USER_ID,
      iat: T0,
      exp: T0 + 900,
      jti: issued.tokenId,
      sid: SESSION_ID,
      roles: ["USER", "EDITOR"],
    });
  });

  it("reports the lifetime in seconds and a UUID token id", () => {
    const issued = issueFor(service(hmacRing(), { accessTokenTtlSeconds: 60 }));
    expect(issued.expiresIn).toBe(60);
    expect(issued.tokenId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(decodeToken(issued.token).payload.exp).toBe(T0 + 60);
  });

  it("never lets a token outlive its session", () => {
    const tokens = service(hmacRing(), { accessTokenTtlSeconds: 900 });
    const endsSoon = new Date((T0 + 120) * 1000);
    const capped = tokens.issueAccessToken({ userId: USER_ID, roles: [] }, SESSION_ID, endsSoon);
    expect(capped.expiresIn).toBe(120);
    expect(decodeToken(capped.token).payload.exp).toBe(T0 + 120);
    const later = new Date((T0 + 86_400) * 1000);
    const full = tokens.issueAccessToken({ userId: USER_ID, roles: [] }, SESSION_ID, later);
    expect(decodeToken(full.token).payload.exp).toBe(T0 + 900);
  });

  it("gives every token its own jti", () => {
    const tokens = service(hmacRing());
    const ids = new Set(Array.from({ length: 20 }, () => issueFor(tokens).tokenId));
    expect(ids.size).toBe(20);
  });

  it("puts nothing secret in the token", () => {
    const { token } = issueFor(service(hmacRing()));
    const decoded = JSON.stringify(decodeToken(token));
    expect(decoded).not.toContain(SECRET.toString("utf8"));
    expect(decoded).not.toContain(SECRET.toString("base64url"));
  });
});

describe("TokenService.verifyAccessToken round trip", () => {
  it.each(["HS256", "HS384", "HS512"] as const)("returns the principal of an %s token", (alg) => {
    const tokens = service(hmacRing(SECRET, undefined, alg));
    const issued = issueFor(tokens, [Role.ADMIN, Role.USER]);
    expect(tokens.verifyAccessToken(issued.token)).toEqual({
      userId: USER_ID,
      sessionId: SESSION_ID,
      tokenId: issued.tokenId,
      roles: ["ADMIN", "USER"],
      scope: null,
      issuedAt: T0,
      expiresAt: T0 + 900,
    });
  });

  it("verifies a token issued by another service sharing the key ring settings", () => {
    const issued = issueFor(service(hmacRing()));
    expect(service(hmacRing()).verifyAccessToken(issued.token).userId).toBe(USER_ID);
  });
});

describe("TokenService.verifyAccessToken expiry", () => {
  it("accepts a token one second before exp", () => {
    const tokens = service(hmacRing());
    const { token } = issueFor(tokens);
    clock.advanceSeconds(899);
    expect(tokens.verifyAccessToken(token).expiresAt).toBe(T0 + 900);
  });

  it("refuses a token exactly at exp, saying TOKEN_EXPIRED", () => {
    const tokens = service(hmacRing());
    const { token } = issueFor(tokens);
    clock.advanceSeconds(900);
    expectRefused(() => tokens.verifyAccessToken(token), "TOKEN_EXPIRED");
  });

  it("refuses a token long after exp, saying TOKEN_EXPIRED", () => {
    const tokens = service(hmacRing());
    const { token } = issueFor(tokens);
    clock.advanceSeconds(7 * 86_400);
    expectRefused(() => tokens.verifyAccessToken(token), "TOKEN_EXPIRED");
  });

  it("honours the clock tolerance past exp, and no further", () => {
    const tokens = service(hmacRing(), { clockToleranceSeconds: 30 });
    const { token } = issueFor(tokens);
    clock.advanceSeconds(900 + 29);
    expect(tokens.verifyAccessToken(token).userId).toBe(USER_ID);
    clock.advanceSeconds(1);
    expectRefused(() => tokens.verifyAccessToken(token), "TOKEN_EXPIRED");
  });

  it("refuses a token issued in the future beyond the tolerance, without TOKEN_EXPIRED", () => {
    const { token } = issueFor(service(hmacRing()));
    clock.advanceSeconds(-6);
    expectRefused(() => service(hmacRing(), { clockToleranceSeconds: 5 }).verifyAccessToken(token));
  });

  it("accepts a token issued in the future within the tolerance", () => {
    const { token } = issueFor(service(hmacRing()));
    clock.advanceSeconds(-5);
    const tokens = service(hmacRing(), { clockToleranceSeconds: 5 });
    expect(tokens.verifyAccessToken(token).issuedAt).toBe(T0);
  });
});

describe("TokenService remembers the tokens it has verified", () => {
  it("checks a token's signature once, and answers its repeats with the same frozen principal", () => {
    const tokens = service(hmacRing());
    const { token } = issueFor(tokens);
    const verify = jest.spyOn(jwt, "verify");
    const first = tokens.verifyAccessToken(token);
    const again = tokens.verifyAccessToken(token);
    expect(verify).toHaveBeenCalledTimes(1);
    verify.mockRestore();
    expect(again).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);
  });

  it("refuses a remembered token from its expiry on, as if it had never been seen", () => {
    const tokens = service(hmacRing(), { clockToleranceSeconds: 30 });
    const { token } = issueFor(tokens);
    expect(tokens.verifyAccessToken(token).userId).toBe(USER_ID);
    clock.advanceSeconds(900 + 29);
    expect(tokens.verifyAccessToken(token).userId).toBe(USER_ID);
    clock.advanceSeconds(1);
    expectRefused(() => tokens.verifyAccessToken(token), "TOKEN_EXPIRED");
    expectRefused(() => tokens.verifyAccessToken(token), "TOKEN_EXPIRED");
  });

  it("refuses a remembered token once its key is retired (past the previous key's notAfter)", () => {
    const { token } = issueFor(service(hmacRing(OTHER_SECRET, "old")));
    const ring = KeyRing.fromConfig(
      jwtConfig({
        secret: SECRET,
        previousKeys: [{ algorithm: "HS256", secret: OTHER_SECRET, kid: "old", notAfter: T0 + 60 }],
      }),
      clock,
    );
    const tokens = service(ring);
    expect(tokens.verifyAccessToken(token).userId).toBe(USER_ID);
    clock.advanceSeconds(61);
    expectRefused(() => tokens.verifyAccessToken(token));
  });

  it("remembers a refused token never, and a bounded number of verified ones", () => {
    const tokens = service(hmacRing());
    const { token } = issueFor(tokens);
    const [header, payload] = token.split(".");
    expectRefused(() => tokens.verifyAccessToken(`${header}.${payload}.${"A".repeat(43)}`));
    expect(tokens.verifiedTokensKept).toBe(0);
    for (let i = 0; i <= VERIFIED_TOKENS_KEPT; i++) {
      tokens.verifyAccessToken(issueFor(tokens).token);
    }
    expect(tokens.verifiedTokensKept).toBe(VERIFIED_TOKENS_KEPT);
  });
});

describe("TokenService.verifyAccessToken refuses tokens of another key", () => {
  it("refuses a token signed with another secret (another derived kid)", () => {
    const { token } = issueFor(service(hmacRing(OTHER_SECRET)));
    expectRefused(() => service(hmacRing()).verifyAccessToken(token));
  });

  it("refuses a token signed with another secret under the same JWT_KID", () => {
    const { token } = issueFor(service(hmacRing(OTHER_SECRET, "shared-kid")));
    expect(decodeToken(token).header.kid).toBe("shared-kid");
    expectRefused(() => service(hmacRing(SECRET, "shared-kid")).verifyAccessToken(token));
  });

  it("refuses a token whose claims were edited after signing", () => {
    const tokens = service(hmacRing());
    const [header, , signature] = issueFor(tokens).token.split(".");
    const edited = `${header}.${encode(validClaims({ roles: ["ADMIN"] }))}.${signature}`;
    expectRefused(() => tokens.verifyAccessToken(edited));
  });

  it("refuses a token with its signature removed", () => {
    const tokens = service(hmacRing());
    const [header, payload] = issueFor(tokens).token.split(".");
    expectRefused(() => tokens.verifyAccessToken(`${header}.${payload}.`));
  });
});

describe("TokenService.verifyAccessToken refuses a token that fails one check", () => {
  const keys = hmacRing();
  const tokens = service(keys);
  const baseHeader: Json = { alg: "HS256", typ: "at+jwt", kid: keys.signing.kid };
  const forge = (header: Json = {}, payload: Json = {}) =>
    signHmac(
      withoutUndefined({ ...baseHeader, ...header }),
      withoutUndefined(validClaims(payload)),
      SECRET,
    );

  it("accepts the unaltered forgery (so each case below fails on its change alone)", () => {
    expect(tokens.verifyAccessToken(forge())).toEqual({
      userId: USER_ID,
      sessionId: SESSION_ID,
      tokenId: TOKEN_ID,
      roles: ["USER"],
      scope: null,
      issuedAt: T0,
      expiresAt: T0 + 900,
    });
  });

  it("reads a scope claim as the names it lists, so a narrowed token stays narrowed", () => {
    expect(tokens.verifyAccessToken(forge({}, { scope: "task:read  task:write" })).scope).toEqual([
      "task:read",
      "task:write",
    ]);
  });

  it.each<[string, Json, Json]>([
    ["an unknown kid", { kid: "someone-else" }, {}],
    ["no kid", { kid: undefined }, {}],
    ["a kid that is not a string", { kid: 1 }, {}],
    ["alg HS512 under the same secret", { alg: "HS512" }, {}],
    ["alg none", { alg: "none" }, {}],
    ["no typ", { typ: undefined }, {}],
    ["typ JWT", { typ: "JWT" }, {}],
    ["a crit header", { crit: ["exp"] }, {}],
    ["another issuer", {}, { iss: "https://evil.example" }],
    ["no issuer", {}, { iss: undefined }],
    ["another audience", {}, { aud: "another-api" }],
    ["no audience", {}, { aud: undefined }],
    ["no exp", {}, { exp: undefined }],
    ["an exp that is a string", {}, { exp: String(T0 + 900) }],
    ["an nbf in the future", {}, { nbf: T0 + 60 }],
    ["no iat", {}, { iat: undefined }],
    ["an iat in the future", {}, { iat: T0 + 60 }],
    ["no jti", {}, { jti: undefined }],
    ["no sid", {}, { sid: undefined }],
    ["no sub", {}, { sub: undefined }],
    ["an empty sub", {}, { sub: "" }],
    ["a sub that is a number", {}, { sub: 42 }],
    ["a sub longer than 128 characters", {}, { sub: "u".repeat(129) }],
    ["a role that does not exist", {}, { roles: ["USER", "ROOT"] }],
    ["roles that are not a list", {}, { roles: "ADMIN" }],
    ["no roles", {}, { roles: undefined }],
    ["a scope that is a list, not a space-separated string", {}, { scope: ["task:read"] }],
    ["a scope that is a number", {}, { scope: 1 }],
    ["a scope longer than 1024 characters", {}, { scope: "task:read ".repeat(103) }],
  ])("refuses %s", (_name, header, payload) => {
    expectRefused(() => tokens.verifyAccessToken(forge(header, payload)));
  });

  it.each<[TokenCheck, Json, Json]>([
    ["kid", { kid: "someone-else" }, {}],
    ["alg", { alg: "HS512" }, {}],
    ["typ", { typ: "JWT" }, {}],
    ["crit", { crit: ["exp"] }, {}],
    ["iss", {}, { iss: "https://evil.example" }],
    ["aud", {}, { aud: "another-api" }],
    ["expired", {}, { exp: T0 - 3600 }],
    ["not-before", {}, { nbf: T0 + 60 }],
    ["iat", {}, { iat: T0 + 60 }],
    ["claims", {}, { sid: undefined }],
  ])("names the check that refused it (%s), internally only", (check, header, payload) => {
    let caught: unknown;
    try {
      tokens.verifyAccessToken(forge(header, payload));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidTokenError);
    expect((caught as InvalidTokenError).check).toBe(check);
    expect(JSON.stringify((caught as InvalidTokenError).extensions)).not.toContain(check);
  });

  it.each<[TokenCheck, () => string]>([
    ["signature", () => forge().slice(0, -2) + (forge().endsWith("AA") ? "BB" : "AA")],
    ["format", () => "not.a-token"],
    ["length", () => forge({}, { padding: "x".repeat(4096) })],
  ])("names the check %s for a broken token", (check, token) => {
    expect(() => tokens.verifyAccessToken(token())).toThrow(
      expect.objectContaining({ check }) as Error,
    );
  });

  it.each(["application/at+jwt", "AT+JWT", "Application/At+Jwt"])("accepts typ %j", (typ) => {
    expect(tokens.verifyAccessToken(forge({ typ })).userId).toBe(USER_ID);
  });

  it("accepts an nbf in the past and an empty roles list", () => {
    expect(tokens.verifyAccessToken(forge({}, { nbf: T0 - 1, roles: [] })).roles).toEqual([]);
  });

  it("refuses an oversized token even when it is validly signed", () => {
    const big = forge({}, { padding: "x".repeat(4096) });
    expectRefused(() => tokens.verifyAccessToken(big));
  });

  it.each([
    ["an empty string", ""],
    ["one segment", "abc"],
    ["two segments", "abc.def"],
    ["four segments", "a.b.c.d"],
    ["segments with characters outside base64url", "ab!c.def.ghi"],
    ["padded base64", `${encode({ alg: "HS256" })}=.e30.c2ln`],
    ["a header that is not JSON", `${Buffer.from("not json").toString("base64url")}.e30.c2ln`],
    ["a header that is a JSON array", `${encode(["HS256"])}.e30.c2ln`],
    ["a header that is JSON null", `${encode(null)}.e30.c2ln`],
  ])("refuses a malformed token: %s", (_name, token) => {
    expectRefused(() => tokens.verifyAccessToken(token));
  });
});

describe("TokenService with asymmetric keys", () => {
  let rsaPrivate: KeyObject;
  let rsa: { privateKeyPem: string; publicKeyPem: string };
  let otherRsaPrivate: KeyObject;
  let ec: { privateKeyPem: string; publicKeyPem: string };
  let attackerEc: { privateKey: KeyObject; publicJwk: JsonWebKey };

  const toPem = (pair: { privateKey: KeyObject; publicKey: KeyObject }) => ({
    privateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  });

  beforeAll(async () => {
    const [rsaPair, otherRsaPair, ecPair, attackerPair] = await Promise.all([
      generate("rsa", { modulusLength: 2048 }),
      generate("rsa", { modulusLength: 2048 }),
      generate("ec", { namedCurve: "P-256" }),
      generate("ec", { namedCurve: "P-256" }),
    ]);
    rsa = toPem(rsaPair);
    rsaPrivate = rsaPair.privateKey;
    otherRsaPrivate = otherRsaPair.privateKey;
    ec = toPem(ecPair);
    attackerEc = {
      privateKey: attackerPair.privateKey,
      publicJwk: attackerPair.publicKey.export({ format: "jwk" }),
    };
  });

  const asymmetricRing = (algorithm: SigningAlgorithm, kid?: string) =>
    KeyRing.fromConfig(
      jwtConfig({ algorithm, ...(algorithm === "ES256" ? ec : rsa), ...(kid ? { kid } : {}) }),
    );

  it.each(["RS256", "PS256", "ES256"] as const)("round-trips an %s token", (alg) => {
    const tokens = service(asymmetricRing(alg));
    const issued = issueFor(tokens, [Role.EDITOR]);
    expect(decodeToken(issued.token).header).toEqual({
      alg,
      typ: "at+jwt",
      kid: asymmetricRing(alg).signing.kid,
    });
    expect(tokens.verifyAccessToken(issued.token)).toEqual({
      userId: USER_ID,
      sessionId: SESSION_ID,
      tokenId: issued.tokenId,
      roles: ["EDITOR"],
      scope: null,
      issuedAt: T0,
      expiresAt: T0 + 900,
    });
  });

  it("accepts a token signed independently with the configured private key", () => {
    const keys = asymmetricRing("RS256");
    const header = { alg: "RS256", typ: "at+jwt", kid: keys.signing.kid };
    const token = signAsymmetric(header, validClaims(), rsaPrivate);
    expect(service(keys).verifyAccessToken(token).tokenId).toBe(TOKEN_ID);
  });

  it("refuses an RS256 token signed by another RSA key under the same kid", () => {
    const keys = asymmetricRing("RS256", "rsa-1");
    const header = { alg: "RS256", typ: "at+jwt", kid: "rsa-1" };
    const token = signAsymmetric(header, validClaims(), otherRsaPrivate);
    expectRefused(() => service(keys).verifyAccessToken(token));
  });

  it("refuses a PS256 token under an RS256 ring holding the same key", () => {
    const keys = asymmetricRing("RS256");
    expect(asymmetricRing("PS256").signing.kid).toBe(keys.signing.kid);
    const { token } = issueFor(service(asymmetricRing("PS256")));
    expectRefused(() => service(keys).verifyAccessToken(token));
  });

  it.each(["RS256", "ES256"] as const)(
    "refuses an HS256 token HMAC-signed with the %s public key PEM (algorithm confusion)",
    (alg) => {
      const keys = asymmetricRing(alg);
      const publicPem = alg === "ES256" ? ec.publicKeyPem : rsa.publicKeyPem;
      const header = { alg: "HS256", typ: "at+jwt", kid: keys.signing.kid };
      const forged = signHmac(header, validClaims({ roles: ["ADMIN"] }), publicPem);
      expectRefused(() => service(keys).verifyAccessToken(forged));
    },
  );

  it("refuses an RS256-labelled token whose signature is an HMAC under the public key PEM", () => {
    const keys = asymmetricRing("RS256");
    const header = { alg: "RS256", typ: "at+jwt", kid: keys.signing.kid };
    const forged = signHmac(header, validClaims(), rsa.publicKeyPem, "HS256");
    expectRefused(() => service(keys).verifyAccessToken(forged));
  });

  it("refuses an unsigned alg none token naming the ring's kid", () => {
    const keys = asymmetricRing("ES256");
    const forged = unsigned({ alg: "none", typ: "at+jwt", kid: keys.signing.kid }, validClaims());
    expectRefused(() => service(keys).verifyAccessToken(forged));
  });

  it("accepts a genuine IEEE P1363 ES256 signature made outside the service", () => {
    const keys = asymmetricRing("ES256");
    const header = { alg: "ES256", typ: "at+jwt", kid: keys.signing.kid };
    const token = signAsymmetric(header, validClaims(), createPrivateKey(ec.privateKeyPem));
    expect(service(keys).verifyAccessToken(token).userId).toBe(USER_ID);
  });

  it("refuses an ES256 psychic signature (r = s = 0)", () => {
    const keys = asymmetricRing("ES256");
    const header = { alg: "ES256", typ: "at+jwt", kid: keys.signing.kid };
    const forged = unsigned(header, validClaims(), Buffer.alloc(64).toString("base64url"));
    expectRefused(() => service(keys).verifyAccessToken(forged));
  });

  it("refuses an ES256 signature in DER rather than JOSE form", () => {
    const keys = asymmetricRing("ES256");
    const header = { alg: "ES256", typ: "at+jwt", kid: keys.signing.kid };
    const input = `${encode(header)}.${encode(validClaims())}`;
    const der = sign("sha256", Buffer.from(input), createPrivateKey(ec.privateKeyPem));
    expectRefused(() => service(keys).verifyAccessToken(`${input}.${der.toString("base64url")}`));
  });

  it.each<[string, Json]>([
    ["an embedded jwk", { jwk: {} }],
    ["a jku URL", { jku: "https://attacker.example/jwks.json" }],
    ["an x5u URL", { x5u: "https://attacker.example/cert.pem" }],
  ])("does not trust the attacker's key offered through %s", (_name, extra) => {
    const keys = asymmetricRing("ES256");
    const header: Json = { alg: "ES256", typ: "at+jwt", kid: keys.signing.kid, ...extra };
    if ("jwk" in extra) header.jwk = attackerEc.publicJwk;
    const forged = signAsymmetric(header, validClaims({ roles: ["ADMIN"] }), attackerEc.privateKey);
    expectRefused(() => service(keys).verifyAccessToken(forged));
  });
});
