import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { type Clock, epochSeconds, systemClock } from "../core/clock";
import type { AppConfig, PreviousKeyConfig, SigningAlgorithm } from "../config/config";

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

export class KeyConfigError extends Error {}

/**
 * The keys this server signs and verifies with, looked up by `kid` only: the kid is compared
 * with the configured ids in memory and never used as a path, URL or query. Each key carries the
 * single algorithm it may be used with, which is how algorithm confusion is ruled out. Besides
 * the current key, keys retired by a rotation still verify (never sign) until removed or past
 * their `notAfter`.
 */
export class KeyRing {
  private readonly byKid: ReadonlyMap<string, VerificationKey>;

  constructor(
    readonly signing: SigningKey,
    verification: readonly VerificationKey[],
    private readonly clock: Clock = systemClock,
  ) {
    const byKid = new Map<string, VerificationKey>();
    for (const key of verification) {
      if (byKid.has(key.kid)) {
        throw new KeyConfigError(`two verification keys share the kid "${key.kid}"`);
      }
      byKid.set(key.kid, key);
    }
    this.byKid = byKid;
  }

  find(kid: string): VerificationKey | undefined {
    const key = this.byKid.get(kid);
    return key && this.isLive(key) ? key : undefined;
  }

  /** Public verification keys only: never HMAC secrets, never private parts. */
  jwks(): { keys: JsonWebKey[] } {
    const keys: JsonWebKey[] = [];
    for (const key of this.byKid.values()) {
      if (key.publicJwk && this.isLive(key)) {
        keys.push({ ...key.publicJwk, kid: key.kid, alg: key.algorithm, use: "sig" });
      }
    }
    return { keys };
  }

  private isLive(key: VerificationKey): boolean {
    return key.notAfter === undefined || epochSeconds(this.clock.now()) <= key.notAfter;
  }

  static fromConfig(jwt: AppConfig["jwt"], clock: Clock = systemClock): KeyRing {
    const current = KeyRing.currentKeys(jwt);
    const previous = jwt.previousKeys.map((entry, index) => previousKey(entry, index));
    return new KeyRing(current.signing, [current.verification, ...previous], clock);
  }

  private static currentKeys(jwt: AppConfig["jwt"]): {
    signing: SigningKey;
    verification: VerificationKey;
  } {
    const algorithm = jwt.algorithm;
    if (algorithm.startsWith("HS")) {
      if (!jwt.secret) throw new KeyConfigError(`${algorithm} needs JWT_SECRET`);
      const key = createSecretKey(jwt.secret);
      const kid = jwt.kid ?? hmacKid(jwt.secret);
      return { signing: { kid, algorithm, key }, verification: { kid, algorithm, key } };
    }
    if (!jwt.privateKeyPem || !jwt.publicKeyPem) {
      throw new KeyConfigError(`${algorithm} needs JWT_PRIVATE_KEY and JWT_PUBLIC_KEY`);
    }
    const privateKey = parseKey(() => createPrivateKey(jwt.privateKeyPem!), "JWT_PRIVATE_KEY");
    const publicKey = parseKey(() => createPublicKey(jwt.publicKeyPem!), "JWT_PUBLIC_KEY");
    assertKeyFits(algorithm, privateKey);
    assertKeyFits(algorithm, publicKey);
    const publicJwk = publicKey.export({ format: "jwk" });
    const derivedJwk = createPublicKey(privateKey).export({ format: "jwk" });
    if (thumbprint(publicJwk) !== thumbprint(derivedJwk)) {
      throw new KeyConfigError("JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are not a key pair");
    }
    const kid = jwt.kid ?? thumbprint(publicJwk);
    return {
      signing: { kid, algorithm, key: privateKey },
      verification: { kid, algorithm, key: publicKey, publicJwk },
    };
  }
}

/** A retired key: verification only, so only its public half (or the HMAC secret) is kept. */
function previousKey(entry: PreviousKeyConfig, index: number): VerificationKey {
  const name = `JWT_PREVIOUS_KEYS[${index}]`;
  const { algorithm, notAfter } = entry;
  if (algorithm.startsWith("HS")) {
    if (!entry.secret) throw new KeyConfigError(`${name} needs a secret for ${algorithm}`);
    const kid = entry.kid ?? hmacKid(entry.secret);
    return { kid, algorithm, key: createSecretKey(entry.secret), notAfter };
  }
  if (!entry.publicKeyPem) throw new KeyConfigError(`${name} needs a key for ${algorithm}`);
  // createPublicKey also takes a private PEM and keeps only its public half.
  const publicKey = parseKey(() => createPublicKey(entry.publicKeyPem!), `${name}.key`);
  try {
    assertKeyFits(algorithm, publicKey);
  } catch (error) {
    throw new KeyConfigError(`${name}: ${(error as Error).message}`);
  }
  const publicJwk = publicKey.export({ format: "jwk" });
  const kid = entry.kid ?? thumbprint(publicJwk);
  return { kid, algorithm, key: publicKey, publicJwk, notAfter };
}

function parseKey(parse: () => KeyObject, name: string): KeyObject {
  try {
    return parse();
  } catch {
    throw new KeyConfigError(`${name} is not a valid PEM key`);
  }
}

function assertKeyFits(algorithm: SigningAlgorithm, key: KeyObject): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm === "ES256") {
    if (key.asymmetricKeyType !== "ec" || details.namedCurve !== "prime256v1") {
      throw new KeyConfigError("ES256 needs an EC key on the P-256 curve");
    }
    return;
  }
  // RSA-PSS-only keys (OID id-RSASSA-PSS) cannot be published as a JWK; PS256 signs with an
  // ordinary RSA key, so that is what every RSA algorithm takes.
  if (key.asymmetricKeyType !== "rsa") {
    throw new KeyConfigError(`${algorithm} needs an RSA key`);
  }
  if ((details.modulusLength ?? 0) < 2048) {
    throw new KeyConfigError(`${algorithm} needs an RSA key of at least 2048 bits`);
  }
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
