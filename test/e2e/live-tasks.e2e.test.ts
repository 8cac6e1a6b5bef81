import type { Browser, BrowserContext, Page } from "playwright-core";
import { databaseKinds } from "../support/databases";
import { DEFAULT_PASSWORD, login, registerUser, uniqueEmail } from "../support/factories";
import { startTestServer, type TestServer } from "../support/test-server";
import { sleep } from "../support/time";
import { launchBrowser, saveScreenshot } from "./support/browser";
import { buildWebApp, startWebApp, type RunningWebApp } from "./support/web-app";

// In-page code is passed as strings: it runs in the browser, and this project compiles without
// the DOM library.

// Playwright reports a WebSocket's close but not its code: the page keeps them, as
// `window.liveCloses`, from a WebSocket that records its own close events.
const RECORD_CLOSE_CODES = `
  window.liveCloses = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("close", (event) =>
        window.liveCloses.push({ code: event.code, reason: event.reason, at: Date.now() }));
    }
  };
`;

interface LiveClose {
  readonly code: number;
  readonly reason: string;
  readonly at: number;
}

const heading = (page: Page, name: string) => page.getByRole("heading", { name, exact: true });
const task = (page: Page, title: string) => page.locator(".tasks li", { hasText: title });

/** How many times the page's sockets were acknowledged, counted from now. */
function acknowledgements(page: Page): () => number {
  let count = 0;
  page.on("websocket", (socket) =>
    socket.on("framereceived", ({ payload }) => {
      if (String(payload).includes('"connection_ack"')) count += 1;
    }),
  );
  return () => count;
}

/** Resolves once the page's socket is acknowledged and its `taskEvents` subscription sent. */
function liveSubscription(page: Page): Promise<void> {
  return new Promise((resolve) => {
    page.on("websocket", (socket) => {
      let acknowledged = false;
      socket.on("framereceived", ({ payload }) => {
        if (String(payload).includes('"connection_ack"')) acknowledged = true;
      });
      socket.on("framesent", ({ payload }) => {
        if (acknowledged && String(payload).includes("TaskEvents")) resolve();
      });
    });
  });
}

/** The two tabs side by side in one image, each framed and labelled. */
async function screenshotSideBySide(
  context: BrowserContext,
  name: string,
  tabs: ReadonlyArray<{ label: string; page: Page }>,
): Promise<string> {
  const shots = await Promise.all(
    tabs.map(async ({ label, page }) => ({
      label,
      src: `data:image/png;base64,${(await page.screenshot()).toString("base64")}`,
    })),
  );
  const sheet = await context.newPage();
  await sheet.setViewportSize({ width: 1040, height: 420 });
  await sheet.setContent(`<body style="margin:0;padding:12px;display:flex;gap:12px;
      background:#e5e7eb;font:14px system-ui,sans-serif">${shots
        .map(
          ({ label, src }) => `<figure style="margin:0;flex:1">
            <figcaption style="margin-bottom:6px;font-weight:600">${label}</figcaption>
            <img src="${src}" style="width:100%;border:1px solid #9ca3af;display:block"></figure>`,
        )
        .join("")}</body>`);
  await sheet.waitForFunction(`[...document.images].every((image) => image.complete)`);
  const path = await saveScreenshot(sheet, name);
  await sheet.close();
  return path;
}

beforeAll(() => buildWebApp());

describe.each(databaseKinds())("example web app, live across tabs, in Chromium ($name)", (kind) => {
  let server: TestServer;
  let web: RunningWebApp;
  let browser: Browser;
  let context: BrowserContext;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(kind);
    web = await startWebApp(server.url);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await web?.close();
    await server?.close();
  });

  it("two tabs of one user see each other's changes live; signing out everywhere in one ends the other's stream and sends it to sign-in", async () => {
    const email = uniqueEmail("live");
    await registerUser(server, { email, displayName: "Tab Tester" });
    // Two pages of one context: two tabs of one browser, sharing the refresh cookie.
    context = await browser.newContext({ viewport: { width: 760, height: 560 } });
    await context.addInitScript(RECORD_CLOSE_CODES);
    const [tabA, tabB] = [await context.newPage(), await context.newPage()];
    for (const page of [tabA, tabB])
      page.on("pageerror", (error) => pageErrors.push(error.message));

    const liveA = liveSubscription(tabA);
    await tabA.goto(web.url);
    await heading(tabA, "Sign in").waitFor();
    await tabA.getByLabel("Email").fill(email);
    await tabA.getByLabel("Password").fill(DEFAULT_PASSWORD);
    await tabA.getByRole("button", { name: "Sign in", exact: true }).click();
    await heading(tabA, "Your tasks").waitFor();
    // The second tab restores the session from the shared cookie, as a new tab does.
    const liveB = liveSubscription(tabB);
    await tabB.goto(web.url);
    await heading(tabB, "Your tasks").waitFor();
    await Promise.all([liveA, liveB]);

    // Created in A, it appears in B without a reload; B's own HTTP requests stay as they were.
    const requestsOfB: string[] = [];
    tabB.on("request", (request) => {
      if (request.url().endsWith("/graphql")) requestsOfB.push(request.method());
    });
    await tabA.getByLabel("New task").fill("Added in tab A");
    await tabA.getByRole("button", { name: "Add", exact: true }).click();
    await task(tabA, "Added in tab A").waitFor();
    await task(tabB, "Added in tab A").waitFor();
    expect(requestsOfB).toEqual([]);
    expect(await task(tabA, "Added in tab A").count()).toBe(1);

    // And back: done in B shows as done in A; a task B adds shows in A.
    await task(tabB, "Added in tab A").getByRole("checkbox").click();
    await tabA.locator(".tasks li.done", { hasText: "Added in tab A" }).waitFor();
    await tabB.getByLabel("New task").fill("Added in tab B");
    await tabB.getByRole("button", { name: "Add", exact: true }).click();
    await task(tabA, "Added in tab B").waitFor();
    await screenshotSideBySide(context, "web-live-two-tabs", [
      { label: "Tab A", page: tabA },
      { label: "Tab B", page: tabB },
    ]);

    // Deleted in A, gone from B.
    await task(tabA, "Added in tab B")
      .getByRole("button", { name: "Delete Added in tab B" })
      .click();
    await task(tabB, "Added in tab B").waitFor({ state: "detached" });

    // Sign out everywhere in A: the API closes B's socket with 4401, B's refresh is refused, and
    // B lands on sign-in with the notice, with nobody touching it.
    // Timed from the moment A's request leaves, not from the click (Playwright's own checks).
    const signOutSent = tabA
      .waitForRequest((request) => request.postData()?.includes("SignOut") ?? false)
      .then(() => Date.now());
    await tabA.getByRole("button", { name: "Sign out everywhere" }).click();
    await heading(tabA, "Sign in").waitFor();
    await tabB.waitForFunction(`window.liveCloses.some((close) => close.code === 4401)`);
    const closes = await tabB.evaluate<LiveClose[]>("window.liveCloses");
    const unauthorized = closes.find((close) => close.code === 4401)!;
    expect(unauthorized.at - (await signOutSent)).toBeLessThan(1_000);
    await heading(tabB, "Sign in").waitFor({ timeout: 5_000 });
    const notice = tabB.getByRole("status").filter({ hasText: "Your session has ended" });
    await notice.waitFor();
    expect(await notice.textContent()).toContain("signed out on another device");
    // A, which signed out on purpose, says nothing.
    expect(await tabA.locator(".notice").count()).toBe(0);
    await screenshotSideBySide(context, "web-live-signed-out-everywhere", [
      { label: "Tab A: signed out everywhere", page: tabA },
      { label: "Tab B: its stream closed (4401)", page: tabB },
    ]);
    expect(pageErrors).toEqual([]);
  });
});

// Expiry does not depend on the database: SQLite only, with a 3-second access token.
describe("example web app, live past the access token's lifetime, in Chromium", () => {
  const ACCESS_TOKEN_TTL_MS = 3_000;
  let server: TestServer;
  let web: RunningWebApp;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await startTestServer(databaseKinds()[0], {
      env: { ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL_MS / 1000}s`, JWT_CLOCK_TOLERANCE: "0s" },
    });
    web = await startWebApp(server.url);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await web?.close();
    await server?.close();
  });

  it("at 4401 TOKEN_EXPIRED refreshes once and subscribes again: changes from another device keep arriving", async () => {
    const email = uniqueEmail("live-expiry");
    await registerUser(server, { email });
    context = await browser.newContext({ viewport: { width: 760, height: 560 } });
    await context.addInitScript(RECORD_CLOSE_CODES);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    const refreshes: number[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.postData()?.includes("RefreshSession"))
        refreshes.push(Date.now());
    });
    const acknowledged = acknowledgements(page);
    const live = liveSubscription(page);
    await page.goto(web.url);
    await heading(page, "Sign in").waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(DEFAULT_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await heading(page, "Your tasks").waitFor();
    await live;
    const refreshesAtStart = refreshes.length;

    await sleep(ACCESS_TOKEN_TTL_MS);
    await page.waitForFunction(
      `window.liveCloses.some((close) => close.code === 4401 && close.reason === "TOKEN_EXPIRED")`,
    );
    const deadline = Date.now() + 5_000;
    while (acknowledged() < 2 && Date.now() < deadline) await sleep(50);
    expect(acknowledged()).toBeGreaterThanOrEqual(2);
    // One refresh for that expiry (a slow machine may reach the next one too, 3 s later).
    expect(refreshes.length - refreshesAtStart).toBeGreaterThanOrEqual(1);
    expect(refreshes.length - refreshesAtStart).toBeLessThanOrEqual(acknowledged() - 1);

    const otherDevice = await login(server, email, DEFAULT_PASSWORD);
    const created = await server.gql(
      'mutation { createTask(input: { title: "From another device" }) { id } }',
      {},
      { token: otherDevice.accessToken },
    );
    expect(created.body.errors).toBeUndefined();
    await task(page, "From another device").waitFor();
    expect(await heading(page, "Your tasks").count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
