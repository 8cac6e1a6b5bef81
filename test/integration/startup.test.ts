import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cleanEnv,
  MAIN_JS,
  run,
  type ServerProcess,
  startServerProcess,
} from "../support/processes";

const STRONG_SECRET = "Zq7-vR2pLm9xW4tK8sN3bH6yJ1cF5dG0aE-Ux_Oi";

/** Waits (at most 10 s) until the server has printed `text`. */
async function printed(server: ServerProcess, text: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!server.output().includes(text) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server.output();
}

/** Exactly one line on the output, no stack trace, and exit code 1. */
async function failsWithOneLine(cwd: string, env: Record<string, string>): Promise<string> {
  const result = await run(process.execPath, [MAIN_JS], { cwd, env: cleanEnv(env) });
  expect(result.code).toBe(1);
  expect(result.output).not.toMatch(/\n\s+at /);
  expect(result.output.trimEnd().split("\n")).toHaveLength(1);
  return result.output.trimEnd();
}

describe("start-up", () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "gql-jwt-startup-"));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it("says in one line that the port is taken, and exits 1", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      expect(await failsWithOneLine(cwd, { PORT: String(port), JWT_SECRET: STRONG_SECRET })).toBe(
        `Port ${port} is already in use: stop the other server or set PORT`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("says in one line that the database cannot be opened, naming the file", async () => {
    const file = join(cwd, "not-a-database.sqlite");
    writeFileSync(file, "hello, I am a text file\n");
    const line = await failsWithOneLine(cwd, { PORT: "0", DATABASE_URL: `sqlite:${file}` });
    expect(line).toBe(
      `Cannot open the database SQLite file ${file}: file is not a database (SQLITE_NOTADB). Check DATABASE_URL.`,
    );
  });

  it("names a MySQL database by host and name, never by its password", async () => {
    const line = await failsWithOneLine(cwd, {
      PORT: "0",
      DATABASE_URL: "mysql://app:hunter2-secret@127.0.0.1:1/app",
    });
    expect(line).toMatch(/^Cannot open the database MySQL at 127\.0\.0\.1:1, database app: /);
    expect(line).not.toContain("hunter2");
  });

  it("reports a bad key and every other bad variable in one line", async () => {
    const line = await failsWithOneLine(cwd, {
      PORT: "http",
      JWT_ALG: "RS256",
      JWT_PRIVATE_KEY: join(cwd, "missing.pem"),
    });
    expect(line).toMatch(/^Invalid configuration: /);
    for (const name of ["PORT", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY"]) expect(line).toContain(name);
  });

  it("prints a summary and pretty logs in development", async () => {
    const server = await startServerProcess(cwd, cleanEnv({ LOG_FORMAT: "" }));
    try {
      // The summary follows the "listening" line the start waited for.
      const output = await printed(server, "Ctrl-C");
      expect(output).toContain(`API         ${server.url}/graphql`);
      expect(output).toContain(`Playground  ${server.url}/graphql (open it in a browser)`);
      expect(output).toContain(`Database    SQLite file ${join(cwd, "data", "app.sqlite")}`);
      expect(output).toContain(
        `Tokens      HS256, development secret generated in ${join(cwd, "data", "jwt-secret")}`,
      );
      expect(output).toMatch(/INFO.*: GraphQL API listening/);
      expect(output).not.toContain('"level":');
    } finally {
      await server.stop();
    }
    const again = await startServerProcess(cwd, cleanEnv({ LOG_FORMAT: "" }));
    try {
      expect(await printed(again, "Ctrl-C")).toContain(
        `development secret kept in ${join(cwd, "data")}`,
      );
    } finally {
      await again.stop();
    }
  });

  it("writes JSON lines and no summary in production", async () => {
    const server = await startServerProcess(
      cwd,
      cleanEnv({ NODE_ENV: "production", JWT_SECRET: STRONG_SECRET, LOG_FORMAT: "" }),
    );
    try {
      const lines = server.output().trimEnd().split("\n");
      expect(lines.map((line) => JSON.parse(line) as unknown)).toContainEqual(
        expect.objectContaining({ msg: "GraphQL API listening", level: 30 }),
      );
      expect(server.output()).not.toContain("Playground");
    } finally {
      await server.stop();
    }
  });

  it("logs an unhandled rejection at error level and goes on serving", async () => {
    const preload = join(cwd, "reject.js");
    writeFileSync(
      preload,
      // Once the server is up (well after its logger exists).
      'setTimeout(() => void Promise.reject(new Error("a forgotten promise")), 2000).unref();\n',
    );
    const server = await startServerProcess(
      cwd,
      cleanEnv({ JWT_SECRET: STRONG_SECRET, NODE_OPTIONS: `--require ${preload}` }),
    );
    try {
      await printed(server, "a forgotten promise");
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const logged = server
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map(
          (line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } },
        );
      expect(logged).toContainEqual(
        expect.objectContaining({
          level: 50,
          msg: "unhandled promise rejection (the server goes on)",
          err: expect.objectContaining({ message: "a forgotten promise" }),
        }),
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("logs an uncaught exception and exits 1", async () => {
    const preload = join(cwd, "throw.js");
    writeFileSync(
      preload,
      'setTimeout(() => { throw new Error("a broken invariant"); }, 1500).unref();\n',
    );
    const result = await run(process.execPath, [MAIN_JS], {
      cwd,
      env: cleanEnv({
        PORT: "0",
        JWT_SECRET: STRONG_SECRET,
        LOG_FORMAT: "json",
        NODE_OPTIONS: `--require ${preload}`,
      }),
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('"level":60');
    expect(result.output).toContain("a broken invariant");
  });
});
