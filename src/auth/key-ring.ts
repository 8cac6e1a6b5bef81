import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import type { AppConfig, SigningAlgorithm } from "../config/config";

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
}

export class KeyConfigError extends Error {}

/**
 * The keys this server signs and verifies with, looked up by `kid` only. Each key carries the
 * single algorithm it may be used with, which is how algorithm confusion is ruled out.
 */
export class KeyRing {
  private readonly byKid: ReadonlyMap<string, VerificationKey>;

  constructor(
    readonly signing: SigningKey,
    verification: readonly VerificationKey[],
  ) {
    this.byKid = new Map(verification.map((key) => [key.kid, key]));
  }

  find(kid: string): VerificationKey | undefined {
    return this.byKid.get(kid);
  }

  /** Public verification keys only: never HMAC secrets, never private parts. */
  jwks(): { keys: JsonWebKey[] } {
    const keys: JsonWebKey[] = [];
    for (const key of this.byKid.values()) {
      if (key.publicJwk)
        keys.push({ ...key.publicJwk, kid: key.kid, alg: key.algorithm, use: "sig" });
    }
    return { keys };
  }

  static fromConfig(jwt: AppConfig["jwt"]): KeyRing {
    const algorithm = jwt.algorithm;
    if (algorithm.startsWith("HS")) {
      if (!jwt.secret) throw new KeyConfigError(`${algorithm} needs JWT_SECRET`);
      const key = createSecretKey(jwt.secret);
      const kid = jwt.kid ?? hmacKid(jwt.secret);
      return new KeyRing({ kid, algorithm, key }, [{ kid, algorithm, key }]);
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
    return new KeyRing({ kid, algorithm, key: privateKey }, [
      { kid, algorithm, key: publicKey, publicJwk },
    ]);
  }
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
