import type { Browser, BrowserContext, Page, Request, WebSocket } from "playwright-core";
import { databaseKinds } from "../support/databases";
import { registerUser, uniqueEmail, type SignedInUser } from "../support/factories";
import { startTestServer, type TestServer } from "../support/test-server";
import { launchBrowser, saveScreenshot } from "./support/browser";

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) {
    accessToken
    user { email }
  }
}`;
const ME = "query Me { me { email roles } }";
const LOGOUT = "mutation Logout { logout }";
const TASK_EVENTS = "subscription TaskEvents { taskEvents { kind task { title } } }";
/** Aliased, and with no argument: the refresh token comes from its HttpOnly cookie. */
const REFRESH = "mutation Renew { renewed: refresh { jwt: accessToken } }";

const QUERY_EDITOR = ".graphiql-query-editor";
/** The Headers tab's editor, once shown (the hidden Variables editor shares its container). */
const HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const LOCAL_SCHEMES = new Set(["data:", "blob:", "about:"]);

/** The playground exercises the browser and the API's HTTP surface, not the database: SQLite. */
const [sqlite] = databaseKinds();

describe("GraphiQL playground in Chromium", () => {
  let server: TestServer;
  let user: SignedInUser;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const farRequests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startTestServer(sqlite);
    user = await registerUser(server, { email: uniqueEmail("ada"), displayName: "Ada" });
    context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    page = await context.newPage();
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (!LOCAL_SCHEMES.has(url.protocol) && !LOOPBACK.has(url.hostname)) {
        farRequests.push(request.url());
      }
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // Chromium reports every CSP violation on the console.
      if (message.type() === "error" && message.text().includes("Content Security Policy")) {
        problems.push(message.text());
      }
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it("logs in with the mutation given in the URL and keeps the access token", async () => {
    const variables = JSON.stringify({ email: user.email, password: user.password }, null, 2);
    await page.goto(
      `${server.url}/graphql?query=${encodeURIComponent(LOGIN)}` +
        `&variables=${encodeURIComponent(variables)}`,
    );
    await page.locator(".graphiql-execute-button").waitFor();
    await waitForText(page, QUERY_EDITOR, "login(input:");

    const request = await run(page, "Login", () => page.click(".graphiql-execute-button"));
    expect(request.headers().authorization).toBeUndefined();
    await waitForText(page, ".graphiql-response", '"accessToken"');
    await waitForText(page, "[data-testid=token-status]", "Authorization: Bearer …");
    await saveScreenshot(page, "playground-login");
  });

  it("runs me, typed into the editor, with the remembered token as Authorization", async () => {
    await replaceEditorText(page, QUERY_EDITOR, ME);
    const request = await run(page, "Me", () => page.keyboard.press("Control+Enter"));

    expect(request.headers().authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    await waitForText(page, ".graphiql-response", '"me": {');
    await waitForText(page, ".graphiql-response", user.email);
    await saveScreenshot(page, "playground-me");
  });

  it("lets an Authorization header typed in the Headers tab win over the remembered token", async () => {
    await page.getByText("Headers", { exact: true }).click();
    await replaceEditorText(page, HEADERS_EDITOR, '{"Authorization": "Bearer not.a.jwt"}');
    const overridden = await run(page, "Me", () => page.click(".graphiql-execute-button"));
    expect(overridden.headers().authorization).toBe("Bearer not.a.jwt");
    await waitForText(page, ".graphiql-response", "UNAUTHENTICATED");

    // A refusal of the person's own header does not make the playground forget its token.
    await replaceEditorText(page, HEADERS_EDITOR, "");
    const restored = await run(page, "Me", () => page.click(".graphiql-execute-button"));
    expect(restored.headers().authorization).toMatch(/^Bearer /);
    await waitForText(page, ".graphiql-response", '"me": {');
  });

  it("takes the next token from refresh (aliased, by the refresh cookie) and sends it", async () => {
    const before = (await run(page, "Me", () => page.click(".graphiql-execute-button"))).headers()
      .authorization;

    await replaceEditorText(page, QUERY_EDITOR, REFRESH);
    const renewal = await runForResponse(page, "Renew", () =>
      page.click(".graphiql-execute-button"),
    );
    const body = (await renewal.json()) as { data?: { renewed?: { jwt?: string } } };
    const renewed = body.data?.renewed?.jwt;
    expect(renewed).toEqual(expect.any(String));

    await replaceEditorText(page, QUERY_EDITOR, ME);
    const request = await run(page, "Me", () => page.click(".graphiql-execute-button"));
    expect(request.headers().authorization).toBe(`Bearer ${renewed}`);
    expect(request.headers().authorization).not.toBe(before);
    await waitForText(page, ".graphiql-response", user.email);
  });

  it("forgets the token after logout", async () => {
    await replaceEditorText(page, QUERY_EDITOR, LOGOUT);
    await run(page, "Logout", () => page.click(".graphiql-execute-button"));
    await waitForText(page, ".graphiql-response", '"logout": true');
    await waitForText(page, "[data-testid=token-status]", "No access token");

    await replaceEditorText(page, QUERY_EDITOR, ME);
    const request = await run(page, "Me", () => page.click(".graphiql-execute-button"));
    expect(request.headers().authorization).toBeUndefined();
    await waitForText(page, ".graphiql-response", "UNAUTHENTICATED");
  });

  it("forgets a token the API refuses, here one whose session ended elsewhere", async () => {
    await replaceEditorText(page, QUERY_EDITOR, LOGIN);
    await run(page, "Login", () => page.click(".graphiql-execute-button"));
    await replaceEditorText(page, QUERY_EDITOR, ME);
    const signedIn = await run(page, "Me", () => page.click(".graphiql-execute-button"));
    const token = signedIn.headers().authorization?.replace(/^Bearer /, "");
    expect(token).toEqual(expect.any(String));

    // The same person ends that session from another client.
    const logout = await server.gql<{ logout: boolean }>(LOGOUT, {}, { token });
    expect(logout.body.data?.logout).toBe(true);

    const refused = await runForResponse(page, "Me", () => page.click(".graphiql-execute-button"));
    expect(refused.status()).toBe(401);
    await waitForText(page, "[data-testid=token-status]", "No access token");
    const next = await run(page, "Me", () => page.click(".graphiql-execute-button"));
    expect(next.headers().authorization).toBeUndefined();
  });

  it("runs a subscription over graphql-ws with the kept token in connection_init, not in the URL", async () => {
    await replaceEditorText(page, QUERY_EDITOR, LOGIN);
    await run(page, "Login", () => page.click(".graphiql-execute-button"));
    // Listened to from the socket's first moment: its first frames go out at once.
    const sent: string[] = [];
    const socket = new Promise<WebSocket>((resolve) =>
      page.once("websocket", (ws) => {
        ws.on("framesent", ({ payload }) => sent.push(String(payload)));
        resolve(ws);
      }),
    );
    await replaceEditorText(page, QUERY_EDITOR, TASK_EVENTS);
    await page.click(".graphiql-execute-button");
    const ws = await socket;
    await waitUntil(() => sent.some((frame) => frame.includes('"subscribe"')));
    expect(new URL(ws.url()).search).toBe("");
    expect(JSON.parse(sent[0])).toEqual({
      type: "connection_init",
      payload: { authorization: expect.stringMatching(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/) },
    });

    const created = await server.gql(
      'mutation { createTask(input: { title: "Seen live in the playground" }) { id } }',
      {},
      { token: user.accessToken },
    );
    expect(created.body.errors).toBeUndefined();
    await waitForText(page, ".graphiql-response", '"kind": "CREATED"');
    await waitForText(page, ".graphiql-response", "Seen live in the playground");
    await saveScreenshot(page, "playground-subscription");
    // The run button stops a running subscription; the socket closes with it.
    const closed = ws.waitForEvent("close");
    await page.click(".graphiql-execute-button");
    await closed;
  });

  it("loaded everything from the API itself and broke no CSP rule", () => {
    expect(farRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});

// Short enough to wait out in a test; no clock tolerance, so "expired" means refused.
const ACCESS_TOKEN_TTL_MS = 3_000;
const HH_MM_SS = /\d\d:\d\d:\d\d/;

interface SeenExchange {
  readonly operation: string | undefined;
  readonly authorization: string | undefined;
  readonly status: number;
}

describe("GraphiQL playground on a fresh database, with a 3-second access token", () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  // Every GraphQL exchange of the page, in the order the responses came back.
  const seen: SeenExchange[] = [];
  const problems: string[] = [];
  const exchangesAfter = (mark: number) => seen.slice(mark);

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startTestServer(sqlite, {
      env: { ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL_MS / 1000}s`, JWT_CLOCK_TOLERANCE: "0s" },
    });
    context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    page = await context.newPage();
    page.on("response", (response) => {
      const request = response.request();
      if (request.method() !== "POST" || new URL(request.url()).pathname !== "/graphql") return;
      const body = JSON.parse(request.postData() ?? "{}") as { operationName?: string };
      seen.push({
        operation: body.operationName,
        authorization: request.headers().authorization,
        status: response.status(),
      });
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it("signs up from the default document, as its first comment says, and keeps the token", async () => {
    await page.goto(`${server.url}/graphql`);
    await page.locator(".graphiql-execute-button").waitFor();
    await waitForText(page, QUERY_EDITOR, "mutation Register(");
    await waitForText(page, ".graphiql-editor-tool", "ada@example.com");
    await waitForText(page, TOKEN_STATUS, "No access token yet");

    // Several operations: the run button asks which.
    await page.click(".graphiql-execute-button");
    const register = await runForResponse(page, "Register", () =>
      page.getByRole("menuitem", { name: "Register", exact: true }).click(),
    );
    expect(register.request().headers().authorization).toBeUndefined();
    expect(register.status()).toBe(200);
    await waitForText(page, ".graphiql-response", '"accessToken"');
    await waitForText(page, ".graphiql-response", "ada@example.com");
    await waitForState(page, "valid");
    expect(await tokenStatus(page)).toMatch(
      new RegExp(`from register, valid until ${HH_MM_SS.source}`),
    );
    await saveScreenshot(page, "playground-register");
  });

  it("runs Me with the kept token, and Login without it", async () => {
    const me = await runAtCursor(page, "query Me {", "Me");
    expect(me.request().headers().authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    await waitForText(page, ".graphiql-response", '"me": {');

    const login = await runAtCursor(page, "mutation Login(", "Login");
    expect(login.request().headers().authorization).toBeUndefined();
    expect(login.status()).toBe(200);
    await waitForText(page, ".graphiql-response", '"login": {');
    await waitForText(page, TOKEN_STATUS, "from login, valid until");
  });

  it("says when the token has expired, then renews it once from the refresh cookie and retries", async () => {
    await waitForState(page, "expired", ACCESS_TOKEN_TTL_MS + 5_000);
    expect(await tokenStatus(page)).toMatch(new RegExp(`expired at ${HH_MM_SS.source}`));
    await saveScreenshot(page, "playground-expired");

    const mark = seen.length;
    await runAtCursor(page, "query Me {", "Me");
    await waitForText(page, ".graphiql-response", '"me": {');
    await waitForState(page, "refreshed");
    const exchanges = exchangesAfter(mark);
    // Refused with the expired token, one renewal by the cookie alone, the same query again.
    expect(exchanges.map((e) => [e.operation, e.status])).toEqual([
      ["Me", 401],
      ["PlaygroundRenew", 200],
      ["Me", 200],
    ]);
    const [refused, renewal, retried] = exchanges;
    expect(refused.authorization).toMatch(/^Bearer /);
    expect(renewal.authorization).toBeUndefined();
    expect(retried.authorization).toMatch(/^Bearer /);
    expect(retried.authorization).not.toBe(refused.authorization);
    expect(await tokenStatus(page)).toMatch(
      new RegExp(`renewed from the refresh cookie at ${HH_MM_SS.source}, valid until`),
    );
    await saveScreenshot(page, "playground-refreshed");

    // The renewed token is the one sent next.
    const next = await runAtCursor(page, "query Me {", "Me");
    expect(next.request().headers().authorization).toBe(retried.authorization);
  });

  it("signs in again once the token has expired, without sending the stale token", async () => {
    await waitForState(page, "expired", ACCESS_TOKEN_TTL_MS + 5_000);
    const mark = seen.length;
    const login = await runAtCursor(page, "mutation Login(", "Login");
    expect(login.request().headers().authorization).toBeUndefined();
    await waitForText(page, ".graphiql-response", '"login": {');
    await waitForState(page, "valid");
    expect(exchangesAfter(mark).map((e) => [e.operation, e.status])).toEqual([["Login", 200]]);
  });

  it("signs out: Logout forgets the token, and the next Me goes without one", async () => {
    await runAtCursor(page, "mutation Logout {", "Logout");
    await waitForText(page, ".graphiql-response", '"logout": true');
    await waitForState(page, "none");
    await waitForText(page, TOKEN_STATUS, "Logout ended the session");

    const me = await runAtCursor(page, "query Me {", "Me");
    expect(me.request().headers().authorization).toBeUndefined();
    await waitForText(page, ".graphiql-response", "UNAUTHENTICATED");
    await saveScreenshot(page, "playground-signed-out");

    // The session is over on the API too: its refresh cookie renews nothing.
    const renew = await runAtCursor(page, "mutation Refresh {", "Refresh");
    expect(renew.request().headers().authorization).toBeUndefined();
    await waitForText(page, ".graphiql-response", "UNAUTHENTICATED");
    expect(problems).toEqual([]);
  });
});

const TOKEN_STATUS = "[data-testid=token-status]";

async function tokenStatus(page: Page): Promise<string> {
  return (await page.locator(TOKEN_STATUS).textContent()) ?? "";
}

/** Waits for the footer to show the token state (none, valid, expired, refreshed). */
async function waitForState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.locator(`${TOKEN_STATUS}[data-state="${state}"]`).waitFor({ timeout });
}

/**
 * Runs the operation whose first line holds `line` as a person would: cursor into it, Ctrl-Enter.
 * Returns the first response to it (a retry after a renewal comes later).
 */
async function runAtCursor(page: Page, line: string, operationName: string) {
  await page.locator(`${QUERY_EDITOR} .CodeMirror-line`, { hasText: line }).first().click();
  // Off the editor, so no type tooltip covers it in a screenshot.
  await page.mouse.move(1, 1);
  return runForResponse(page, operationName, () => page.keyboard.press("Control+Enter"));
}

/** Runs an operation by the given action and returns its request, once its response is in. */
async function run(page: Page, operationName: string, action: () => Promise<void>) {
  return (await runForResponse(page, operationName, action)).request();
}

async function runForResponse(page: Page, operationName: string, action: () => Promise<void>) {
  const isIt = (request: Request) =>
    request.method() === "POST" &&
    new URL(request.url()).pathname === "/graphql" &&
    (JSON.parse(request.postData() ?? "{}") as { operationName?: string }).operationName ===
      operationName;
  const [response] = await Promise.all([
    page.waitForResponse((response) => isIt(response.request())),
    action(),
  ]);
  return response;
}

/** Types into a CodeMirror editor as a person would, replacing its text. */
async function replaceEditorText(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(`${editor} .CodeMirror`).click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Backspace");
  // insertText, not type: CodeMirror would close every bracket typed key by key a second time.
  if (text) await page.keyboard.insertText(text);
  // GraphiQL re-reads the operation name 100 ms (debounced) after the last edit; a run before
  // that would send the previous operation's name.
  await page.waitForTimeout(300);
}

async function waitUntil(condition: () => boolean, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let shown = "";
  while (Date.now() < deadline) {
    shown = (await page.locator(selector).first().textContent()) ?? "";
    if (shown.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`"${text}" did not appear in ${selector}, which shows: ${shown.slice(0, 800)}`);
}
