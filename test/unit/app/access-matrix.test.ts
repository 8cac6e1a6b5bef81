import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isObjectType, print } from "graphql";
import { PUBLIC_OPERATIONS } from "../../../src/auth/auth.resolver";
import { buildAppSchema } from "../../../src/app/schema";
import { accessMatrix, enforcedRules, renderAccessMatrix } from "../../../src/app/access-matrix";
import { ruleDirectives } from "../../../src/authorization/requires";
import { rules } from "../../../src/authorization/rules";

const RULE_DIRECTIVES = new Set(["authenticated", "requiresScopes", "policy"]);

describe("docs/authorization.md", () => {
  it("is the matrix the code generates (run `npm run schema:print` after changing a rule)", async () => {
    const committed = readFileSync(
      join(__dirname, "..", "..", "..", "docs", "authorization.md"),
      "utf8",
    );
    expect(committed).toBe(await renderAccessMatrix());
  });

  it("has a row for every operation and for the User fields that carry private data", async () => {
    const coordinates = (await accessMatrix()).rows.map((row) => row.coordinate);
    for (const coordinate of [
      "Query.me",
      "Mutation.createTask",
      "Mutation.login",
      "User.email",
      "User.roles",
      "User.createdAt",
      "User.cursor",
      "User.tasks",
    ])
      expect(coordinates).toContain(coordinate);
  });
});

describe("the SDL and the enforcement", () => {
  it("agree on every field: its rule directives are those of the rule enforced there", async () => {
    const schema = await buildAppSchema();
    const enforced = await enforcedRules();
    const disagreements: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith("__")) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const printed = (field.astNode?.directives ?? [])
          .filter((directive) => RULE_DIRECTIVES.has(directive.name.value))
          .map((directive) => print(directive));
        const required = enforced.get(coordinate);
        const expected =
          required === undefined
            ? []
            : (required.length > 0 ? required : [rules.signedIn]).flatMap(ruleDirectives);
        if (JSON.stringify(printed) !== JSON.stringify(expected))
          disagreements.push(
            `${coordinate}: SDL ${printed.join(" ")}; enforced ${expected.join(" ")}`,
          );
      }
    }
    expect(disagreements).toEqual([]);
  });

  it("finds a rule on every operation outside PUBLIC_OPERATIONS", async () => {
    const schema = await buildAppSchema();
    const enforced = await enforcedRules();
    const roots = [schema.getQueryType(), schema.getMutationType()];
    const unguarded = roots
      .flatMap((root) => Object.keys(root?.getFields() ?? {}).map((name) => [root?.name, name]))
      .filter(([, name]) => !PUBLIC_OPERATIONS.includes(name ?? ""))
      .map(([root, name]) => `${root}.${name}`)
      .filter((coordinate) => enforced.get(coordinate) === undefined);
    expect(unguarded).toEqual([]);
    expect(roots.every((root) => root !== null && root !== undefined)).toBe(true);
  });
});
