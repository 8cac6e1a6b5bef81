import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cleanEnv,
  PROJECT_ROOT,
  run,
  type ServerProcess,
  startServerProcess,
} from "../support/processes";

/** The ```sh blocks of the README's "## Quick start", in order, exactly as written. */
function quickStartBlocks(): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Quick start\n");
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/\n```sh\n([\s\S]*?)\n```/g)].map((match) => match[1]);
}

describe("the README's quick start", () => {
  // The user:add block goes through npm, which runs the (up-to-date) build first.
  jest.setTimeout(120_000);

  let cwd: string;
  let env: Record<string, string>;
  let server: ServerProcess;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), "gql-jwt-quick-start-"));
    env = {
      DATABASE_URL: `sqlite:${join(cwd, "app.sqlite")}`,
      DATA_DIR: join(cwd, "data"),
      JWT_SECRET: randomUUID() + randomUUID(),
    };
    server = await startServerProcess(cwd, cleanEnv(env));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("has blocks to run, with nothing left to fill in by hand", () => {
    const blocks = quickStartBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) expect(block).not.toMatch(/\.\.\.|<[a-z ]+>|TODO/);
  });

  it("runs verbatim, one block after another in one shell, against a fresh server", async () => {
    const port = new URL(server.url).port;
    const script = ["set -euo pipefail", ...quickStartBlocks()].join("\n");
    const result = await run("bash", ["-c", script], {
      cwd: PROJECT_ROOT,
      env: cleanEnv({ ...env, PORT: port }),
      timeoutMs: 110_000,
    });
    expect(result.output).not.toContain('"errors"');
    expect(result.code).toBe(0);
    expect(result.output).toMatch(
      /\{"data":\{"register":\{"user":\{"id":"[^"]+","roles":\["USER"\]\}\}\}\}/,
    );
    expect(result.output).toContain('{"data":{"me":{"email":"ada@example.com","roles":["USER"]}}}');
    expect(result.output).toContain("admin@example.com");
    expect(result.output).toContain('{"data":{"logout":true}}');
    expect(result.output.trimEnd().endsWith("401")).toBe(true);
  });
});
