import { isEmail } from "class-validator";
import { canonicalEmail } from "../core/email";
import { BadUserInputError } from "../errors/app-errors";

export const PASSWORD_MIN_LENGTH = 8;
/** argon2 copes with long input, but nobody needs more and it bounds the hashing work. */
export const PASSWORD_MAX_LENGTH = 128;
/**
 * A password presented to sign in (or to change it) longer than this, in UTF-16 units, is
 * refused before any hashing: far above the 256 units the longest acceptable password can take
 * (128 code points of at most two units each), so no real password is refused, while an
 * attacker's megabyte of input costs no argon2 work.
 */
export const PASSWORD_INPUT_MAX_UNITS = PASSWORD_MAX_LENGTH * 4;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254. */
export const EMAIL_MAX_LENGTH = 254;
const DISPLAY_NAME_MAX_LENGTH = 100;

/** The most common passwords of at least eight characters (NIST SP 800-63B asks for a blocklist). */
const COMMON_PASSWORDS = new Set([
  "password",
  "password1",
  "password123",
  "12345678",
  "123456789",
  "1234567890",
  "qwertyui",
  "qwerty123",
  "qwertyuiop",
  "11111111",
  "00000000",
  "iloveyou",
  "abcdefgh",
  "abc12345",
  "sunshine",
  "princess",
  "football",
  "baseball",
  "welcome1",
  "admin123",
  "letmein1",
  "passw0rd",
  "trustno1",
  "1q2w3e4r",
  "zaq12wsx",
  "changeme",
]);

export function normalizeEmail(email: string): string {
  const normalized = canonicalEmail(email);
  if (normalized.length > EMAIL_MAX_LENGTH || !isEmail(normalized, { require_tld: true })) {
    throw new BadUserInputError("Enter a valid email address.", "email");
  }
  return normalized;
}

export function assertAcceptablePassword(password: string, field = "password"): void {
  // Characters are code points (NIST SP 800-63B), not UTF-16 units: an emoji counts once.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(
      `The password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long.`,
      field,
    );
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase()) || new Set(password).size < 4) {
    throw new BadUserInputError("The password is too easy to guess.", field);
  }
}

export function normalizeDisplayName(displayName: string | null | undefined): string | null {
  const trimmed = displayName?.trim() ?? "";
  if (trimmed.length > DISPLAY_NAME_MAX_LENGTH) {
    throw new BadUserInputError(
      `The display name must be at most ${DISPLAY_NAME_MAX_LENGTH} characters.`,
      "displayName",
    );
  }
  return trimmed === "" ? null : trimmed;
}
