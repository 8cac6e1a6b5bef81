import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const WEB_APP_DIR = join(__dirname, "..", "..", "..", "examples", "web");
const VITE = join(WEB_APP_DIR, "node_modules", "vite", "bin", "vite.js");

export interface RunningWebApp {
  readonly url: string;
  close(): Promise<void>;
}

function requireInstalled(): void {
  if (!existsSync(VITE)) {
    throw new Error(
      "examples/web has no node_modules: run `npm ci --prefix examples/web` before the e2e tests.",
    );
  }
}

/** Builds examples/web into its dist/ (production bundle, as `npm run build` makes it). */
export function buildWebApp(): void {
  requireInstalled();
  execFileSync(process.execPath, [VITE, "build", "--logLevel", "warn"], {
    cwd: WEB_APP_DIR,
    // Jest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: "production" },
    stdio: "inherit",
  });
}

/**
 * Serves the built app with `vite preview` on a free loopback port, proxying `/graphql` to the
 * API at `apiUrl` exactly as the README tells people to run it.
 */
export async function startWebApp(apiUrl: string): Promise<RunningWebApp> {
  requireInstalled();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [VITE, "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort"],
    {
      cwd: WEB_APP_DIR,
      env: { ...process.env, API_URL: apiUrl },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite preview exited:\n${output}`);
    const up = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`vite preview did not answer at ${url}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    close: async () => {
      if (child.exitCode === null) child.kill();
      await exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
