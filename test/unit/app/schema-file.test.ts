import { readFileSync } from "node:fs";
import { join } from "node:path";
import { printSchemaFile } from "../../../src/app/schema-file";

describe("schema.graphql", () => {
  it("is the schema the code builds (run `npm run schema:print` after changing the API)", async () => {
    const committed = readFileSync(join(__dirname, "..", "..", "..", "schema.graphql"), "utf8");
    expect(committed).toBe(await printSchemaFile());
  });

  it("names the contract's types and its DateTime scalar", async () => {
    const printed = await printSchemaFile();
    for (const name of [
      "enum Role",
      "type User",
      "type Task",
      "type AuthPayload",
      "scalar DateTime",
    ]) {
      expect(printed).toContain(name);
    }
    expect(printed).not.toContain("DateTimeISO");
    expect(printed).not.toMatch(/passwordHash|refreshTokenHash/);
  });
});
