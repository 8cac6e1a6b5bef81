import { BadUserInputError } from "../../../src/errors/app-errors";
import { parseId } from "../../../src/core/ids";

function refusal(id: string, field?: string) {
  try {
    parseId(id, field);
  } catch (error) {
    expect(error).toBeInstanceOf(BadUserInputError);
    const { message, extensions } = error as BadUserInputError;
    return { message, code: extensions.code, field: extensions.field };
  }
  throw new Error(`expected ${JSON.stringify(id)} to be refused`);
}

describe("parseId", () => {
  it("returns a lower-case UUID as it is", () => {
    expect(parseId("0f8fad5b-d9cb-469f-a165-70867728950e")).toBe(
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    );
  });

  it("lower-cases an upper-case UUID", () => {
    expect(parseId("0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe(
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    );
  });

  it.each([
    "",
    "42",
    "0f8fad5b-d9cb-469f-a165-70867728950",
    "0f8fad5b-d9cb-469f-a165-70867728950e0",
    "0f8fad5bd9cb469fa16570867728950e",
    "{0f8fad5b-d9cb-469f-a165-70867728950e}",
    " 0f8fad5b-d9cb-469f-a165-70867728950e",
    "0f8fad5b-d9cb-469f-a165-70867728950e\n",
    "0g8fad5b-d9cb-469f-a165-70867728950e",
    "' OR 1=1 --",
  ])("refuses %j with BAD_USER_INPUT", (id) => {
    expect(refusal(id)).toEqual({ message: "Invalid id.", code: "BAD_USER_INPUT", field: "id" });
  });

  it("names the field it was given", () => {
    expect(refusal("nope", "userId").field).toBe("userId");
  });
});
