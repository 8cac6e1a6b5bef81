import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildSchema,
  getIntrospectionQuery,
  parse,
  specifiedRules,
  validate,
  type GraphQLError,
} from "graphql";
import { loadConfig } from "../../../src/config/config";
import { limitRules, parseOptions } from "../../../src/request-limits/document-limits";
import * as documents from "../../support/documents";

const schema = buildSchema(readFileSync(join(__dirname, "../../../schema.graphql"), "utf8"));
const defaults = loadConfig({
  JWT_SECRET: "Zq7-vR2pLm9xW4tK8sN3bH6yJ1cF5dG0aE-Ux_Oi",
}).graphqlLimits;

function errorsOf(source: string, limits = defaults): readonly GraphQLError[] {
  const document = parse(source, parseOptions(limits));
  return validate(schema, document, [...specifiedRules, ...limitRules(limits)]);
}

describe("limitRules with the default limits", () => {
  it.each(Object.entries(documents))("accept the shared document %s", (_name, source) => {
    expect(errorsOf(source)).toEqual([]);
  });

  it.each([
    ["graphql-js", getIntrospectionQuery()],
    ["GraphiQL 3", getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true })],
    [
      "every option",
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    ],
  ])("accept the %s introspection query", (_name, source) => {
    expect(errorsOf(source)).toEqual([]);
  });

  it("report a refusal as a validation error instead of throwing out of validate", () => {
    const errors = errorsOf("{ a: me { id } b: me { id } }", { ...defaults, maxAliases: 1 });
    expect(errors.map((error) => error.message)).toEqual(["Aliases limit of 1 exceeded, found 2."]);
  });

  it("count depth through fragments", () => {
    const errors = errorsOf(
      "{ me { ...T } } fragment T on User { tasks { owner { tasks { id } } } }",
      { ...defaults, maxDepth: 4 },
    );
    expect(errors.map((error) => error.message)).toEqual([
      "Query depth limit of 4 exceeded, found 5.",
    ]);
  });
});
