import { databaseKinds } from "../support/databases";
import { startTestServer, type TestServer } from "../support/test-server";

/** What Chromium sends when a person opens a URL. */
const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

const openInBrowser = (url: string) => fetch(url, { headers: { accept: BROWSER_ACCEPT } });

/** Every src= and href= of the page. */
function referencedUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1]);
}

function directives(csp: string | null): Map<string, string> {
  return new Map(
    (csp ?? "")
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name, values.join(" ")]),
  );
}

describe.each(databaseKinds())("GraphiQL playground ($name)", (kind) => {
  describe("in development and test (on by default)", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind);
    });
    afterAll(() => server.close());

    it("serves the page to a browser opening /graphql, under its own strict CSP", async () => {
      const response = await openInBrowser(`${server.url}/graphql`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("vary")).toMatch(/accept/i);
      const csp = directives(response.headers.get("content-security-policy"));
      expect(csp.get("default-src")).toBe("'none'");
      expect(csp.get("script-src")).toBe("'self'");
      expect(csp.get("style-src")).toBe("'self' 'unsafe-inline'");
      expect(csp.get("font-src")).toBe("'self' data:");
      expect(csp.get("img-src")).toBe("'self' data:");
      expect(csp.get("connect-src")).toBe("'self'");
      expect(csp.get("frame-ancestors")).toBe("'none'");
      const html = await response.text();
      expect(html).toContain('<div id="graphiql" data-endpoint="/graphql">');
    });

    it("loads nothing from elsewhere and runs no inline script", async () => {
      const html = await (await openInBrowser(`${server.url}/graphql`)).text();
      expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9]/i);
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(4);
      for (const [, attributes, body] of scripts) {
        expect(attributes).toMatch(/\ssrc="\/playground\/assets\//);
        expect(body.trim()).toBe("");
      }
      expect(html).not.toMatch(/<style\b|\son[a-z]+=/i);
      for (const url of referencedUrls(html)) {
        expect(url.startsWith("/") || url.startsWith("data:")).toBe(true);
      }
    });

    it("serves every asset the page references, with its type and a year of caching", async () => {
      const html = await (await openInBrowser(`${server.url}/graphql`)).text();
      const assets = referencedUrls(html).filter((url) => url.startsWith("/playground/assets/"));
      expect(assets.map((url) => url.replace(/\?.*$/, "")).sort()).toEqual([
        "/playground/assets/graphiql.min.css",
        "/playground/assets/graphiql.min.js",
        "/playground/assets/playground.css",
        "/playground/assets/playground.js",
        "/playground/assets/react-dom.production.min.js",
        "/playground/assets/react.production.min.js",
      ]);
      for (const url of assets) {
        const response = await fetch(`${server.url}${url}`);
        expect({ url, status: response.status }).toEqual({ url, status: 200 });
        const expectedType = url.includes(".css?")
          ? "text/css; charset=utf-8"
          : "text/javascript; charset=utf-8";
        expect(response.headers.get("content-type")).toBe(expectedType);
        expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
      }
    });

    it("versions asset URLs by content, so a year of caching never serves a stale file", async () => {
      const html = await (await openInBrowser(`${server.url}/graphql`)).text();
      for (const url of referencedUrls(html).filter((u) => u.startsWith("/playground/"))) {
        expect(url).toMatch(/\?v=[0-9a-f]{16}$/);
      }
    });

    it("serves only the listed assets", async () => {
      for (const path of [
        "/playground/assets/package.json",
        "/playground/assets/..%2f..%2fpackage.json",
        "/playground/assets/%2e%2e/%2e%2e/package.json",
        "/playground/assets/playground.ts",
      ]) {
        const response = await fetch(`${server.url}${path}`);
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
      }
    });

    it("opens with the query of the URL, which a browser GET could not run anyway", async () => {
      const query = encodeURIComponent("{ me { email } }");
      const response = await openInBrowser(`${server.url}/graphql?query=${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    });

    it("leaves GraphQL requests to Apollo: JSON GETs and POSTs get JSON", async () => {
      const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{__typename}")}`, {
        headers: { accept: "application/json", "apollo-require-preflight": "1" },
      });
      expect(get.status).toBe(200);
      expect(await get.json()).toEqual({ data: { __typename: "Query" } });

      const withoutAccept = await fetch(`${server.url}/graphql?query={__typename}`, {
        headers: { "apollo-require-preflight": "1" },
      });
      expect(withoutAccept.headers.get("content-type")).toMatch(/^application\/json/);

      const post = await server.gql("{ __typename }");
      expect(post.body).toEqual({ data: { __typename: "Query" } });
    });
  });

  describe("in production", () => {
    it("serves no page and no assets unless GRAPHQL_PLAYGROUND is set", async () => {
      const server = await startTestServer(kind, { env: { NODE_ENV: "production" } });
      try {
        const response = await openInBrowser(`${server.url}/graphql`);
        expect(response.status).not.toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        const body = await response.text();
        expect(body).not.toMatch(/graphiql|<html|sandbox|apollographql/i);
        const asset = await fetch(`${server.url}/playground/assets/playground.js`);
        expect(asset.status).toBe(404);
      } finally {
        await server.close();
      }
    });

    it("serves the page when GRAPHQL_PLAYGROUND and GRAPHQL_INTROSPECTION are on", async () => {
      const server = await startTestServer(kind, {
        env: { NODE_ENV: "production", GRAPHQL_PLAYGROUND: "true", GRAPHQL_INTROSPECTION: "true" },
      });
      try {
        const response = await openInBrowser(`${server.url}/graphql`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      } finally {
        await server.close();
      }
    });
  });

  describe("turned off in development", () => {
    it("leaves browser GETs to Apollo, whose own landing page (from a CDN) stays off", async () => {
      const server = await startTestServer(kind, { env: { GRAPHQL_PLAYGROUND: "false" } });
      try {
        const response = await openInBrowser(`${server.url}/graphql`);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        expect(await response.text()).not.toMatch(/<html|sandbox|apollographql|cdn/i);
      } finally {
        await server.close();
      }
    });
  });
});
