import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";

export type Json = Record<string, unknown>;

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function decodeToken(token: string): { header: Json; payload: Json } {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString()) as Json,
    payload: JSON.parse(Buffer.from(payload, "base64url").toString()) as Json,
  };
}

/** Signs header.payload with HMAC under the given secret; `alg` picks the hash (HS256/384/512). */
export function signHmac(
  header: Json,
  payload: Json,
  secret: string | Buffer,
  alg = String(header.alg),
): string {
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${signInput(input, secret, /^HS(256|384|512)$/.test(alg) ? alg : "HS256")}`;
}

export function unsigned(header: Json, payload: Json, signature = ""): string {
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

/**
 * Re-signs a genuine token with the server's own secret after changing its header or claims,
 * so that the forged token fails exactly one check. `undefined` values remove a member.
 */
export function tamper(
  genuine: string,
  secret: string,
  changes: { header?: Json; payload?: Json },
): string {
  const { header, payload } = decodeToken(genuine);
  const newHeader = strip({ ...header, ...changes.header });
  const newPayload = strip({ ...payload, ...changes.payload });
  // Sign with what the header claims (when it is an HMAC alg), so only the named change is wrong.
  const alg =
    typeof newHeader.alg === "string" && /^HS(256|384|512)$/.test(newHeader.alg)
      ? newHeader.alg
      : "HS256";
  return signHmac(newHeader, newPayload, secret, alg);
}

function strip(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

const SIGNERS: Record<string, { hash: string; options?: Record<string, unknown> }> = {
  RS256: { hash: "sha256" },
  RS384: { hash: "sha384" },
  RS512: { hash: "sha512" },
  PS256: { hash: "sha256", options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  PS384: { hash: "sha384", options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 } },
  ES256: { hash: "sha256", options: { dsaEncoding: "ieee-p1363" } },
  ES384: { hash: "sha384", options: { dsaEncoding: "ieee-p1363" } },
  ES512: { hash: "sha512", options: { dsaEncoding: "ieee-p1363" } },
};

/**
 * Signs header.payload with a private key under the JWS algorithm `alg`, whatever the header
 * claims, written with node:crypto alone so that forgeries do not depend on the library under test.
 */
export function signAsymmetric(
  header: Json,
  payload: Json,
  privateKey: KeyObject,
  alg = String(header.alg),
): string {
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${signInput(input, privateKey, alg)}`;
}

/** The base64url JWS signature of an already encoded `header.payload` under `alg`. */
export function signInput(input: string, key: KeyObject | string | Buffer, alg: string): string {
  const hmac = /^HS(256|384|512)$/.exec(alg);
  if (hmac) return createHmac(`sha${hmac[1]}`, key).update(input).digest("base64url");
  const signer = SIGNERS[alg];
  if (!signer) throw new Error(`no signer for ${alg}`);
  const signature = sign(signer.hash, Buffer.from(input), {
    key,
    ...signer.options,
  } as Parameters<typeof sign>[2]);
  return signature.toString("base64url");
}

export interface PemKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A fresh RSA 2048 or P-256 key pair, as objects and as the PEM text the server is configured with. */
export function keyPair(kind: "rsa" | "ec"): PemKeyPair {
  const { privateKey, publicKey } =
    kind === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}
