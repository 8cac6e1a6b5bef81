import { BadUserInputError } from "../errors/app-errors";

/** Where an item sits in a list ordered by (createdAt, id): the keyset a page starts after. */
export interface Position {
  readonly createdAt: Date;
  readonly id: string;
}

const VERSION = "k1";
const ENCODED = /^[A-Za-z0-9_-]{1,80}$/;
/** 9999-12-31T23:59:59.999Z: MySQL's DATETIME ends there, and no row of ours is later. */
const LATEST_MILLIS = 253_402_300_799_999;
const DECODED = /^k1:(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * Opaque to clients (base64url), but not secret and not signed: a cursor only says where a list
 * resumes, and every list still applies the caller's permissions, so a forged one reaches nothing
 * a genuine one would not. The version prefix lets the format change without misreading old ones.
 */
export function encodeCursor(position: Position): string {
  return Buffer.from(`${VERSION}:${position.createdAt.getTime()}:${position.id}`, "utf8").toString(
    "base64url",
  );
}

/** Anything but a cursor this API wrote is BAD_USER_INPUT, never a database error. */
export function decodeCursor(cursor: string, field = "after"): Position {
  const match = ENCODED.test(cursor)
    ? DECODED.exec(Buffer.from(cursor, "base64url").toString("utf8"))
    : null;
  const millis = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(millis) || millis > LATEST_MILLIS) {
    throw new BadUserInputError("Invalid cursor.", field);
  }
  return { createdAt: new Date(millis), id: match[2] };
}
