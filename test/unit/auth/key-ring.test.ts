import {
  createHash,
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { promisify } from "node:util";
import { KeyRing } from "../../../src/auth/key-ring";
import {
  type AppConfig,
  ConfigError,
  jwtKeysOf,
  type SigningAlgorithm,
} from "../../../src/config/config";

const generate = promisify(generateKeyPair);

interface PemPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

const pem = ({ privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject }) => ({
  privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
});

const SECRET = Buffer.from("key-ring-test-secret-0123456789-abcdefghij");
const OTHER_SECRET = Buffer.from("another-secret-for-the-key-ring-9876543210");
/** Members of a JWK that hold private key material (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** A jwt config as loadConfig builds it: the keys are parsed and checked by the config. */
function jwtConfig(overrides: Partial<Omit<AppConfig["jwt"], "keys">>): AppConfig["jwt"] {
  const jwt = {
    algorithm: "HS256" as const,
    issuer: "issuer",
    audience: "audience",
    clockToleranceSeconds: 0,
    previousKeys: [],
    ...overrides,
  };
  return { ...jwt, keys: jwtKeysOf(jwt) };
}

const ring = (algorithm: SigningAlgorithm, keys: PemPair, kid?: string) =>
  KeyRing.fromConfig(jwtConfig({ algorithm, ...keys, kid }));

function configErrorOf(build: () => unknown): ConfigError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

/** RFC 7638 §3, written out independently of the code under test. */
function rfc7638Thumbprint(jwk: JsonWebKey): string {
  const json =
    jwk.kty === "EC"
      ? `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`
      : `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
  return createHash("sha256").update(json, "utf8").digest("base64url");
}

let rsa: PemPair;
let otherRsa: PemPair;
let rsa1024: PemPair;
let rsaPss: PemPair;
let p256: PemPair;
let otherP256: PemPair;
let p384: PemPair;
let secp256k1: PemPair;
let ed25519: PemPair;

beforeAll(async () => {
  [rsa, otherRsa, rsa1024, rsaPss, p256, otherP256, p384, secp256k1, ed25519] = (
    await Promise.all([
      generate("rsa", { modulusLength: 2048 }),
      generate("rsa", { modulusLength: 2048 }),
      generate("rsa", { modulusLength: 1024 }),
      generate("rsa-pss", {
        modulusLength: 2048,
        hashAlgorithm: "sha256",
        mgf1HashAlgorithm: "sha256",
      }),
      generate("ec", { namedCurve: "P-256" }),
      generate("ec", { namedCurve: "P-256" }),
      generate("ec", { namedCurve: "P-384" }),
      generate("ec", { namedCurve: "secp256k1" }),
      generate("ed25519"),
    ])
  ).map(pem);
});

describe("KeyRing with an HMAC secret", () => {
  it("derives the same kid from the same secret", () => {
    const a = KeyRing.fromConfig(jwtConfig({ secret: SECRET }));
    const b = KeyRing.fromConfig(jwtConfig({ secret: Buffer.from(SECRET) }));
    expect(a.signing.kid).toBe(b.signing.kid);
  });

  it("derives different kids from different secrets", () => {
    const a = KeyRing.fromConfig(jwtConfig({ secret: SECRET }));
    const b = KeyRing.fromConfig(jwtConfig({ secret: OTHER_SECRET }));
    expect(a.signing.kid).not.toBe(b.signing.kid);
  });

  it("derives a short base64url kid that does not contain the secret", () => {
    const { kid } = KeyRing.fromConfig(jwtConfig({ secret: SECRET })).signing;
    expect(kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    for (const encoding of ["utf8", "hex", "base64url"] as const) {
      expect(SECRET.toString(encoding)).not.toContain(kid);
      expect(kid).not.toContain(SECRET.toString(encoding).slice(0, 8));
    }
  });

  it("signs and verifies with the configured HS algorithm under one kid", () => {
    const keys = KeyRing.fromConfig(jwtConfig({ algorithm: "HS512", secret: SECRET }));
    expect(keys.signing.algorithm).toBe("HS512");
    expect(keys.signing.key.type).toBe("secret");
    expect(keys.signing.key.export()).toEqual(SECRET);
    const verification = keys.find(keys.signing.kid);
    expect(verification?.algorithm).toBe("HS512");
    expect(verification?.publicJwk).toBeUndefined();
  });

  it("uses JWT_KID instead of the derived kid", () => {
    const derived = KeyRing.fromConfig(jwtConfig({ secret: SECRET })).signing.kid;
    const keys = KeyRing.fromConfig(jwtConfig({ secret: SECRET, kid: "2030-01" }));
    expect(keys.signing.kid).toBe("2030-01");
    expect(keys.find("2030-01")?.algorithm).toBe("HS256");
    expect(keys.find(derived)).toBeUndefined();
  });

  it("finds nothing under an unknown kid", () => {
    const keys = KeyRing.fromConfig(jwtConfig({ secret: SECRET }));
    expect(keys.find("someone-else")).toBeUndefined();
    expect(keys.find("")).toBeUndefined();
    expect(keys.find("__proto__")).toBeUndefined();
  });

  it("publishes no keys", () => {
    expect(KeyRing.fromConfig(jwtConfig({ secret: SECRET })).jwks()).toEqual({ keys: [] });
  });

  it("refuses to build without a secret", () => {
    expect(configErrorOf(() => KeyRing.fromConfig(jwtConfig({}))).problems).toEqual([
      "HS256 needs JWT_SECRET",
    ]);
  });
});

describe("KeyRing with an RSA key pair", () => {
  it("publishes only the public RSA members, with kid, alg and use", () => {
    const keys = ring("RS256", rsa);
    const expected = createPublicKey(rsa.publicKeyPem).export({ format: "jwk" });
    expect(keys.jwks()).toEqual({
      keys: [
        { kty: "RSA", n: expected.n, e: "AQAB", kid: keys.signing.kid, alg: "RS256", use: "sig" },
      ],
    });
  });

  it("publishes no private member even when JWT_PUBLIC_KEY holds the private key", () => {
    const keys = ring("RS256", {
      privateKeyPem: rsa.privateKeyPem,
      publicKeyPem: rsa.privateKeyPem,
    });
    const [published] = keys.jwks().keys;
    expect(Object.keys(published).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    for (const member of PRIVATE_MEMBERS) expect(published).not.toHaveProperty(member);
  });

  it("signs with the private key and verifies with the public key only", () => {
    const keys = ring("RS256", rsa);
    expect(keys.signing.key.type).toBe("private");
    expect(keys.find(keys.signing.kid)?.key.type).toBe("public");
  });

  it("derives the kid as the RFC 7638 thumbprint of the public key", () => {
    const keys = ring("RS256", rsa);
    const jwk = createPublicKey(rsa.publicKeyPem).export({ format: "jwk" });
    expect(keys.signing.kid).toBe(rfc7638Thumbprint(jwk));
  });

  it("derives a stable kid for the same key and a different one for another key", () => {
    expect(ring("RS256", rsa).signing.kid).toBe(ring("RS256", rsa).signing.kid);
    expect(ring("RS256", rsa).signing.kid).not.toBe(ring("RS256", otherRsa).signing.kid);
  });

  it("uses JWT_KID in the ring and in the published key", () => {
    const keys = ring("PS256", rsa, "rsa-2030");
    expect(keys.signing.kid).toBe("rsa-2030");
    expect(keys.find("rsa-2030")?.algorithm).toBe("PS256");
    expect(keys.jwks().keys[0]).toMatchObject({ kid: "rsa-2030", alg: "PS256" });
  });

  it("refuses a private and a public key that are not a pair", () => {
    const error = configErrorOf(() =>
      ring("RS256", { privateKeyPem: rsa.privateKeyPem, publicKeyPem: otherRsa.publicKeyPem }),
    );
    expect(error.problems).toEqual(["JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not a key pair"]);
  });

  it.each(["RS256", "PS256"] as const)("refuses an RSA key under 2048 bits for %s", (alg) => {
    expect(configErrorOf(() => ring(alg, rsa1024)).problems).toEqual([
      `${alg} needs an RSA key of at least 2048 bits`,
    ]);
  });

  it.each([
    ["an EC key", () => p256],
    ["an Ed25519 key", () => ed25519],
    ["an RSA-PSS key", () => rsaPss],
  ])("refuses %s for RS256", (_name, keys) => {
    expect(configErrorOf(() => ring("RS256", keys())).problems).toEqual(["RS256 needs an RSA key"]);
  });

  it("refuses an RSA-PSS-only key for PS256, which could not be published as a JWK", () => {
    expect(configErrorOf(() => ring("PS256", rsaPss)).problems).toEqual(["PS256 needs an RSA key"]);
  });

  it("refuses a private key whose public half fits but which does not itself fit", () => {
    const error = configErrorOf(() =>
      ring("RS256", { privateKeyPem: p256.privateKeyPem, publicKeyPem: rsa.publicKeyPem }),
    );
    expect(error.problems).toEqual(["RS256 needs an RSA key"]);
  });

  it("refuses text that is not a PEM key, naming the variable", () => {
    expect(
      configErrorOf(() => ring("RS256", { ...rsa, privateKeyPem: "-----BEGIN nonsense" })).problems,
    ).toEqual(["JWT_PRIVATE_KEY is not a valid PEM key"]);
    expect(
      configErrorOf(() => ring("RS256", { ...rsa, publicKeyPem: "-----BEGIN nonsense" })).problems,
    ).toEqual(["JWT_PUBLIC_KEY is not a valid PEM key"]);
  });

  it("refuses a public key given as JWT_PRIVATE_KEY", () => {
    const error = configErrorOf(() =>
      ring("RS256", { privateKeyPem: rsa.publicKeyPem, publicKeyPem: rsa.publicKeyPem }),
    );
    expect(error.problems).toEqual(["JWT_PRIVATE_KEY is not a valid PEM key"]);
  });

  it("refuses to build without both keys", () => {
    const error = configErrorOf(() =>
      KeyRing.fromConfig(jwtConfig({ algorithm: "RS256", privateKeyPem: rsa.privateKeyPem })),
    );
    expect(error.problems).toEqual(["RS256 needs JWT_PRIVATE_KEY and JWT_PUBLIC_KEY"]);
  });
});

describe("KeyRing with an EC key pair", () => {
  it("publishes only the public P-256 members, with kid, alg and use", () => {
    const keys = ring("ES256", p256);
    const expected = createPublicKey(p256.publicKeyPem).export({ format: "jwk" });
    expect(keys.jwks()).toEqual({
      keys: [
        {
          kty: "EC",
          crv: "P-256",
          x: expected.x,
          y: expected.y,
          kid: keys.signing.kid,
          alg: "ES256",
          use: "sig",
        },
      ],
    });
  });

  it("publishes no private member even when JWT_PUBLIC_KEY holds the private key", () => {
    const keys = ring("ES256", {
      privateKeyPem: p256.privateKeyPem,
      publicKeyPem: p256.privateKeyPem,
    });
    const [published] = keys.jwks().keys;
    for (const member of PRIVATE_MEMBERS) expect(published).not.toHaveProperty(member);
    expect(published).toHaveProperty("x");
  });

  it("derives the kid as the RFC 7638 thumbprint of the public key", () => {
    const jwk = createPublicKey(p256.publicKeyPem).export({ format: "jwk" });
    expect(ring("ES256", p256).signing.kid).toBe(rfc7638Thumbprint(jwk));
    expect(ring("ES256", p256).signing.kid).not.toBe(ring("ES256", otherP256).signing.kid);
  });

  it("refuses a private and a public key that are not a pair", () => {
    const error = configErrorOf(() =>
      ring("ES256", { privateKeyPem: p256.privateKeyPem, publicKeyPem: otherP256.publicKeyPem }),
    );
    expect(error.problems).toEqual(["JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not a key pair"]);
  });

  it.each([
    ["a P-384 key", () => p384],
    ["a secp256k1 key", () => secp256k1],
    ["an RSA key", () => rsa],
    ["an Ed25519 key", () => ed25519],
  ])("refuses %s for ES256", (_name, keys) => {
    expect(configErrorOf(() => ring("ES256", keys())).problems).toEqual([
      "ES256 needs an EC key on the P-256 curve",
    ]);
  });
});

describe("KeyRing with previous keys (rotation)", () => {
  const withPrevious = (
    current: Partial<AppConfig["jwt"]>,
    previousKeys: AppConfig["jwt"]["previousKeys"],
    clock?: { now(): Date },
  ) => KeyRing.fromConfig(jwtConfig({ ...current, previousKeys }), clock);

  it("verifies with a previous key under the kid it signed with, and signs only with the current one", () => {
    const before = ring("RS256", otherRsa);
    const keys = withPrevious({ algorithm: "ES256", ...p256 }, [
      { algorithm: "RS256", publicKeyPem: otherRsa.publicKeyPem },
    ]);
    expect(keys.signing.algorithm).toBe("ES256");
    const previous = keys.find(before.signing.kid);
    expect(previous?.algorithm).toBe("RS256");
    expect(previous?.key.type).toBe("public");
  });

  it("keeps only the public half of a previous private key", () => {
    const keys = withPrevious({ secret: SECRET }, [
      { algorithm: "ES256", publicKeyPem: otherP256.privateKeyPem },
    ]);
    const [published] = keys.jwks().keys;
    expect(Object.keys(published).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    expect(keys.find(String(published.kid))?.key.type).toBe("public");
  });

  it("derives a previous HMAC key's kid as it was derived when the secret signed", () => {
    const before = KeyRing.fromConfig(jwtConfig({ secret: OTHER_SECRET }));
    const keys = withPrevious({ algorithm: "RS256", ...rsa }, [
      { algorithm: "HS256", secret: OTHER_SECRET },
    ]);
    expect(keys.find(before.signing.kid)?.algorithm).toBe("HS256");
  });

  it("publishes the current and previous public keys, never a previous HMAC secret", () => {
    const keys = withPrevious({ algorithm: "RS256", ...rsa }, [
      { algorithm: "PS256", publicKeyPem: otherRsa.publicKeyPem, kid: "old-ps" },
      { algorithm: "HS512", secret: OTHER_SECRET },
    ]);
    const published = keys.jwks().keys;
    expect(published.map((key) => [key.kid, key.alg])).toEqual([
      [keys.signing.kid, "RS256"],
      ["old-ps", "PS256"],
    ]);
    for (const key of published) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
  });

  it("stops verifying and publishing a previous key after its notAfter", () => {
    let now = new Date("2030-01-01T00:00:00Z");
    const keys = withPrevious(
      { secret: SECRET },
      [
        {
          algorithm: "ES256",
          publicKeyPem: p256.publicKeyPem,
          kid: "retiring",
          notAfter: Date.parse("2030-01-01T00:15:00Z") / 1000,
        },
      ],
      { now: () => now },
    );
    expect(keys.find("retiring")).toBeDefined();
    expect(keys.jwks().keys).toHaveLength(1);
    now = new Date("2030-01-01T00:15:01Z");
    expect(keys.find("retiring")).toBeUndefined();
    expect(keys.jwks().keys).toEqual([]);
    expect(keys.find(keys.signing.kid)).toBeDefined();
  });

  it("refuses two keys under one kid", () => {
    const current = ring("ES256", p256);
    expect(
      configErrorOf(() =>
        withPrevious({ algorithm: "ES256", ...p256 }, [
          { algorithm: "ES256", publicKeyPem: p256.publicKeyPem },
        ]),
      ).problems,
    ).toEqual([`two verification keys share the kid "${current.signing.kid}"`]);
    expect(
      configErrorOf(() =>
        withPrevious({ secret: SECRET, kid: "k1" }, [
          { algorithm: "HS256", secret: OTHER_SECRET, kid: "k1" },
        ]),
      ).problems,
    ).toEqual(['two verification keys share the kid "k1"']);
  });

  it.each([
    ["RS256", () => rsa1024.publicKeyPem, "RS256 needs an RSA key of at least 2048 bits"],
    ["RS256", () => p256.publicKeyPem, "RS256 needs an RSA key"],
    ["ES256", () => p384.publicKeyPem, "ES256 needs an EC key on the P-256 curve"],
    ["ES256", () => rsa.publicKeyPem, "ES256 needs an EC key on the P-256 curve"],
    ["PS256", () => ed25519.publicKeyPem, "PS256 needs an RSA key"],
  ] as const)("refuses a previous %s key that does not fit", (algorithm, key, message) => {
    expect(
      configErrorOf(() => withPrevious({ secret: SECRET }, [{ algorithm, publicKeyPem: key() }]))
        .problems,
    ).toEqual([`JWT_PREVIOUS_KEYS[0]: ${message}`]);
  });

  it("refuses a previous key that is not PEM, naming the entry", () => {
    expect(
      configErrorOf(() =>
        withPrevious({ secret: SECRET }, [
          { algorithm: "HS256", secret: OTHER_SECRET },
          { algorithm: "RS256", publicKeyPem: "-----BEGIN PUBLIC KEY-----\nnope\n" },
        ]),
      ).problems,
    ).toEqual(["JWT_PREVIOUS_KEYS[1].key is not a valid PEM key"]);
  });
});
