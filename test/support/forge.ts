import { createHmac } from "node:crypto";

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
  const hash = { HS256: "sha256", HS384: "sha384", HS512: "sha512" }[alg] ?? "sha256";
  const signature = createHmac(hash, secret).update(input).digest("base64url");
  return `${input}.${signature}`;
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
