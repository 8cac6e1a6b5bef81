import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import accepts from "accepts";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** Where the playground's scripts and styles are served from. */
export const PLAYGROUND_ASSETS_PATH = "/playground/assets";

interface Asset {
  readonly file: string;
  readonly contentType: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const SOURCE_MAP = "application/json; charset=utf-8";

/**
 * Everything the page loads, by the name it is served under. Only these names are served, so a
 * request can never reach any other file. Source maps are listed for the browser's developer
 * tools, which follow the bundles' `sourceMappingURL` comments.
 */
function assetFiles(): ReadonlyMap<string, Asset> {
  const graphiql = packageDir("graphiql");
  const react = packageDir("react");
  const reactDom = packageDir("react-dom");
  const own = ownAssetDir();
  return new Map<string, Asset>([
    [
      "react.production.min.js",
      { file: join(react, "umd", "react.production.min.js"), contentType: JS },
    ],
    [
      "react-dom.production.min.js",
      { file: join(reactDom, "umd", "react-dom.production.min.js"), contentType: JS },
    ],
    ["graphiql.min.js", { file: join(graphiql, "graphiql.min.js"), contentType: JS }],
    [
      "graphiql.min.js.map",
      { file: join(graphiql, "graphiql.min.js.map"), contentType: SOURCE_MAP },
    ],
    ["graphiql.min.css", { file: join(graphiql, "graphiql.min.css"), contentType: CSS }],
    [
      "graphiql.min.css.map",
      { file: join(graphiql, "graphiql.min.css.map"), contentType: SOURCE_MAP },
    ],
    ["playground.js", { file: join(own, "playground.js"), contentType: JS }],
    ["playground.css", { file: join(own, "playground.css"), contentType: CSS }],
  ]);
}

/** In the order the page needs them: React before ReactDOM before GraphiQL before ours. */
const PAGE_SCRIPTS = [
  "react.production.min.js",
  "react-dom.production.min.js",
  "graphiql.min.js",
  "playground.js",
];
const PAGE_STYLES = ["graphiql.min.css", "playground.css"];

/**
 * The page allows its own origin and nothing else: no inline script, no CDN, requests only to
 * this API. GraphiQL's CodeMirror and popovers write `style` attributes, hence 'unsafe-inline'
 * for styles alone. Set by the route itself, after any app-wide policy (which stays strict for
 * every other response).
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page, for the GraphQL route to answer with when a browser asks for it. */
export interface Playground {
  /** Whether the request is a browser asking for the page rather than a GraphQL client. */
  wantsPage(request: FastifyRequest): boolean;
  /** The page, answered with status 200 and these headers. */
  readonly page: string;
  readonly pageHeaders: Readonly<Record<string, string>>;
}

/**
 * The GraphiQL playground: its assets, from node_modules and this folder, registered on the app,
 * and the page, which the GraphQL route serves on browser GETs (any other request goes to
 * Apollo). Every asset URL carries a hash of its content, so assets can be cached for a year and
 * a new version is never mixed with an old one.
 */
export function registerPlayground(app: FastifyInstance, graphqlPath: string): Playground {
  const assets = assetFiles();
  for (const [name, asset] of assets) {
    if (!existsSync(asset.file)) {
      throw new Error(`The playground asset ${name} is missing (looked for ${asset.file})`);
    }
  }
  const versioned = (name: string): string => {
    const content = readFileSync(assets.get(name)!.file);
    const hash = createHash("sha256").update(content).digest("hex").slice(0, 16);
    return `${PLAYGROUND_ASSETS_PATH}/${name}?v=${hash}`;
  };
  const page = renderPage(graphqlPath, PAGE_STYLES.map(versioned), PAGE_SCRIPTS.map(versioned));

  app.get<{ Params: { name: string } }>(`${PLAYGROUND_ASSETS_PATH}/:name`, (request, reply) => {
    const asset = assets.get(request.params.name);
    // Only the listed names: the 404 is the app's own.
    if (!asset) return reply.callNotFound();
    return reply
      .headers({
        "Content-Type": asset.contentType,
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
      })
      .send(createReadStream(asset.file));
  });
  return {
    wantsPage: prefersHtml,
    page,
    pageHeaders: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": PLAYGROUND_CSP,
      "Cache-Control": "no-cache",
      // The same URL answers JSON to GraphQL clients: caches must key on Accept.
      Vary: "Accept",
      "Referrer-Policy": "no-referrer",
    },
  };
}

/**
 * As Apollo decides for its own landing page: a GET whose Accept header ranks HTML above every
 * GraphQL response type. A GET carrying `?query=` from a browser address bar could not run
 * anyway (CSRF prevention wants a preflighted header), so it gets the page with that query in
 * the editor.
 */
function prefersHtml(request: FastifyRequest): boolean {
  if (request.method !== "GET" || !request.headers.accept) return false;
  const preferred = accepts(request.raw).type([
    "application/json",
    "application/graphql-response+json",
    "multipart/mixed",
    "text/html",
  ]);
  return preferred === "text/html";
}

function renderPage(graphqlPath: string, styles: string[], scripts: string[]): string {
  const links = styles.map((href) => `    <link rel="stylesheet" href="${href}" />`);
  const tags = scripts.map((src) => `    <script src="${src}" defer></script>`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>GraphQL playground</title>
    <link rel="icon" href="data:," />
${links.join("\n")}
${tags.join("\n")}
  </head>
  <body>
    <div id="graphiql" data-endpoint="${graphqlPath}">Loading the playground…</div>
    <noscript>The GraphQL playground needs JavaScript.</noscript>
  </body>
</html>
`;
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * The playground's own browser files are plain JavaScript and CSS next to this module's source,
 * which tsc does not copy: find them from the project root (the nearest package.json above),
 * which is the same whether this runs from src/ or from dist/src/.
 */
function ownAssetDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}`);
    dir = parent;
  }
  return join(dir, "src", "playground", "browser");
}
