import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  algorithm,
  KID_RULE,
  kid,
  type ParseContext,
  type Parser,
  type SigningAlgorithm,
} from "./parsers";

/**
 * A verification-only key kept after a rotation so that tokens it signed stay valid until they
 * expire. HMAC entries carry `secret`; asymmetric ones carry `publicKeyPem` (public half only).
 */
export interface PreviousKeyConfig {
  readonly algorithm: SigningAlgorithm;
  readonly kid?: string;
  readonly secret?: Buffer;
  readonly publicKeyPem?: string;
  /** Epoch seconds after which the key verifies nothing and leaves the JWKS. */
  readonly notAfter?: number;
}

export const MIN_SECRET_BYTES = 32;

/** A reason the HMAC secret is too weak to sign with, or undefined when it is acceptable. */
export function secretWeakness(secret: Buffer): string | undefined {
  if (secret.length < MIN_SECRET_BYTES) return `it must be at least ${MIN_SECRET_BYTES} bytes`;
  if (new Set(secret).size < 10) return "it repeats too few distinct characters";
  return undefined;
}

/**
 * An HMAC secret as its UTF-8 bytes. A weak one is reported (never echoed) but still returned,
 * so that the keys built from it are checked too and every problem shows in one message.
 */
export const hmacSecret: Parser<Buffer> = {
  accepts: `at least ${MIN_SECRET_BYTES} bytes, not repetitive`,
  parse(value, { name, problems }) {
    const secret = Buffer.from(value, "utf8");
    const weakness = secretWeakness(secret);
    if (weakness) problems.push(`${name} is too weak: ${weakness}`);
    return secret;
  },
};

/** PEM text (a `.env` file holds it with `\n` escapes) or the path of a PEM file. */
export const pem: Parser<string> = {
  parse(value, { name, cwd, problems }) {
    if (value.includes("-----BEGIN")) return value.replace(/\\n/g, "\n");
    try {
      return readFileSync(resolve(cwd, value), "utf8");
    } catch {
      problems.push(`${name} is neither PEM text nor a readable PEM file`);
      return undefined;
    }
  },
};

/**
 * JWT_PREVIOUS_KEYS: a JSON array (or the path of a JSON file holding one) of
 * `{ "alg", "key" | "secret", "kid"?, "notAfter"? }`. `key` is PEM text or a PEM file path;
 * a private key is accepted but only its public half is kept. Without `kid`, the kid is derived
 * exactly as it was when the key signed, so a rotation needs nothing but moving the old key here.
 */
export const previousKeys: Parser<PreviousKeyConfig[]> = {
  parse(value, context) {
    const { name, cwd, problems } = context;
    let json = value;
    if (!value.startsWith("[")) {
      try {
        json = readFileSync(resolve(cwd, value), "utf8");
      } catch {
        problems.push(`${name} must be a JSON array or the path of a readable JSON file`);
        return undefined;
      }
    }
    let entries: unknown;
    try {
      entries = JSON.parse(json);
    } catch {
      problems.push(`${name} is not valid JSON`);
      return undefined;
    }
    if (!Array.isArray(entries)) {
      problems.push(`${name} must be a JSON array of keys`);
      return undefined;
    }
    const keys: PreviousKeyConfig[] = [];
    entries.forEach((entry: unknown, index) => {
      const key = previousKey(entry, { ...context, name: `${name}[${index}]` });
      if (key) keys.push(key);
    });
    return keys;
  },
};

/** One entry of JWT_PREVIOUS_KEYS, named `where` in its problems; undefined when it has any. */
function previousKey(entry: unknown, context: ParseContext): PreviousKeyConfig | undefined {
  const { name: where, problems } = context;
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
    problems.push(`${where} must be an object like {"alg":"RS256","key":"./old-public.pem"}`);
    return undefined;
  }
  const {
    alg: algValue,
    key,
    secret,
    kid: id,
    notAfter,
    ...unknown
  } = entry as Record<string, unknown>;
  const before = problems.length;
  const extra = Object.keys(unknown);
  if (extra.length > 0) problems.push(`${where} has unknown members: ${extra.join(", ")}`);
  const named = (member: string): ParseContext => ({ ...context, name: `${where}.${member}` });
  const alg = typeof algValue === "string" ? algorithm.parse(algValue, named("alg")) : undefined;
  if (typeof algValue !== "string") problems.push(`${where}.alg is required`);
  if (id !== undefined) {
    if (typeof id === "string") kid.parse(id, named("kid"));
    else problems.push(`${where}.kid ${KID_RULE}`);
  }
  let notAfterSeconds: number | undefined;
  if (notAfter !== undefined) {
    const time = typeof notAfter === "string" ? Date.parse(notAfter) : NaN;
    if (Number.isNaN(time)) problems.push(`${where}.notAfter must be an ISO 8601 date-time`);
    else notAfterSeconds = Math.floor(time / 1000);
  }
  let secretBytes: Buffer | undefined;
  let publicKeyPem: string | undefined;
  if (alg?.startsWith("HS")) {
    if (typeof secret !== "string" || key !== undefined) {
      problems.push(`${where} needs "secret" (and no "key") for ${alg}`);
    } else {
      secretBytes = hmacSecret.parse(secret, named("secret"));
    }
  } else if (alg) {
    if (typeof key !== "string" || secret !== undefined) {
      problems.push(`${where} needs "key" (and no "secret") for ${alg}`);
    } else {
      publicKeyPem = pem.parse(key, named("key"));
    }
  }
  if (problems.length > before || !alg) return undefined;
  return {
    algorithm: alg,
    ...(typeof id === "string" ? { kid: id } : {}),
    ...(secretBytes ? { secret: secretBytes } : {}),
    ...(publicKeyPem ? { publicKeyPem } : {}),
    ...(notAfterSeconds !== undefined ? { notAfter: notAfterSeconds } : {}),
  };
}
