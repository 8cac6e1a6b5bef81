import { parse } from "graphql";
import { maxRepeatsFound } from "../../../src/request-limits/field-repeats";
import * as documents from "../../support/documents";

const found = (source: string, max = 3) => maxRepeatsFound(parse(source), max);

describe("maxRepeatsFound", () => {
  it.each(Object.entries(documents))("finds nothing in the shared document %s", (_name, source) => {
    expect(found(source, 1)).toBeUndefined();
  });

  it("allows a name as often as the limit, not once more", () => {
    expect(found("{ me { id id id } }")).toBeUndefined();
    expect(found("{ me { id id id id } }")).toBe("id");
  });

  it("counts by response name, so aliases of one field do not add up, and one alias does", () => {
    expect(found("{ a: me { id } b: me { id } c: me { id } d: me { id } }")).toBeUndefined();
    expect(found("{ a: me { id } a: me { id } a: me { id } a: me { id } }")).toBe("a");
  });

  it("merges inline fragments and fragment spreads into the level they are spread at", () => {
    expect(
      found(
        "{ me { tasks { id } ... on User { tasks { id } } ...F ...G } } " +
          "fragment F on User { tasks { id } } fragment G on User { tasks { id } }",
      ),
    ).toBe("tasks");
    // The same fragment spread again adds nothing new to compare.
    expect(found("{ me { ...F ...F ...F ...F } } fragment F on User { id }")).toBeUndefined();
  });

  it("looks into nested selection sets and fragments, and survives fragment cycles", () => {
    expect(found("{ me { tasks { owner { id id id id } } } }")).toBe("id");
    expect(
      found("{ me { ...A } } fragment A on User { tasks { owner { ...A } } }"),
    ).toBeUndefined();
  });
});
