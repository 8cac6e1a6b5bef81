import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  configurationTable,
  envExample,
  TABLE_BEGIN,
  TABLE_END,
} from "../../../src/config/documentation";
import { VARIABLES } from "../../../src/config/variables";

const ROOT = join(__dirname, "..", "..", "..");
/** docs/configuration.md, the page the README's table of contents links for configuration. */
function configurationSection(): string {
  const page = readFileSync(join(ROOT, "docs", "configuration.md"), "utf8");
  expect(page.startsWith("# Configuration\n")).toBe(true);
  return page;
}

describe(".env.example", () => {
  it("is the one the declarations give (run `npm run env:example` after changing them)", () => {
    expect(readFileSync(join(ROOT, ".env.example"), "utf8")).toBe(envExample());
  });

  it("lists every declared variable once, commented out, with its default", () => {
    const assignments = envExample()
      .split("\n")
      .filter((line) => /^#[A-Z_]+=/.test(line));
    expect(assignments).toEqual(
      Object.entries(VARIABLES).map(
        ([name, declaration]) => `#${name}=${"default" in declaration ? declaration.default : ""}`,
      ),
    );
  });
});

describe("the Configuration table of docs/configuration.md", () => {
  it("is the one the declarations give (run `npm run env:example` after changing them)", () => {
    const section = configurationSection();
    const begin = section.indexOf(TABLE_BEGIN);
    const end = section.indexOf(TABLE_END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    expect(section.slice(begin + TABLE_BEGIN.length, end).trim()).toBe(configurationTable());
  });

  it("names every declared variable, and only those", () => {
    const documented = configurationSection()
      .split("\n")
      .filter((line) => line.startsWith("|"))
      .flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([A-Z][A-Z0-9_]*)`/g)])
      .map((match) => match[1]);
    expect([...documented].sort()).toEqual(Object.keys(VARIABLES).sort());
  });
});
