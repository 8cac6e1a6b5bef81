import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const HOST = "127.0.0.1";
/** Enough of the child's output to explain a failed start without holding all of it. */
const OUTPUT_TAIL_CHARS = 16_384;
const READY_POLL_MILLIS = 100;
const STOP_GRACE_MILLIS = 5_000;

/** A port nobody listens on right now; the child binds it a moment later. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, "listening");
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port assigned");
  return address.port;
}

/**
 * The environment of a measured server: a production build with logs at warn, and rate limits
 * high enough never to refuse the load's logins (all from one address and a few accounts), so
 * they are still counted and paid for. No developer `.env` leaks in: only PATH is inherited.
 */
export function benchServerEnv(databaseUrl: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    JWT_SECRET: randomBytes(48).toString("base64url"),
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: HOST,
    LOG_LEVEL: "warn",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "9999999",
    RATE_LIMIT_LOGIN_PER_ADDRESS: "9999999",
    RATE_LIMIT_REFRESH_PER_SESSION: "9999999",
    RATE_LIMIT_REFRESH_PER_ADDRESS: "9999999",
  };
  if (process.env.UV_THREADPOOL_SIZE) env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE;
  return env;
}

export interface ServerLaunch {
  readonly mainScript: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  /** Node options before the script, such as `--trace-gc`. */
  readonly nodeArgs?: readonly string[];
  /** Everything the child prints, as it comes. */
  readonly onOutput?: (chunk: string) => void;
}

/** The API server as a child process: started at construction, stopped by `stop`. */
export class ServerProcess {
  readonly url: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private tail = "";
  private exitedYet = false;

  constructor(launch: ServerLaunch) {
    this.url = `http://${HOST}:${launch.port}`;
    this.child = spawn(process.execPath, [...(launch.nodeArgs ?? []), launch.mainScript], {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      this.tail = (this.tail + text).slice(-OUTPUT_TAIL_CHARS);
      launch.onOutput?.(text);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      const done = () => {
        this.exitedYet = true;
        resolve();
      };
      this.child.once("exit", done);
      // A spawn failure emits only "error", never "exit".
      this.child.once("error", (error) => {
        keep(Buffer.from(`spawn failed: ${error.message}\n`));
        done();
      });
    });
  }

  get running(): boolean {
    return !this.exitedYet;
  }

  /** The child's resident set size (VmRSS in /proc, so Linux only); undefined where unknown. */
  residentBytes(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return undefined;
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * CPU time the child has used, user and system, in milliseconds (/proc, so Linux only; in
   * clock ticks of 10 ms, USER_HZ being 100 on Linux); undefined where unknown.
   */
  cpuMillis(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return undefined;
    try {
      // The command name, field 2, may hold spaces: count the fields after its closing ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
      return Number.isFinite(ticks) ? ticks * 10 : undefined;
    } catch {
      return undefined;
    }
  }

  /** The last lines the server printed, for error reports. */
  output(): string {
    return this.tail;
  }

  /** Polls /readyz until it answers 200; fails if the child exits or the time runs out. */
  async waitUntilReady(timeoutMillis: number): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error("the server exited before it became ready");
      try {
        const response = await fetch(`${this.url}/readyz`, {
          signal: AbortSignal.timeout(Math.min(2_000, Math.max(1, deadline - Date.now()))),
        });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(READY_POLL_MILLIS);
    }
    throw new Error(`the server was not ready within ${timeoutMillis} ms`);
  }

  /** SIGTERM lets the server drain; SIGKILL follows if it does not exit in time. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    if (await this.exitsWithin(STOP_GRACE_MILLIS)) return;
    this.child.kill("SIGKILL");
    await this.exitsWithin(STOP_GRACE_MILLIS);
  }

  /** For process "exit" handlers, which cannot wait. */
  killNow(): void {
    if (this.running) this.child.kill("SIGKILL");
  }

  private async exitsWithin(millis: number): Promise<boolean> {
    const timer = sleep(millis, false, { ref: false });
    return Promise.race([this.exited.then(() => true), timer]);
  }
}
