import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { databaseKinds, type TestDatabase } from "../support/databases";
import { DEFAULT_PASSWORD, uniqueEmail } from "../support/factories";
import { PROJECT_ROOT } from "../support/processes";
import { launchBrowser, saveScreenshot } from "../e2e/support/browser";

/**
 * deploy/local-stack.sh as a person runs it: nginx (Debian's package) serving the example app's
 * build and proxying /graphql to two API instances on one MariaDB, TRUST_PROXY naming nginx.
 * Fails, never skips, without nginx or MySQL.
 */

const SCRIPT = join(PROJECT_ROOT, "deploy", "local-stack.sh");
const NGINX = process.env.NGINX ?? "/usr/sbin/nginx";

// Linux routes all of 127.0.0.0/8 to the loopback interface, so one machine has many addresses:
// nginx connects to the instances from PROXY_SOURCE (the one address TRUST_PROXY names), and
// each kind of client below comes from an address of its own, as if from another host.
const PROXY_SOURCE = "127.0.0.2";
const CLIENT = "127.0.0.3";
const GUESSER = "127.0.0.4";
const BYSTANDER = "127.0.0.5";
/** What a client claims in X-Forwarded-For: never to be believed. */
const FORGED = "203.0.113.7";
const LOGIN_LIMIT_PER_ADDRESS = 6;

/** The contract: a revocation made through one instance is honoured by all within this. */
const PROPAGATION_BOUND_MS = 1_000;

const REGISTER = `mutation ($email: String!, $password: String!) {
  register(input: { email: $email, password: $password }) { accessToken }
}`;
const LOGIN = `mutation ($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) { accessToken }
}`;
const REFRESH = "mutation { refresh { accessToken } }";
const ME = "{ me { email } }";
const LOGOUT = "mutation { logout }";

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

interface Call {
  readonly method?: "GET" | "POST";
  readonly path?: string;
  /** The local address the request leaves from. */
  readonly from?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** One HTTP request over a fresh connection from a chosen loopback address. */
function call(base: string, options: Call = {}): Promise<Reply> {
  const url = new URL(options.path ?? "/graphql", base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: options.method ?? (body ? "POST" : "GET"),
        localAddress: options.from ?? "127.0.0.1",
        agent: false,
        headers: {
          ...(body ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let json: Reply["json"] = {};
          try {
            json = JSON.parse(text) as Reply["json"];
          } catch {
            // Not JSON (the app's HTML, say): callers look at `text`.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const gql = (base: string, query: string, variables: object = {}, options: Call = {}) =>
  call(base, { ...options, body: { query, variables } });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** `name=value` of the refresh cookie a response sets, and its attributes. */
function refreshCookie(reply: Reply): { pair: string; attributes: string } {
  const cookie = (reply.headers["set-cookie"] ?? []).find((c) => c.startsWith("refresh_token="));
  if (!cookie) throw new Error(`no refresh cookie in ${JSON.stringify(reply.headers)}`);
  const [pair, ...attributes] = cookie.split(";").map((part) => part.trim());
  return { pair, attributes: attributes.join("; ") };
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

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

interface AuditLine {
  readonly audit?: boolean;
  readonly event?: string;
  readonly requestId?: string;
  readonly clientAddress?: string;
  readonly scope?: string;
}

describe("deploy/local-stack.sh: nginx in front of two instances on one MariaDB", () => {
  let database: TestDatabase;
  let stack: ChildProcess;
  let output = "";
  let exited: Promise<number | null>;
  let proxy: string;
  let proxyPort: number;
  let instances: Array<{ url: string; log: string }>;
  let runDir: string;

  /** Every JSON line the instances have logged so far. */
  function logLines(): AuditLine[] {
    return instances.flatMap(({ log }) =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as AuditLine),
    );
  }

  /** The audit line of `event` for the request `requestId`, once an instance has written it. */
  async function auditLine(event: string, requestId: string): Promise<AuditLine> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const line = logLines().find(
        (l) => l.audit === true && l.event === event && l.requestId === requestId,
      );
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no ${event} audit line for ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function signUp(from = CLIENT): Promise<{ token: string; cookie: string }> {
    const reply = await gql(
      proxy,
      REGISTER,
      { email: uniqueEmail("deploy"), password: DEFAULT_PASSWORD },
      { from },
    );
    expect(reply.json.errors).toBeUndefined();
    const token = (reply.json.data?.register as { accessToken: string }).accessToken;
    return { token, cookie: refreshCookie(reply).pair };
  }

  beforeAll(async () => {
    if (!existsSync(NGINX)) {
      throw new Error(
        `nginx is not installed at ${NGINX}: apt-get install nginx (or set NGINX). ` +
          "The deployment test fails rather than skips.",
      );
    }
    const mysql = databaseKinds().find((kind) => kind.name === "mysql");
    if (!mysql) {
      throw new Error(
        "TEST_MYSQL_URL is not set: the deployment runs two instances on one MySQL/MariaDB.",
      );
    }
    database = await mysql.create();
    proxyPort = await freePort();
    const apiPorts = [await freePort(), await freePort()];
    stack = spawn("bash", [SCRIPT], {
      cwd: PROJECT_ROOT,
      // Its own process group, so that a test that dies cannot leave nginx or node behind.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NGINX,
        DATABASE_URL: database.url,
        PROXY_PORT: String(proxyPort),
        API_PORTS: apiPorts.join(" "),
        PROXY_SOURCE,
        RATE_LIMIT_LOGIN_PER_ADDRESS: String(LOGIN_LIMIT_PER_ADDRESS),
        // Every success logged (the default samples 1%), so each request's line can be found.
        LOG_SAMPLE_RATE: "1",
      },
    });
    exited = new Promise((resolve) => stack.once("exit", (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/^nginx: config=/m.test(output)) resolve();
      };
      stack.stdout!.on("data", onData);
      stack.stderr!.on("data", onData);
      void exited.then((code) =>
        reject(new Error(`local-stack.sh exited with ${code}:\n${output}`)),
      );
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`local-stack.sh not ready:\n${output}`)),
          150_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    proxy = /^ready: (\S+)$/m.exec(output)![1];
    instances = [...output.matchAll(/^instance: (\S+) log=(\S+)$/gm)].map((m) => ({
      url: m[1],
      log: m[2],
    }));
    runDir = /^nginx: config=(\S+)\/nginx\.conf/m.exec(output)![1];
    expect(instances.map((i) => Number(new URL(i.url).port))).toEqual(apiPorts);
  }, 180_000);

  afterAll(async () => {
    if (stack && stack.exitCode === null && stack.signalCode === null) {
      process.kill(-stack.pid!, "SIGTERM");
      const killer = setTimeout(() => process.kill(-stack.pid!, "SIGKILL"), 20_000);
      await exited;
      clearTimeout(killer);
    }
    await database?.drop();
  }, 30_000);

  it("serves the example app's build: the page, its hashed assets for good, the favicon", async () => {
    const page = await call(proxy, { path: "/", from: CLIENT });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toContain('<div id="root"></div>');
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");

    const assets = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const path of assets) {
      const asset = await call(proxy, { path, from: CLIENT });
      expect([path, asset.status]).toEqual([path, 200]);
      expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    }
    const icon = await call(proxy, { path: "/favicon.svg", from: CLIENT });
    expect(icon.status).toBe(200);
    expect(icon.headers["content-type"]).toBe("image/svg+xml");

    // The app's screens are routes of the page itself.
    expect((await call(proxy, { path: "/sessions", from: CLIENT })).text).toBe(page.text);
    expect((await call(proxy, { path: "/readyz", from: CLIENT })).status).toBe(200);
  });

  it("signs in through the proxy and refreshes through the cookie, with the production cookie", async () => {
    const email = uniqueEmail("deploy");
    await gql(proxy, REGISTER, { email, password: DEFAULT_PASSWORD }, { from: CLIENT });
    const login = await gql(proxy, LOGIN, { email, password: DEFAULT_PASSWORD }, { from: CLIENT });
    expect(login.status).toBe(200);
    const token = (login.json.data?.login as { accessToken: string }).accessToken;
    const cookie = refreshCookie(login);
    expect(cookie.attributes).toMatch(/HttpOnly/);
    expect(cookie.attributes).toMatch(/Secure/);
    expect(cookie.attributes).toMatch(/SameSite=Strict/);
    expect(cookie.attributes).toMatch(/Path=\/graphql/);

    const me = await gql(proxy, ME, {}, { from: CLIENT, headers: bearer(token) });
    expect(me.json).toEqual({ data: { me: { email } } });

    // No argument, no bearer token: the cookie alone.
    const refreshed = await gql(
      proxy,
      REFRESH,
      {},
      { from: CLIENT, headers: { cookie: cookie.pair } },
    );
    expect(refreshed.json.errors).toBeUndefined();
    const renewed = (refreshed.json.data?.refresh as { accessToken: string }).accessToken;
    expect(renewed).not.toBe(token);
    expect(refreshCookie(refreshed).pair).not.toBe(cookie.pair);
    const again = await gql(proxy, ME, {}, { from: CLIENT, headers: bearer(renewed) });
    expect(again.json).toEqual({ data: { me: { email } } });
  });

  it("spreads requests over both instances, each request logged under nginx's request id", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const reply = await gql(proxy, "{ __typename }", {}, { from: CLIENT });
      expect(reply.json).toEqual({ data: { __typename: "Query" } });
      ids.push(String(reply.headers["x-request-id"]));
    }
    expect(new Set(ids).size).toBe(6);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const servedBy = instances.map(({ log }) => {
      const text = readFileSync(log, "utf8");
      return ids.filter((id) => text.includes(`"requestId":"${id}"`)).length;
    });
    expect(servedBy.reduce((a, b) => a + b, 0)).toBe(6);
    expect(servedBy.every((count) => count > 0)).toBe(true);
  });

  it("honours on the other instance, within a second, a logout made on one", async () => {
    const { token, cookie } = await signUp();
    const [a, b] = instances.map((i) => i.url);
    expect((await gql(b, ME, {}, { headers: bearer(token) })).status).toBe(200);

    const logout = await gql(a, LOGOUT, {}, { headers: bearer(token) });
    expect(logout.json).toEqual({ data: { logout: true } });
    const loggedOutAt = performance.now();
    let refusedAfter: number | undefined;
    while (performance.now() - loggedOutAt < 3_000) {
      if ((await gql(b, ME, {}, { headers: bearer(token) })).status === 401) {
        refusedAfter = performance.now() - loggedOutAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refusedAfter).toBeDefined();
    expect(refusedAfter).toBeLessThan(PROPAGATION_BOUND_MS);

    // Through the proxy, whichever instance answers: the token and the session's cookie are dead.
    for (let i = 0; i < 2; i += 1) {
      const me = await gql(proxy, ME, {}, { from: CLIENT, headers: bearer(token) });
      expect(me.status).toBe(401);
    }
    const refresh = await gql(proxy, REFRESH, {}, { from: CLIENT, headers: { cookie } });
    expect(refresh.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("counts and audits a client under the address nginx saw, whatever X-Forwarded-For it writes", async () => {
    const attempt = (base: string, from: string, requestId?: string) =>
      gql(
        base,
        LOGIN,
        { email: uniqueEmail("nobody"), password: "not the password at all" },
        {
          from,
          headers: {
            "x-forwarded-for": FORGED,
            ...(requestId ? { "x-request-id": requestId } : {}),
          },
        },
      );

    // Through the proxy: nginx replaces the header with the address it saw.
    const proxied = await attempt(proxy, CLIENT);
    expect(proxied.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const proxiedLine = await auditLine("login.failed", String(proxied.headers["x-request-id"]));
    expect(proxiedLine.clientAddress).toBe(CLIENT);

    // Straight to an instance, from outside the proxy: 127.0.0.1 is not the trusted proxy, so the
    // header is ignored, even when it names the proxy itself.
    for (const [index, { url }] of instances.entries()) {
      const requestId = `direct-${index}-${randomUUID()}`;
      const direct = await gql(
        url,
        LOGIN,
        { email: uniqueEmail("nobody"), password: "not the password at all" },
        { headers: { "x-forwarded-for": `${FORGED}, ${PROXY_SOURCE}`, "x-request-id": requestId } },
      );
      expect(direct.status).toBe(200);
      expect((await auditLine("login.failed", requestId)).clientAddress).toBe("127.0.0.1");
    }

    // A guesser cannot spread its attempts over made-up addresses: refused at the limit...
    for (let i = 0; i < LOGIN_LIMIT_PER_ADDRESS; i += 1) {
      const reply = await gql(
        proxy,
        LOGIN,
        { email: uniqueEmail("guess"), password: "not the password at all" },
        { from: GUESSER, headers: { "x-forwarded-for": `198.51.100.${i + 1}` } },
      );
      expect([i, reply.status]).toEqual([i, 200]);
    }
    const refused = await attempt(proxy, GUESSER);
    expect(refused.status).toBe(429);
    expect(refused.json.errors?.[0]?.extensions?.code).toBe("TOO_MANY_REQUESTS");
    const limited = await auditLine("rate_limited", String(refused.headers["x-request-id"]));
    expect(limited).toMatchObject({ clientAddress: GUESSER, scope: "address" });

    // ...while everyone else behind the same proxy is not: the proxy's own address is not shared.
    const bystander = await attempt(proxy, BYSTANDER);
    expect(bystander.status).toBe(200);
    expect(bystander.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    expect(logLines().some((line) => line.clientAddress === FORGED)).toBe(false);
  });

  it("runs the app in Chromium through nginx: its CSP breaks nothing, and the Secure cookie survives a reload", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(proxy);
      await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
      await page.getByRole("button", { name: "Create an account" }).click();
      await page.getByLabel("Email").fill(uniqueEmail("nginx"));
      await page.getByLabel("Password").fill(DEFAULT_PASSWORD);
      await page.getByRole("button", { name: "Sign up" }).click();
      await page.getByRole("heading", { name: "Your tasks" }).waitFor();
      await page.getByLabel("New task").fill("Served through nginx");
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.locator(".tasks li", { hasText: "Served through nginx" }).waitFor();
      await page.reload();
      await page.locator(".tasks li", { hasText: "Served through nginx" }).waitFor();
      await saveScreenshot(page, "deploy-nginx-tasks");
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("stops nginx and both instances on SIGTERM and removes its temporary directory", async () => {
    expect(existsSync(runDir)).toBe(true);
    process.kill(stack.pid!, "SIGTERM");
    expect(await exited).toBe(0);
    expect(existsSync(runDir)).toBe(false);
    expect(await accepting(proxyPort)).toBe(false);
    for (const { url } of instances) expect(await accepting(Number(new URL(url).port))).toBe(false);
  });
});
