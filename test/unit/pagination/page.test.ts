import { decodeCursor, encodeCursor } from "../../../src/pagination/cursor";
import { toPage } from "../../../src/pagination/page";
import { BadUserInputError } from "../../../src/errors/app-errors";

const position = {
  createdAt: new Date("2030-01-01T00:00:00.123Z"),
  id: "0f8fad5b-d9cb-469f-a165-70867728950e",
};
const limits = { defaultSize: 100, maxSize: 500 };

function refusal(run: () => unknown): BadUserInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadUserInputError) return error;
    throw error;
  }
  throw new Error("nothing was refused");
}

describe("cursors", () => {
  it("round-trip a position to the millisecond", () => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    ["empty", ""],
    ["not base64url", "!!!"],
    ["random text", "garbage"],
    ["another version", Buffer.from(`k2:1:${position.id}`).toString("base64url")],
    ["a non-numeric time", Buffer.from(`k1:soon:${position.id}`).toString("base64url")],
    ["a malformed id", Buffer.from("k1:1:not-a-uuid").toString("base64url")],
    ["an upper-case id", Buffer.from(`k1:1:${position.id.toUpperCase()}`).toString("base64url")],
    [
      "a time past any date",
      Buffer.from(`k1:999999999999999:${position.id}`).toString("base64url"),
    ],
    ["trailing bytes", Buffer.from(`k1:1:${position.id}x`).toString("base64url")],
    ["too long", "A".repeat(81)],
  ])("refuse %s as BAD_USER_INPUT on `after`", (_name, cursor) => {
    const error = refusal(() => decodeCursor(cursor));
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    expect(error.message).toBe("Invalid cursor.");
  });
});

describe("toPage", () => {
  it("gives the default page without first, and first otherwise", () => {
    expect(toPage({}, limits)).toMatchObject({ size: 100, after: undefined });
    expect(toPage({ first: null, after: null }, limits).size).toBe(100);
    expect(toPage({ first: 0 }, limits).size).toBe(0);
    expect(toPage({ first: 500 }, limits).size).toBe(500);
    expect(toPage({ first: 7, after: encodeCursor(position) }, limits)).toMatchObject({
      size: 7,
      after: position,
    });
  });

  it.each([[-1], [501], [1.5], [Number.MAX_SAFE_INTEGER]])("refuses first: %p", (first) => {
    expect(refusal(() => toPage({ first }, limits)).extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "first",
    });
  });

  it("keys equal pages equally and different pages differently", () => {
    const after = encodeCursor(position);
    expect(toPage({ first: 3, after }, limits).key).toBe(toPage({ first: 3, after }, limits).key);
    expect(toPage({}, limits).key).toBe(toPage({ first: 100 }, limits).key);
    expect(toPage({ first: 3 }, limits).key).not.toBe(toPage({ first: 3, after }, limits).key);
    expect(toPage({ first: 3 }, limits).key).not.toBe(toPage({ first: 4 }, limits).key);
  });
});
