import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, getOperationAST, Kind, parse, type GraphQLSchema } from "graphql";
import { estimateCost } from "../../../src/request-limits/cost";
import * as documents from "../../support/documents";

const root = join(__dirname, "../../..");
/** The committed schema file: the estimate reads the same directives a client tool would. */
const schema = buildSchema(readFileSync(join(root, "schema.graphql"), "utf8"));
const options = { defaultListSize: 100, maxListSize: 500 };

function cost(
  source: string,
  variables: Record<string, unknown> = {},
  on: GraphQLSchema = schema,
  operationName?: string,
) {
  const document = parse(source);
  const operation = getOperationAST(document, operationName);
  if (!operation) throw new Error("no operation");
  return estimateCost(on, document, operation, variables, options);
}

/** What a client of this API sends: the shared test documents, the example app's, the playground's. */
function clientDocuments(): Array<[string, string]> {
  const operations = readFileSync(join(root, "examples/web/src/graphql/operations.ts"), "utf8");
  const example = [...operations.matchAll(/gql`([^`]*)`/g)].map((match) => match[1]);
  const playground = /const DEFAULT_QUERY = `([^`]*)`/.exec(
    readFileSync(join(root, "src/playground/browser/playground.js"), "utf8"),
  );
  if (example.length < 10 || !playground) throw new Error("client documents not found");
  return [
    ...Object.entries(documents),
    ...example.map((source, index): [string, string] => [`examples/web #${index}`, source]),
    ["playground default", playground[1]],
  ];
}

describe("estimateCost", () => {
  it("counts objects 1 and scalars 0, as Apollo Router does", () => {
    expect(cost("{ me { id email roles } }").cost).toBe(1);
    expect(cost("{ me { id } task(id: 1) { id owner { id } } }").cost).toBe(3);
  });

  it("multiplies a list by the default page without first, by first with it", () => {
    expect(cost("{ tasks { id } }").cost).toBe(100);
    expect(cost("{ allTasks { id title owner { id displayName } } }").cost).toBe(200);
    expect(cost("{ allTasks(first: 500) { id title owner { id displayName } } }").cost).toBe(1000);
    expect(cost("{ allTasks(first: 0) { id owner { id } } }").cost).toBe(0);
    expect(cost("{ users(first: 10) { id tasks(first: 5) { id } } }").cost).toBe(10 * (1 + 5));
  });

  it("costs the issue's nested document at a million", () => {
    const issue = "{ me { tasks { id owner { id tasks { id owner { id tasks { id } } } } } } }";
    expect(cost(issue).cost).toBe(1 + 100 * (1 + 1 + 100 * (1 + 1 + 100)));
  });

  it("reads first from variables, and says so", () => {
    const source = "query($n: Int) { me { tasks(first: $n) { owner { id } } } }";
    expect(cost(source, { n: 7 })).toEqual({ cost: 1 + 7 * 2, readVariables: true });
    expect(cost(source, {}).cost).toBe(1 + 100 * 2);
    expect(cost("{ me { tasks(first: 7) { id } } }").readVariables).toBe(false);
  });

  it("counts a page beyond the maximum, or not a whole number, as the maximum page", () => {
    expect(cost("{ tasks(first: 1000000) { id } }").cost).toBe(500);
    expect(cost("query($n: Int) { tasks(first: $n) { id } }", { n: "lots" }).cost).toBe(500);
    expect(cost("query($n: Int) { tasks(first: $n) { id } }", { n: 2.5 }).cost).toBe(500);
    expect(cost("{ tasks(first: -5) { id } }").cost).toBe(0);
  });

  it("uses assumedSize for lists that are not paged", () => {
    expect(cost("{ sessions { id current } }").cost).toBe(20);
  });

  it("adds 10 for a mutation, the field's @cost, and 1 per input object", () => {
    expect(cost(documents.CREATE_TASK, { title: "x" }).cost).toBe(10 + 1 + 1 + 1);
    // register: mutation 10, @cost(weight: 10), the RegisterInput 1, its user 1.
    expect(cost(documents.REGISTER, { input: { email: "a", password: "b" } }).cost).toBe(22);
  });

  it("leaves out fields that @skip or @include drop", () => {
    expect(cost("{ me { id } tasks @skip(if: true) { id } }").cost).toBe(1);
    expect(cost("{ me { id } tasks @include(if: false) { id } }").cost).toBe(1);
    const variable = "query($no: Boolean!) { me { id } tasks @include(if: $no) { id } }";
    expect(cost(variable, { no: false })).toEqual({ cost: 1, readVariables: true });
    expect(cost(variable, { no: true }).cost).toBe(101);
  });

  it("counts fragments and inline fragments as the fields they stand for", () => {
    expect(
      cost(
        "{ me { ...F ... on User { tasks(first: 2) { id } } } } fragment F on User { tasks { id } }",
      ).cost,
    ).toBe(1 + 100 + 2);
  });

  it("costs each fragment once however often it is spread, so a fragment bomb is cheap to cost", () => {
    const levels = 40;
    let source = "{ me { ...F0 } }\n";
    for (let i = 0; i < levels; i++) {
      source += `fragment F${i} on User { tasks(first: 1) { id } ...F${i + 1} ...F${i + 1} }\n`;
    }
    source += `fragment F${levels} on User { id }`;
    const started = performance.now();
    const estimate = cost(source);
    expect(performance.now() - started).toBeLessThan(1000);
    // Each level doubles the tasks lists below it: 2^40 - 1 of them, plus me.
    expect(estimate.cost).toBe(1 + (2 ** levels - 1));
  });

  it("passes a list's size to the fields @listSize names in sizedFields", () => {
    const connections = buildSchema(`
      directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
      directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
      type Query {
        items(first: Int, last: Int): Connection @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"], requireOneSlicingArgument: false)
        strict(first: Int): [Item] @listSize(slicingArguments: ["first"])
        heavy: Heavy
      }
      type Connection { edges: [Edge] total: Int }
      type Edge { node: Item }
      type Item { id: ID }
      type Heavy @cost(weight: 50) { id: ID }
    `);
    expect(cost("{ items(first: 7) { edges { node { id } } } }", {}, connections).cost).toBe(
      1 + 7 * (1 + 1),
    );
    expect(
      cost("{ items(first: 2, last: 9) { edges { node { id } } } }", {}, connections).cost,
    ).toBe(1 + 9 * 2);
    // requireOneSlicingArgument (true by default) unmet: counted as the largest page.
    expect(cost("{ strict { id } }", {}, connections).cost).toBe(500);
    expect(cost("{ heavy { id } }", {}, connections).cost).toBe(50);
  });

  it.each(clientDocuments())("keeps %s far under the default limit of 5000", (_name, source) => {
    const document = parse(source);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const estimate = estimateCost(schema, document, definition, {}, options);
      expect(estimate.cost).toBeLessThanOrEqual(200);
    }
  });
});
