import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { ConfigError } from "./config-error";
import type { PreviousKeyConfig } from "./key-material";
import type { SigningAlgorithm } from "./parsers";

export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly key: KeyObject;
}

export interface VerificationKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly key: KeyObject;
  /** The public JWK published at /.well-known/jwks.json; absent for HMAC keys. */
  readonly publicJwk?: JsonWebKey;
  /** Epoch seconds after which a retired key verifies nothing and is no longer published. */
  readonly notAfter?: number;
}

/** The parsed, checked keys: the current one signs, it and every previous one verify. */
export interface JwtKeys {
  readonly signing: SigningKey;
  /** The current key first, then the previous ones, each under a kid no other key has. */
  readonly verification: readonly VerificationKey[];
}

/** What the keys are made from: the JWT_* variables as they were read. */
export interface JwtKeySource {
  readonly algorithm: SigningAlgorithm;
  /** HMAC secret bytes (HS*), or undefined for asymmetric algorithms. */
  readonly secret?: Buffer;
  readonly privateKeyPem?: string;
  readonly publicKeyPem?: string;
  readonly kid?: string;
  /** Keys that still verify (never sign) after a rotation; see JWT_PREVIOUS_KEYS. */
  readonly previousKeys: readonly PreviousKeyConfig[];
}

/**
 * Parses and checks every configured key: the private and public keys are a pair of the type the
 * algorithm needs, each previous key fits its own algorithm, and no two keys share a kid (a kid
 * picks exactly one key, which is how algorithm confusion is ruled out). Problems go to
 * `problems`, in the words loadConfig reports; undefined when there is any.
 */
export function parseJwtKeys(source: JwtKeySource, problems: string[]): JwtKeys | undefined {
  const before = problems.length;
  const current = currentKeys(source, problems);
  const verification = verificationKeys(current?.verification, source.previousKeys, problems);
  if (!current || problems.length > before) return undefined;
  return { signing: current.signing, verification };
}

/** The checks of parseJwtKeys on the previous keys alone, when the current key cannot be built. */
export function checkPreviousKeys(entries: readonly PreviousKeyConfig[], problems: string[]): void {
  verificationKeys(undefined, entries, problems);
}

function verificationKeys(
  current: VerificationKey | undefined,
  entries: readonly PreviousKeyConfig[],
  problems: string[],
): VerificationKey[] {
  const keys = current ? [current] : [];
  entries.forEach((entry, index) => {
    const key = previousKey(entry, `JWT_PREVIOUS_KEYS[${index}]`, problems);
    if (key) keys.push(key);
  });
  const seen = new Set<string>();
  const reported = new Set<string>();
  for (const { kid } of keys) {
    if (seen.has(kid) && !reported.has(kid)) {
      problems.push(`two verification keys share the kid "${kid}"`);
      reported.add(kid);
    }
    seen.add(kid);
  }
  return keys;
}

/** parseJwtKeys for keys built outside loadConfig (tests, benchmarks): throws a ConfigError. */
export function jwtKeysOf(source: JwtKeySource): JwtKeys {
  const problems: string[] = [];
  const keys = parseJwtKeys(source, problems);
  if (!keys) throw new ConfigError(problems);
  return keys;
}

/** Each step needs the one before, so the first problem is the only one reported. */
function currentKeys(
  jwt: JwtKeySource,
  problems: string[],
): { signing: SigningKey; verification: VerificationKey } | undefined {
  const { algorithm } = jwt;
  if (algorithm.startsWith("HS")) {
    if (!jwt.secret) return fail(problems, `${algorithm} needs JWT_SECRET`);
    const key = createSecretKey(jwt.secret);
    const kid = jwt.kid ?? hmacKid(jwt.secret);
    return { signing: { kid, algorithm, key }, verification: { kid, algorithm, key } };
  }
  if (!jwt.privateKeyPem || !jwt.publicKeyPem) {
    return fail(problems, `${algorithm} needs JWT_PRIVATE_KEY and JWT_PUBLIC_KEY`);
  }
  const privateKey = parseKey(() => createPrivateKey(jwt.privateKeyPem!));
  if (!privateKey) return fail(problems, "JWT_PRIVATE_KEY is not a valid PEM key");
  const publicKey = parseKey(() => createPublicKey(jwt.publicKeyPem!));
  if (!publicKey) return fail(problems, "JWT_PUBLIC_KEY is not a valid PEM key");
  const misfit = keyMisfit(algorithm, privateKey) ?? keyMisfit(algorithm, publicKey);
  if (misfit) return fail(problems, misfit);
  const publicJwk = publicKey.export({ format: "jwk" });
  const derivedJwk = createPublicKey(privateKey).export({ format: "jwk" });
  if (thumbprint(publicJwk) !== thumbprint(derivedJwk)) {
    return fail(problems, "JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not a key pair");
  }
  const kid = jwt.kid ?? thumbprint(publicJwk);
  return {
    signing: { kid, algorithm, key: privateKey },
    verification: { kid, algorithm, key: publicKey, publicJwk },
  };
}

/** A retired key: verification only, so only its public half (or the HMAC secret) is kept. */
function previousKey(
  entry: PreviousKeyConfig,
  name: string,
  problems: string[],
): VerificationKey | undefined {
  const { algorithm, notAfter } = entry;
  if (algorithm.startsWith("HS")) {
    if (!entry.secret) return fail(problems, `${name} needs a secret for ${algorithm}`);
    const kid = entry.kid ?? hmacKid(entry.secret);
    return { kid, algorithm, key: createSecretKey(entry.secret), notAfter };
  }
  if (!entry.publicKeyPem) return fail(problems, `${name} needs a key for ${algorithm}`);
  // createPublicKey also takes a private PEM and keeps only its public half.
  const publicKey = parseKey(() => createPublicKey(entry.publicKeyPem!));
  if (!publicKey) return fail(problems, `${name}.key is not a valid PEM key`);
  const misfit = keyMisfit(algorithm, publicKey);
  if (misfit) return fail(problems, `${name}: ${misfit}`);
  const publicJwk = publicKey.export({ format: "jwk" });
  const kid = entry.kid ?? thumbprint(publicJwk);
  return { kid, algorithm, key: publicKey, publicJwk, notAfter };
}

function fail(problems: string[], problem: string): undefined {
  problems.push(problem);
  return undefined;
}

function parseKey(parse: () => KeyObject): KeyObject | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/** Why `key` cannot be used with `algorithm`, or undefined when it can. */
function keyMisfit(algorithm: SigningAlgorithm, key: KeyObject): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm === "ES256") {
    return key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1"
      ? undefined
      : "ES256 needs an EC key on the P-256 curve";
  }
  // RSA-PSS-only keys (OID id-RSASSA-PSS) cannot be published as a JWK; PS256 signs with an
  // ordinary RSA key, so that is what every RSA algorithm takes.
  if (key.asymmetricKeyType !== "rsa") return `${algorithm} needs an RSA key`;
  if ((details.modulusLength ?? 0) < 2048) {
    return `${algorithm} needs an RSA key of at least 2048 bits`;
  }
  return undefined;
}

/** A key id for an HMAC secret that reveals nothing usable about the secret. */
function hmacKid(secret: Buffer): string {
  return createHash("sha256").update("kid:").update(secret).digest("base64url").slice(0, 16);
}

/** RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === "EC"
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}
