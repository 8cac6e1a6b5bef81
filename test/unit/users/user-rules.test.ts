import { BadUserInputError } from "../../../src/errors/app-errors";
import {
  assertAcceptablePassword,
  normalizeDisplayName,
  normalizeEmail,
} from "../../../src/users/user-rules";

/** Runs `act`, expecting a BadUserInputError, and returns its message, code and field. */
function badInput(act: () => unknown) {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(BadUserInputError);
    const { message, extensions } = error as BadUserInputError;
    return { message, code: extensions.code, field: extensions.field };
  }
  throw new Error("expected a BadUserInputError");
}

/** An address of exactly `length` characters that is otherwise valid. */
function emailOfLength(length: number): string {
  const local = "a".repeat(64);
  const domain = `${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(length - 197)}.com`;
  return `${local}@${domain}`;
}

describe("normalizeEmail", () => {
  it("trims and lower-cases an address", () => {
    expect(normalizeEmail("  Ann.Lee+tasks@Example.COM ")).toBe("ann.lee+tasks@example.com");
  });

  it.each([
    "",
    "ann",
    "ann@",
    "@example.com",
    "ann@localhost",
    "ann@example",
    "ann @example.com",
    "ann@@example.com",
  ])("refuses %j", (email) => {
    expect(badInput(() => normalizeEmail(email))).toEqual({
      message: "Enter a valid email address.",
      code: "BAD_USER_INPUT",
      field: "email",
    });
  });

  it("accepts 254 characters and refuses 255", () => {
    expect(emailOfLength(254)).toHaveLength(254);
    expect(normalizeEmail(emailOfLength(254))).toBe(emailOfLength(254));
    expect(badInput(() => normalizeEmail(emailOfLength(255))).message).toBe(
      "Enter a valid email address.",
    );
  });
});

describe("assertAcceptablePassword", () => {
  it("accepts 8 and 128 characters", () => {
    expect(() => assertAcceptablePassword("tr0ub4dor")).not.toThrow();
    expect(() => assertAcceptablePassword("Tr0u".repeat(32))).not.toThrow();
  });

  it.each([
    ["7 characters", "tr0ub4d"],
    ["129 characters", `${"Tr0u".repeat(32)}x`],
    ["nothing", ""],
  ])("refuses %s as the wrong length", (_name, password) => {
    expect(badInput(() => assertAcceptablePassword(password))).toEqual({
      message: "The password must be 8 to 128 characters long.",
      code: "BAD_USER_INPUT",
      field: "password",
    });
  });

  it.each(["password", "Password1", "QWERTY123", "12345678", "iloveyou", "changeme"])(
    "refuses the common password %j, whatever its case",
    (password) => {
      expect(badInput(() => assertAcceptablePassword(password))).toEqual({
        message: "The password is too easy to guess.",
        code: "BAD_USER_INPUT",
        field: "password",
      });
    },
  );

  it("refuses fewer than 4 distinct characters and accepts 4", () => {
    expect(badInput(() => assertAcceptablePassword("abcabcabcabc")).message).toBe(
      "The password is too easy to guess.",
    );
    expect(() => assertAcceptablePassword("abcdabcd")).not.toThrow();
  });

  // NIST SP 800-63B §5.1.1.2 counts each Unicode code point as one character; `length` counts
  // UTF-16 code units, so seven emoji (14 code units) pass as "8 to 128 characters".
  it("counts characters, not UTF-16 code units, against the minimum length", () => {
    const sevenCharacters = "🙂🙃😀😁🤔😎😇";
    expect([...sevenCharacters]).toHaveLength(7);
    expect(badInput(() => assertAcceptablePassword(sevenCharacters)).message).toBe(
      "The password must be 8 to 128 characters long.",
    );
  });

  it("names the field it was given", () => {
    expect(badInput(() => assertAcceptablePassword("short", "newPassword")).field).toBe(
      "newPassword",
    );
  });

  it("never echoes the password", () => {
    expect(badInput(() => assertAcceptablePassword("hunter2")).message).not.toContain("hunter2");
  });
});

describe("normalizeDisplayName", () => {
  it.each([null, undefined, "", "   "])("turns %j into no display name", (name) => {
    expect(normalizeDisplayName(name)).toBeNull();
  });

  it("trims a display name", () => {
    expect(normalizeDisplayName("  Ann Lee ")).toBe("Ann Lee");
  });

  it("accepts 100 characters and refuses 101", () => {
    expect(normalizeDisplayName("n".repeat(100))).toBe("n".repeat(100));
    expect(badInput(() => normalizeDisplayName("n".repeat(101)))).toEqual({
      message: "The display name must be at most 100 characters.",
      code: "BAD_USER_INPUT",
      field: "displayName",
    });
  });

  it("measures the length after trimming", () => {
    expect(normalizeDisplayName(`  ${"n".repeat(100)}  `)).toBe("n".repeat(100));
  });
});
