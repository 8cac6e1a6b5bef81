import { buildSchema, execute, parse } from "graphql";
import { selectedFieldNames } from "../../../src/graphql/selection";

const schema = buildSchema(`
  type Item { a: Int, b: Int, c: Int, child: Item }
  type Query { items: [Item] }
`);

/** The names selectedFieldNames gives `items` in the document. */
async function namesSelected(document: string): Promise<string[]> {
  let seen: ReadonlySet<string> | undefined;
  const result = await execute({
    schema,
    document: parse(document),
    rootValue: {
      items: (
        _args: unknown,
        _context: unknown,
        info: Parameters<typeof selectedFieldNames>[0],
      ) => {
        seen = selectedFieldNames(info);
        return [];
      },
    },
  });
  expect(result.errors).toBeUndefined();
  if (!seen) throw new Error("items did not resolve");
  return [...seen].sort();
}

describe("selectedFieldNames", () => {
  it("names the fields directly under the field, not those of nested objects", async () => {
    expect(await namesSelected("{ items { a child { b } } }")).toEqual(["a", "child"]);
  });

  it("reads through fragment spreads and inline fragments", async () => {
    expect(
      await namesSelected(
        "query { items { ...F ... on Item { c } } } fragment F on Item { a ...G } fragment G on Item { b }",
      ),
    ).toEqual(["a", "b", "c"]);
  });

  it("joins every node of a field that the document names twice", async () => {
    expect(await namesSelected("{ items { a } items { b } }")).toEqual(["a", "b"]);
  });

  it("still names fields that @skip or @include may leave out", async () => {
    expect(await namesSelected("{ items { a @skip(if: true) b @include(if: false) } }")).toEqual([
      "a",
      "b",
    ]);
  });

  it("names __typename like any other field", async () => {
    expect(await namesSelected("{ items { __typename } }")).toEqual(["__typename"]);
  });
});
