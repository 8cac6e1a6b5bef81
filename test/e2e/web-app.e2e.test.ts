import type { Browser, BrowserContext, Page } from "playwright-core";
import { Role } from "../../src/core/role";
import { databaseKinds } from "../support/databases";
import {
  DEFAULT_PASSWORD,
  login,
  registerUser,
  testOrigin,
  uniqueEmail,
} from "../support/factories";
import { TcpProxy } from "../support/tcp-proxy";
import { startTestServer, errorCode, type TestServer } from "../support/test-server";
import { launchBrowser, saveScreenshot } from "./support/browser";
import { buildWebApp, startWebApp, type RunningWebApp } from "./support/web-app";
import { sleep } from "../support/time";

// Short enough to wait out in a test; no clock tolerance, so "expired" means expired.
const ACCESS_TOKEN_TTL_MS = 3_000;

// In-page code (page.evaluate, waitForFunction) is passed as strings: it runs in the browser, and
// this project compiles without the DOM library.

interface GraphQLRequest {
  readonly operation: string;
  readonly authorization: string | undefined;
}

/** Every GraphQL request the page sends and every status it gets back, by operation name. */
function watchGraphQL(page: Page) {
  const requests: GraphQLRequest[] = [];
  const statuses: Array<{ operation: string; status: number }> = [];
  const operationOf = (body: { operationName?: string; query?: string }) =>
    body.operationName ?? /^\s*(?:query|mutation)\s+(\w+)/.exec(body.query ?? "")?.[1] ?? "?";
  page.on("request", (request) => {
    if (!request.url().endsWith("/graphql") || request.method() !== "POST") return;
    const body = request.postDataJSON() as { operationName?: string; query?: string };
    requests.push({
      operation: operationOf(body),
      authorization: request.headers().authorization,
    });
  });
  page.on("response", (response) => {
    const request = response.request();
    if (!request.url().endsWith("/graphql") || request.method() !== "POST") return;
    statuses.push({ operation: operationOf(request.postDataJSON()), status: response.status() });
  });
  return {
    requests,
    statuses,
    count: (operation: string) => requests.filter((r) => r.operation === operation).length,
    lastAuthorization: () => [...requests].reverse().find((r) => r.authorization)?.authorization,
  };
}

// For the tests that pin down the HTTP link's refresh on 401: the page's live socket would get
// there first (it is closed with 4401 at the token's `exp`, or when the session is revoked, and
// renews the token or ends the session at once), so these pages get a WebSocket that never
// connects. What the socket does is tested in live-tasks.e2e.test.ts.
const WITHOUT_LIVE_SOCKET = `
  window.WebSocket = class {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;
    readyState = 0;
    send() {}
    close() {}
    addEventListener() {}
    removeEventListener() {}
  };
`;

const heading = (page: Page, name: string) => page.getByRole("heading", { name, exact: true });

async function signIn(page: Page, email: string, password = DEFAULT_PASSWORD): Promise<void> {
  await heading(page, "Sign in").waitFor();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await heading(page, "Your tasks").waitFor();
}

async function addTask(page: Page, title: string): Promise<void> {
  await page.getByLabel("New task").fill(title);
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.locator(".tasks li", { hasText: title }).waitFor();
}

// Once for the file: every database kind's API is served the same build.
beforeAll(() => buildWebApp());

describe.each(databaseKinds())("example web app in Chromium ($name)", (kind) => {
  let server: TestServer;
  let web: RunningWebApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const email = uniqueEmail("web");

  // Every query any page sends, so that each test can prove none asked for the refresh token.
  let sentQueries: string[] = [];
  // Uncaught exceptions and unhandled rejections in any page.
  let pageErrors: string[] = [];

  async function newPage(options: { live?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    if (options.live === false) await context.addInitScript(WITHOUT_LIVE_SOCKET);
    contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("request", (request) => {
      if (request.url().endsWith("/graphql") && request.method() === "POST")
        sentQueries.push((request.postDataJSON() as { query: string }).query);
    });
    await page.goto(web.url);
    return page;
  }

  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: { ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL_MS / 1000}s`, JWT_CLOCK_TOLERANCE: "0s" },
    });
    web = await startWebApp(server.url);
    browser = await launchBrowser();
  });

  beforeEach(() => {
    sentQueries = [];
    pageErrors = [];
  });

  afterEach(() => {
    // The refresh token lives in its HttpOnly cookie only: the app never selects the field.
    expect(sentQueries.length).toBeGreaterThan(0);
    expect(sentQueries.filter((query) => query.includes("refreshToken"))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await web?.close();
    await server?.close();
  });

  it("signs up, keeps working past the access token's lifetime with one refresh, survives a reload, and signs out", async () => {
    const page = await newPage({ live: false });
    const graphql = watchGraphQL(page);

    await heading(page, "Sign in").waitFor();
    await saveScreenshot(page, "web-sign-in");
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Display name (optional)").fill("Ada");
    await page.getByLabel("Password").fill(DEFAULT_PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await heading(page, "Your tasks").waitFor();

    for (const title of ["Buy milk", "Write the report", "Call the plumber"]) {
      await addTask(page, title);
    }

    // Past the access token's lifetime, three changes at once: three 401s, one refresh, three
    // retries with the new token, and no trip to the sign-in form.
    await sleep(ACCESS_TOKEN_TTL_MS + 500);
    const refreshesBefore = graphql.count("RefreshSession");
    await page.evaluate(`document.querySelectorAll(".tasks input[type=checkbox]")
      .forEach((box) => box.click())`);
    await page.waitForFunction(`document.querySelectorAll(".tasks li.done").length === 3`);
    expect(graphql.count("RefreshSession") - refreshesBefore).toBe(1);
    const setDone = graphql.statuses.filter((s) => s.operation === "SetTaskDone");
    expect(setDone.map((s) => s.status).sort()).toEqual([200, 200, 200, 401, 401, 401]);

    // And once more for a single change: adding a task after the new token has expired too.
    await sleep(ACCESS_TOKEN_TTL_MS + 500);
    await addTask(page, "Book the dentist");
    expect(graphql.count("RefreshSession") - refreshesBefore).toBe(2);

    // Delete, then Undo: the task comes back as it was (done), on the API too.
    const buyMilk = page.locator(".tasks li", { hasText: "Buy milk" });
    await buyMilk.getByRole("button", { name: "Delete Buy milk" }).click();
    await buyMilk.waitFor({ state: "detached" });
    const toast = page.getByRole("status").filter({ hasText: "Deleted" });
    await toast.waitFor();
    expect(await toast.textContent()).toContain("Deleted “Buy milk”.");
    await saveScreenshot(page, "web-undo-delete");
    await toast.getByRole("button", { name: "Undo" }).click();
    await page.locator(".tasks li.done", { hasText: "Buy milk" }).waitFor();
    await toast.waitFor({ state: "detached" });
    const pageToken = () => graphql.lastAuthorization()!.replace(/^Bearer /, "");
    const restored = await server.gql<{ tasks: Array<{ title: string; done: boolean }> }>(
      "{ tasks { title done } }",
      {},
      { token: pageToken() },
    );
    expect(restored.body.data?.tasks).toContainEqual({ title: "Buy milk", done: true });

    // Deleted for good when nobody undoes it.
    await buyMilk.getByRole("button", { name: "Delete Buy milk" }).click();
    await buyMilk.waitFor({ state: "detached" });
    expect(await page.locator(".tasks li").count()).toBe(3);
    await saveScreenshot(page, "web-tasks");

    // Nothing but memory holds the access token; the refresh token never reaches script at all.
    const storage = await page.evaluate(
      "({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })",
    );
    expect(storage).toEqual({ local: 0, session: 0, cookie: "" });
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({
      name: "refresh_token",
      httpOnly: true,
      sameSite: "Strict",
      path: "/graphql",
    });

    // A reload forgets the access token; the cookie brings the session back.
    const refreshesBeforeReload = graphql.count("RefreshSession");
    await page.reload();
    await heading(page, "Your tasks").waitFor();
    await page.locator(".tasks li", { hasText: "Book the dentist" }).waitFor();
    expect(graphql.count("RefreshSession") - refreshesBeforeReload).toBe(1);
    expect(await page.locator(".tasks li", { hasText: "Buy milk" }).count()).toBe(0);
    expect(await page.evaluate("localStorage.length + sessionStorage.length")).toBe(0);

    // The sessions screen lists this browser's session, and ends another one.
    const other = await login(server, email, DEFAULT_PASSWORD);
    await page.getByRole("link", { name: "Sessions" }).click();
    await heading(page, "Your sessions").waitFor();
    const rows = page.locator("tbody tr");
    await page.waitForFunction(`document.querySelectorAll("tbody tr").length === 2`);
    // Named by the parsed user agent, not its raw text (headless Chromium on Linux here; the
    // other session is this test's Node fetch).
    const current = rows.filter({ hasText: "this browser" });
    expect(await current.locator("td.device span").textContent()).toMatch(/^Chrome \d+ on Linux$/);
    const otherRow = rows.filter({ hasNotText: "this browser" });
    expect(await otherRow.locator("td.device span").textContent()).toBe("Other client: node");
    expect(await page.locator("tbody").textContent()).not.toContain("Mozilla/5.0");
    await saveScreenshot(page, "web-sessions");
    await rows.filter({ hasNotText: "this browser" }).getByRole("button", { name: "End" }).click();
    await page.waitForFunction(`document.querySelectorAll("tbody tr").length === 1`);
    expect((await server.gql("{ me { id } }", {}, { token: other.accessToken })).status).toBe(401);

    // Signing out ends the session on the API, not only in the page.
    const token = graphql.lastAuthorization()?.replace(/^Bearer /, "");
    expect(token).toBeDefined();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await heading(page, "Sign in").waitFor();
    await page.reload();
    await heading(page, "Sign in").waitFor();
    expect(await page.locator(".tasks").count()).toBe(0);
    const afterSignOut = await server.gql("{ me { id } }", {}, { token });
    expect(afterSignOut.status).toBe(401);
    expect(errorCode(afterSignOut)).toBe("UNAUTHENTICATED");
  });

  it("signs out everywhere: another browser's next request fails to refresh, says the session ended, and keeps what was typed", async () => {
    const first = await newPage();
    const second = await newPage({ live: false });
    await signIn(first, email);
    await signIn(second, email);

    await first.getByRole("button", { name: "Sign out everywhere" }).click();
    await heading(first, "Sign in").waitFor();
    // Signing out on purpose is not news.
    expect(await first.locator(".notice").count()).toBe(0);

    const graphql = watchGraphQL(second);
    await second.getByLabel("New task").fill("Typed before the end");
    await second.getByRole("button", { name: "Add", exact: true }).click();
    await heading(second, "Sign in").waitFor();
    expect(graphql.count("RefreshSession")).toBe(1);
    expect(graphql.statuses).toContainEqual({ operation: "CreateTask", status: 401 });
    const notice = second.getByRole("status").filter({ hasText: "Your session has ended" });
    await notice.waitFor();
    expect(await notice.textContent()).toContain("signed out on another device");
    await saveScreenshot(second, "web-session-ended");

    // Signed in again, the field holds what it held, and it saves.
    await signIn(second, email);
    expect(await second.getByLabel("New task").inputValue()).toBe("Typed before the end");
    expect(await second.locator(".notice").count()).toBe(0);
    await second.getByRole("button", { name: "Add", exact: true }).click();
    await second.locator(".tasks li", { hasText: "Typed before the end" }).waitFor();
    expect(await second.getByLabel("New task").inputValue()).toBe("");

    // A deliberate sign-out takes the typing with it.
    await second.getByLabel("New task").fill("Left behind on purpose");
    await second.getByRole("button", { name: "Sign out", exact: true }).click();
    await heading(second, "Sign in").waitFor();
    await signIn(second, email);
    expect(await second.getByLabel("New task").inputValue()).toBe("");
  });

  it("shows the admin view to an ADMIN, who changes a user's role", async () => {
    const adminEmail = uniqueEmail("admin");
    // What `npm run user:add -- --roles ADMIN` does.
    await server.app.services.users.upsert(
      {
        email: adminEmail,
        password: DEFAULT_PASSWORD,
        roles: [Role.ADMIN],
      },
      testOrigin(),
    );
    const page = await newPage();
    await signIn(page, adminEmail);
    await page.getByRole("link", { name: "Admin" }).click();
    await heading(page, "Users").waitFor();
    const editor = page.getByRole("checkbox", { name: `EDITOR for ${email}` });
    expect(await editor.isChecked()).toBe(false);
    await editor.click();
    await page.waitForFunction(
      `document.querySelector('input[aria-label="EDITOR for ${email}"]').checked`,
    );
    await saveScreenshot(page, "web-admin");

    const { accessToken } = await login(server, email, DEFAULT_PASSWORD);
    const claims = JSON.parse(Buffer.from(accessToken.split(".")[1], "base64url").toString());
    expect(claims.roles).toEqual(expect.arrayContaining(["USER", "EDITOR"]));
  });

  it("shows the API's message for a wrong password, and stays on sign-in", async () => {
    const page = await newPage();
    // Once the form shows, the start-up attempt to restore a session is over.
    await heading(page, "Sign in").waitFor();
    const graphql = watchGraphQL(page);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("Invalid email or password.");
    expect(graphql.count("SignIn")).toBe(1);
    expect(graphql.count("RefreshSession")).toBe(0);
    await heading(page, "Sign in").waitFor();
  });

  it("hides the admin view from others, and the API refuses them whatever the page shows", async () => {
    const page = await newPage();
    await signIn(page, email);
    expect(await page.getByRole("link", { name: "Admin" }).count()).toBe(0);
    await page.goto(`${web.url}/#/admin`);
    await heading(page, "Your tasks").waitFor();
    expect(await heading(page, "Users").count()).toBe(0);

    const user = await registerUser(server);
    const users = await server.gql("{ users { id } }", {}, { token: user.accessToken });
    expect(errorCode(users)).toBe("FORBIDDEN");
    const promote = await server.gql(
      "mutation ($id: ID!) { setUserRoles(userId: $id, roles: [ADMIN]) { id } }",
      { id: user.id },
      { token: user.accessToken },
    );
    expect(errorCode(promote)).toBe("FORBIDDEN");
  });
});

const PHONE_WIDTH = 375;

/** Whether anything on the page is wider than the viewport (it would scroll sideways). */
const documentWidth = (page: Page) => page.evaluate<number>("document.documentElement.scrollWidth");

// Layout, outages and assets do not depend on the database: SQLite only. The app reaches the API
// through a TCP proxy that the tests cut, as when the API is stopped or restarting.
describe("example web app in Chromium: phones, an API that is down, the favicon", () => {
  const [sqlite] = databaseKinds();
  let server: TestServer;
  let apiProxy: TcpProxy;
  let web: RunningWebApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const email = uniqueEmail("phone");
  let pageErrors: string[] = [];

  async function newPage(options: { phone?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext(
      options.phone
        ? {
            viewport: { width: PHONE_WIDTH, height: 740 },
            deviceScaleFactor: 2,
            isMobile: true,
            hasTouch: true,
          }
        : { viewport: { width: 1000, height: 640 } },
    );
    contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    return page;
  }

  beforeAll(async () => {
    server = await startTestServer(sqlite);
    await registerUser(server, { email, displayName: "Grace Brewster Murray Hopper" });
    apiProxy = await new TcpProxy("127.0.0.1", Number(new URL(server.url).port)).start();
    web = await startWebApp(`http://127.0.0.1:${apiProxy.port}`);
    browser = await launchBrowser();
  });

  beforeEach(() => {
    pageErrors = [];
  });

  afterEach(async () => {
    await apiProxy.restore();
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await web?.close();
    await apiProxy?.close();
    await server?.close();
  });

  it("loads its favicon, and nothing on the way answers 404", async () => {
    const page = await newPage();
    const failed: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(web.url);
    await heading(page, "Sign in").waitFor();
    const href = await page.evaluate<string | null>(
      `document.querySelector('link[rel="icon"]')?.getAttribute("href") ?? null`,
    );
    expect(href).toBe("/favicon.svg");
    const icon = await page.request.get(new URL(href!, web.url).toString());
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(await icon.text()).toContain("<svg");
    expect(failed).toEqual([]);
  });

  it(`fits a ${PHONE_WIDTH} px phone on every screen, without scrolling sideways`, async () => {
    const adminEmail = uniqueEmail("phone-admin-with-a-rather-long-address");
    await server.app.services.users.upsert(
      { email: adminEmail, password: DEFAULT_PASSWORD, roles: [Role.ADMIN] },
      testOrigin(),
    );
    await login(server, adminEmail, DEFAULT_PASSWORD);
    const page = await newPage({ phone: true });
    const fits = async (name: string) => {
      const width = await documentWidth(page);
      expect([name, width <= PHONE_WIDTH ? "fits" : `${width} px wide`]).toEqual([name, "fits"]);
      await saveScreenshot(page, `web-phone-${name}`);
    };

    await page.goto(web.url);
    await heading(page, "Sign in").waitFor();
    await fits("sign-in");
    await signIn(page, adminEmail);
    await addTask(page, "Pick up the dry cleaning before the shop closes at six");
    await addTask(page, "Supercalifragilisticexpialidocious-without-any-spaces-at-all");
    await page.locator(".tasks li").first().getByRole("checkbox").click();
    await page.waitForFunction(`document.querySelectorAll(".tasks li.done").length === 1`);
    await fits("tasks");
    await page.getByRole("link", { name: "Sessions" }).click();
    await heading(page, "Your sessions").waitFor();
    await page.waitForFunction(`document.querySelectorAll("tbody tr").length === 2`);
    await fits("sessions");
    await page.getByRole("link", { name: "Admin" }).click();
    await heading(page, "Users").waitFor();
    await page.getByRole("checkbox", { name: `EDITOR for ${email}` }).waitFor();
    await fits("admin");
  });

  it("tells a stopped API apart from wrong credentials, and recovers when it is back", async () => {
    // Down before the page loads: whether a session exists is unknown, so no sign-in form.
    await apiProxy.cut();
    const page = await newPage();
    await page.goto(web.url);
    await heading(page, "Can't reach the API").waitFor();
    await saveScreenshot(page, "web-api-down");

    await apiProxy.restore();
    await page.getByRole("button", { name: "Try again" }).click();
    await heading(page, "Sign in").waitFor();

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const alert = page.getByRole("alert");
    await page.waitForFunction(
      `document.querySelector('[role="alert"]')?.textContent === "Invalid email or password."`,
    );

    // Down while signing in: the alert says so, and nothing about the password.
    await apiProxy.cut();
    await page.getByLabel("Password").fill(DEFAULT_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForFunction(
      `document.querySelector('[role="alert"]')?.textContent.startsWith("Can't reach the API")`,
    );
    expect(await alert.textContent()).toBe(
      "Can't reach the API: it may be down or restarting. Try again in a moment.",
    );
    await saveScreenshot(page, "web-sign-in-api-down");

    await apiProxy.restore();
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await heading(page, "Your tasks").waitFor();
    await page.getByText("Nothing to do yet.").waitFor();

    // Down while signed in: the change fails with the same words, the person stays signed in,
    // and what they typed stays in the field for the next try.
    await apiProxy.cut();
    await page.getByLabel("New task").fill("Saved once the API is back");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.locator(".error", { hasText: "Can't reach the API" }).waitFor();
    expect(await heading(page, "Your tasks").count()).toBe(1);
    expect(await page.getByLabel("New task").inputValue()).toBe("Saved once the API is back");
    await apiProxy.restore();
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.locator(".tasks li", { hasText: "Saved once the API is back" }).waitFor();
  });
});
