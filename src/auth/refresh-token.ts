import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../core/hash";

/**
 * Refresh tokens are `<session id>.<nonce>.<mac>`: 256 random bits of nonce, authenticated with
 * the session's own rotation key. The MAC tells a genuine but already used token (reuse: revoke
 * the session) from a forged one (refuse, nothing more). Successors are derived from the
 * presented token, so parallel requests within the grace period all get the same successor.
 */
export interface ParsedRefreshToken {
  readonly sessionId: string;
  readonly nonce: string;
  readonly mac: string;
}

const FORMAT = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

export function newRotationKey(): string {
  return randomBytes(32).toString("hex");
}

export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  const match = FORMAT.exec(token);
  return match ? { sessionId: match[1], nonce: match[2], mac: match[3] } : null;
}

function macOf(rotationKey: string, sessionId: string, nonce: string): string {
  return createHmac("sha256", Buffer.from(rotationKey, "hex"))
    .update(`refresh:${sessionId}.${nonce}`)
    .digest("base64url");
}

function tokenFrom(rotationKey: string, sessionId: string, nonce: string): string {
  return `${sessionId}.${nonce}.${macOf(rotationKey, sessionId, nonce)}`;
}

/** The first refresh token of a session. */
export function firstRefreshToken(rotationKey: string, sessionId: string): string {
  return tokenFrom(rotationKey, sessionId, randomBytes(32).toString("base64url"));
}

/** The one successor of a token: the same for every request that presents it. */
export function successorOf(rotationKey: string, token: ParsedRefreshToken): string {
  const nonce = createHmac("sha256", Buffer.from(rotationKey, "hex"))
    .update(`successor:${token.nonce}`)
    .digest("base64url");
  return tokenFrom(rotationKey, token.sessionId, nonce);
}

export function isAuthentic(rotationKey: string, token: ParsedRefreshToken): boolean {
  const expected = Buffer.from(macOf(rotationKey, token.sessionId, token.nonce));
  const given = Buffer.from(token.mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** What is stored: the SHA-256 of the token. 256 bits of entropy need no salt or slow hash. */
export function hashRefreshToken(token: string): string {
  return sha256Hex(token);
}
