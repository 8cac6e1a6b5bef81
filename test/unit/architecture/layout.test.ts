import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/**
 * The shape the code base keeps: the shared core imports no feature, no two top-level folders of
 * src/ import each other both ways (type-only imports count: they are dependencies of the design
 * if not of the running code), and no file grows past what one reading holds.
 */
const SRC = resolve(__dirname, "..", "..", "..", "src");
const MAX_LINES = 350;
/** Folders every other may import, which import none of the features. */
const SHARED = ["core", "errors", "logging"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** `core` for src/core/clock.ts, `main.ts` for a file directly under src/. */
function topLevelOf(file: string): string {
  return relative(SRC, file).split(sep)[0];
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((match) => resolve(dirname(file), match[1]));
}

const files = sourceFiles(SRC);
const edges = new Map<string, Set<string>>();
for (const file of files) {
  const from = topLevelOf(file);
  for (const target of importsOf(file)) {
    if (!target.startsWith(SRC + sep)) continue;
    const to = topLevelOf(target.endsWith(".ts") ? target : `${target}.ts`);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
}

describe("the layout of src/", () => {
  it("has no two top-level folders that import each other", () => {
    const bothWays: string[] = [];
    for (const [from, targets] of edges) {
      for (const to of targets) {
        if (from < to && edges.get(to)?.has(from)) bothWays.push(`${from} <-> ${to}`);
      }
    }
    expect(bothWays).toEqual([]);
  });

  it("keeps the shared core free of features", () => {
    const reachedFromShared = SHARED.flatMap((folder) =>
      [...(edges.get(folder) ?? [])]
        .filter((to) => !SHARED.includes(to))
        .map((to) => `${folder} -> ${to}`),
    );
    expect(reachedFromShared).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({
        file: relative(SRC, file),
        lines: readFileSync(file, "utf8").split("\n").length,
      }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("is seen whole by this test (it would pass on nothing)", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.get("auth")?.has("users")).toBe(true);
  });
});
